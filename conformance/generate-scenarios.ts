/**
 * Generates conformance/scenarios/*.json ([spec](../spec/conformance.md#scenarios))
 * from fixed seeds, so the files are reviewable data and regenerate byte for
 * byte (test/conformance-scenarios.test.ts). Each scenario exercises one thing
 * a backend gets wrong in practice; its `description` says what.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { keyGroupRangeForOperator } from "../src/key-groups.js";
import { packageFile } from "../src/storage/package-files.js";
import type { StateDescriptor } from "../src/savepoint/data-format.js";
import type { Scenario, Step } from "../src/conformance/scenario.js";
import type { Change } from "../src/conformance/state-model.js";
import { mulberry32 } from "./cases/mulberry32.js";
import { replaceFolder } from "./cases/replace-folder.js";

/** Draws keys, values and key groups for one scenario. */
class Draw {
  private readonly rnd: () => number;
  constructor(seed: number, private readonly maxParallelism: number) {
    this.rnd = mulberry32(seed);
  }

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  hex(length: number): string {
    let s = "";
    for (let i = 0; i < length; i++) s += this.int(256).toString(16).padStart(2, "0");
    return s;
  }

  /** A key group in [start, start + count), default anywhere. */
  keyGroup(start = 0, count = this.maxParallelism): number {
    return start + this.int(count);
  }
}

const SER = { keySerializer: "org.apache.flink.api.common.typeutils.base.LongSerializer", namespaceSerializer: "VoidNamespaceSerializer" };
const value = (name: string): StateDescriptor => ({ name, kind: "value", ...SER, valueSerializer: "LongSerializer" });
const list = (name: string): StateDescriptor => ({ name, kind: "list", ...SER, valueSerializer: "StringSerializer" });
const map = (name: string): StateDescriptor => ({ name, kind: "map", ...SER, valueSerializer: "LongSerializer", userKeySerializer: "StringSerializer" });

/** `n` puts of fresh 8-byte keys in key groups drawn from `range`. */
function puts(d: Draw, state: string, n: number, range?: { start: number; count: number }, valueBytes = 8): Change[] {
  return Array.from({ length: n }, () => ({
    op: "put" as const, state, keyGroup: d.keyGroup(range?.start, range?.count), key: d.hex(8), namespace: "", value: d.hex(valueBytes),
  }));
}

/** Overwrites and deletes of keys already put. */
function churn(d: Draw, earlier: readonly Change[], n: number): Change[] {
  return Array.from({ length: n }, () => {
    const c = earlier[d.int(earlier.length)]!;
    return d.int(4) === 0 ? { op: "delete" as const, state: c.state, keyGroup: c.keyGroup, key: c.key, namespace: c.namespace }
      : { ...c, op: "put" as const, value: d.hex(8) };
  });
}

function valueStateIncremental(): Scenario {
  const d = new Draw(1, 128);
  const first = puts(d, "count", 300);
  const sub0 = keyGroupRangeForOperator(128, 2, 0);
  const onlySubtask0 = puts(d, "count", 40, sub0);
  const steps: Step[] = [
    { do: "apply", changes: first },
    { do: "checkpoint", id: 1 },
    { do: "apply", changes: onlySubtask0 },
    { do: "checkpoint", id: 2 },
    { do: "checkpoint", id: 3 },
    { do: "apply", changes: churn(d, [...first, ...onlySubtask0], 120) },
    { do: "checkpoint", id: 4, restoreAt: [2, 1, 3] },
    { do: "discard", checkpoint: 1 },
    { do: "discard", checkpoint: 2 },
    { do: "apply", changes: puts(d, "count", 50) },
    { do: "checkpoint", id: 5 },
    { do: "savepoint", id: 6, restoreAt: [2, 4] },
  ];
  return {
    name: "value-state-incremental",
    description: "One value state at parallelism 2. Checkpoint 2 changes only subtask 0's key groups and checkpoint 3 changes nothing, so subtask 1 (then both) must upload no new shared file; overwrites and deletes; discards of the oldest checkpoints; restores at parallelism 1, 2 and 3.",
    operatorId: "a1b2c3d4e5f60718293a4b5c6d7e8f90", maxParallelism: 128, parallelism: 2, states: [value("count")], steps,
  };
}

function threeKinds(): Scenario {
  const d = new Draw(2, 64);
  const values = puts(d, "last-seen", 150);
  const events: Change[] = [];
  for (let i = 0; i < 60; i++) {
    const keyGroup = d.keyGroup();
    const key = d.hex(4);
    const namespace = d.int(2) === 0 ? "" : d.hex(8);
    for (let j = 0, n = 1 + d.int(4); j < n; j++) events.push({ op: "add", state: "events", keyGroup, key, namespace, value: d.hex(1 + d.int(12)) });
  }
  const clicks: Change[] = Array.from({ length: 200 }, () => ({
    op: "put" as const, state: "clicks-by-page", keyGroup: d.keyGroup(), key: d.hex(4), namespace: "", userKey: d.hex(1 + d.int(6)), value: d.hex(4),
  }));
  const second: Change[] = [
    ...churn(d, values, 40),
    ...clicks.slice(0, 50).map((c) => ({ op: "delete" as const, state: c.state, keyGroup: c.keyGroup, key: c.key, namespace: c.namespace, userKey: c.userKey! })),
    ...events.slice(0, 10).map((c) => ({ op: "delete" as const, state: c.state, keyGroup: c.keyGroup, key: c.key, namespace: c.namespace })),
    ...events.slice(20, 30).map((c) => ({ ...c, value: d.hex(3) })),
  ];
  return {
    name: "three-kinds",
    description: "Value, list and map state at parallelism 3 of 64 (uneven ranges): list elements keep their order, map entries sort by user key, deletes of a map entry and of a whole list; a savepoint restored at 1, 3 and 5 and a checkpoint restored at 2 and 3.",
    operatorId: "0f0e0d0c0b0a09080706050403020100", maxParallelism: 64, parallelism: 3,
    states: [value("last-seen"), list("events"), map("clicks-by-page")],
    steps: [
      { do: "apply", changes: [...values, ...events, ...clicks] },
      { do: "checkpoint", id: 1 },
      { do: "apply", changes: second },
      { do: "checkpoint", id: 2 },
      { do: "savepoint", id: 3, restoreAt: [1, 3, 5] },
      { do: "checkpoint", id: 4, restoreAt: [3, 2] },
      { do: "discard", checkpoint: 1 },
    ],
  };
}

function rescaleAndContinue(): Scenario {
  const d = new Draw(3, 128);
  const first = puts(d, "total", 200);
  return {
    name: "rescale-and-continue",
    description: "A job rescaled twice: from a savepoint at parallelism 2 to 4, then from its own checkpoint at 4 to 3, with changes and incremental checkpoints into the same root after each restore.",
    operatorId: "feedfacecafebeef0123456789abcdef", maxParallelism: 128, parallelism: 2, states: [value("total")],
    steps: [
      { do: "apply", changes: first },
      { do: "savepoint", id: 1 },
      { do: "restore", from: "sp-1", parallelism: 4 },
      { do: "apply", changes: churn(d, first, 60) },
      { do: "checkpoint", id: 2 },
      { do: "apply", changes: puts(d, "total", 30, keyGroupRangeForOperator(128, 4, 3)) },
      { do: "checkpoint", id: 3 },
      { do: "discard", checkpoint: 2 },
      { do: "restore", from: "chk-3", parallelism: 3 },
      { do: "apply", changes: puts(d, "total", 40) },
      { do: "checkpoint", id: 4, restoreAt: [3, 1] },
      { do: "checkpoint", id: 5 },
      { do: "savepoint", id: 6, restoreAt: [3, 6] },
    ],
  };
}

function compactionChurn(): Scenario {
  const d = new Draw(4, 32);
  const keys = puts(d, "score", 120);
  const steps: Step[] = [{ do: "apply", changes: keys }, { do: "checkpoint", id: 1 }];
  for (let id = 2; id <= 12; id++) {
    steps.push({ do: "apply", changes: churn(d, keys, 30) }, { do: "checkpoint", id, ...(id === 12 ? { restoreAt: [1, 2] } : {}) });
    if (id >= 3) steps.push({ do: "discard", checkpoint: id - 2 });
  }
  return {
    name: "compaction-churn",
    description: "Twelve checkpoints of overwrites and deletes at parallelism 1, keeping the last two: a backend that merges its files must still never delete a file a retained checkpoint uses, and never reuse a file id for new content.",
    operatorId: "00112233445566778899aabbccddeeff", maxParallelism: 32, parallelism: 1, states: [value("score")], steps,
  };
}

function sparseAndLarge(): Scenario {
  const d = new Draw(5, 128);
  const edge: Change[] = [
    { op: "put", state: "blob", keyGroup: 7, key: "", namespace: "", value: "" },
    { op: "put", state: "blob", keyGroup: 7, key: "00", namespace: "", value: "ff" },
    { op: "put", state: "blob", keyGroup: 7, key: "0000", namespace: "ff", value: "00" },
    { op: "put", state: "blob", keyGroup: 127, key: "ffffffff", namespace: "00", value: d.hex(3000) },
  ];
  const big = puts(d, "blob", 140, { start: 40, count: 1 }, 1024);
  return {
    name: "sparse-and-large",
    description: "Parallelism 4 of 128 with an empty first checkpoint, then state in a few key groups only: empty keys, namespaces and values, prefix keys, and one key group of ~145 KB that a canonical savepoint cuts into two blocks, 128 KiB and the rest.",
    operatorId: "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e", maxParallelism: 128, parallelism: 4, states: [value("blob")],
    steps: [
      { do: "checkpoint", id: 1 },
      { do: "apply", changes: [...edge, ...big] },
      { do: "checkpoint", id: 2 },
      { do: "savepoint", id: 3, restoreAt: [4, 7, 1] },
    ],
  };
}

function compactions(): Scenario {
  const d = new Draw(6, 256);
  const values = puts(d, "latest", 160);
  const lists: Change[] = [];
  for (let i = 0; i < 40; i++) {
    const keyGroup = d.keyGroup();
    const key = d.hex(4);
    for (let j = 0, n = 1 + d.int(3); j < n; j++) lists.push({ op: "add", state: "history", keyGroup, key, namespace: "", value: d.hex(1 + d.int(8)) });
  }
  const maps: Change[] = Array.from({ length: 80 }, () => ({
    op: "put" as const, state: "tags", keyGroup: d.keyGroup(), key: d.hex(4), namespace: d.hex(2), userKey: d.hex(1 + d.int(4)), value: d.hex(4),
  }));
  const second: Change[] = [
    ...churn(d, values, 60),
    ...lists.slice(0, 15).map((c) => ({ ...c, value: d.hex(2) })),
    ...maps.slice(0, 20).map((c) => ({ op: "delete" as const, state: c.state, keyGroup: c.keyGroup, key: c.key, namespace: c.namespace, userKey: c.userKey! })),
  ];
  const sub1 = keyGroupRangeForOperator(256, 2, 1);
  return {
    name: "compactions",
    description: "Value, list and map state at parallelism 2 of 256 (two-byte key-group prefixes), with compact steps between checkpoints: a compaction merges every file and drops overwritten and deleted entries, so the next checkpoint uploads new files and the older checkpoints' files go when those are discarded. After a compaction, a checkpoint that changes only subtask 1 must upload nothing for subtask 0. Then a restore of the latest checkpoint at the same parallelism into the same root, which may keep using its files, more compactions, and the discard of a checkpoint whose files an older retained checkpoint of the earlier session still uses.",
    operatorId: "c0ffee00c0ffee00c0ffee00c0ffee00", maxParallelism: 256, parallelism: 2,
    states: [value("latest"), list("history"), map("tags")],
    steps: [
      { do: "apply", changes: [...values, ...lists, ...maps] },
      { do: "checkpoint", id: 1 },
      { do: "apply", changes: second },
      { do: "checkpoint", id: 2 },
      { do: "compact" },
      { do: "checkpoint", id: 3 },
      { do: "discard", checkpoint: 1 },
      { do: "discard", checkpoint: 2 },
      { do: "apply", changes: puts(d, "latest", 30, sub1) },
      { do: "checkpoint", id: 4 },
      { do: "compact" },
      { do: "apply", changes: churn(d, values, 20) },
      { do: "checkpoint", id: 5, restoreAt: [2, 3, 1] },
      { do: "discard", checkpoint: 3 },
      { do: "restore", from: "chk-5", parallelism: 2 },
      { do: "apply", changes: [...churn(d, values, 20), ...lists.slice(20, 30).map((c) => ({ ...c, value: d.hex(3) }))] },
      { do: "checkpoint", id: 6 },
      { do: "compact" },
      { do: "checkpoint", id: 7 },
      { do: "apply", changes: puts(d, "latest", 10) },
      { do: "checkpoint", id: 8 },
      { do: "discard", checkpoint: 6 },
      { do: "savepoint", id: 9, restoreAt: [1, 4] },
    ],
  };
}

/** Every scenario, by name. */
export function scenarios(): Scenario[] {
  return [valueStateIncremental(), threeKinds(), rescaleAndContinue(), compactionChurn(), sparseAndLarge(), compactions()];
}

/** A scenario as JSON, one step (and one change) per line: small diffs when a scenario changes. */
function scenarioText(s: Scenario): string {
  const { steps, ...head } = s;
  const headLines = Object.entries({ $schema: "../../schemas/conformance/v1/scenario.schema.json", ...head })
    .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  const stepLines = steps.map((step, i) => {
    const end = i === steps.length - 1 ? "" : ",";
    if (step.do !== "apply") return `    ${JSON.stringify(step)}${end}`;
    const changes = step.changes.map((c, j) => `      ${JSON.stringify(c)}${j === step.changes.length - 1 ? "" : ","}`);
    return [`    {"do": "apply", "changes": [`, ...changes, `    ]}${end}`].join("\n");
  });
  return ["{", ...headLines, '  "steps": [', ...stepLines, "  ]", "}", ""].join("\n");
}

/** Writes every scenario to `dir`, replacing it once all are written. */
export function generateScenarios(dir: string): void {
  const all = scenarios();
  replaceFolder(dir, (fresh) => {
    for (const s of all) writeFileSync(join(fresh, `${s.name}.json`), scenarioText(s));
  });
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!)) {
  generateScenarios(process.argv[2] ?? packageFile("conformance/scenarios"));
}
