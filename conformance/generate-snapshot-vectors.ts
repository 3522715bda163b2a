/**
 * Reference savepoints for restore tests: conformance/vectors/v1.0/snapshots/<name>/,
 * each a complete savepoint folder (`_metadata.ksnap` and its `.ksvd` data
 * files), the operator to restore and the parallelisms to restore it at
 * (`restore.json`), and the dump of all that operator's state (`expected.jsonl`).
 * Written by `npm run vectors` through generate-vectors.ts, or alone:
 * `node dist/conformance/generate-snapshot-vectors.js [OUT_DIR]`. The content
 * comes from a seeded generator, so regeneration is byte-identical.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import { keyGroupForKeyHash, keyGroupRangeForOperator } from "../src/key-groups.js";
import type { OperatorState, SavepointHandle, Snapshot } from "../src/model.js";
import { packageFile } from "../src/storage/package-files.js";
import type { SavepointEntry, StateDescriptor, StateEntry } from "../src/savepoint/data-format.js";
import { MemorySink } from "../src/savepoint/data-sink.js";
import { SavepointDataWriter } from "../src/savepoint/data-writer.js";
import { entryToJsonLine } from "../src/savepoint/dump.js";
import { mulberry32 } from "./cases/mulberry32.js";
import { replaceFolder } from "./cases/replace-folder.js";

/** One entry and the key group its key belongs to. */
export interface KeyedEntry { keyGroup: number; entry: StateEntry }

/** An operator of a reference savepoint: its states and every entry it holds, in arrival order. */
export interface OperatorPlan {
  operatorId: string;
  name: string;
  parallelism: number;
  states: StateDescriptor[];
  entries: KeyedEntry[];
}

/** A reference savepoint and the restore test it is for. */
export interface SnapshotCase {
  name: string;
  checks: string;
  snapshotId: bigint;
  maxParallelism: number;
  operators: OperatorPlan[];
  /** The operator a restore test restores (and `expected.jsonl` dumps). */
  restoreOperatorId: string;
  restoreParallelisms: number[];
}

/** What `restore.json` holds. */
export interface RestoreSpec {
  operatorId: string;
  maxParallelism: number;
  parallelism: number;
  states: StateDescriptor[];
  restoreParallelisms: number[];
}

/** An integer in 0..n-1. */
const below = (rng: () => number, n: number) => Math.floor(rng() * n);

/** A Java long as Flink's LongSerializer writes it: 8 bytes, big-endian. */
function longBytes(v: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(v));
  return out;
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const VOID = new Uint8Array(0);

/**
 * `count` distinct keys in 0..2^31-1, with their key groups. For such a long,
 * Java's `Long.hashCode()` is the value itself, so the key group is Flink's for
 * a `Long` key.
 */
function keys(rng: () => number, count: number, maxParallelism: number): { key: Uint8Array; keyGroup: number }[] {
  const seen = new Set<number>();
  while (seen.size < count) seen.add(below(rng, 2 ** 31));
  return [...seen].map((k) => ({ key: longBytes(k), keyGroup: keyGroupForKeyHash(k, maxParallelism) }));
}

const SERIALIZERS = { key: "java.lang.Long:big-endian-8", voidNs: "void:empty", window: "time-window:start-end-big-endian-16" };

const COUNT: StateDescriptor = { name: "count", kind: "value", keySerializer: SERIALIZERS.key, namespaceSerializer: SERIALIZERS.voidNs, valueSerializer: "long:big-endian-8" };
const EVENTS: StateDescriptor = { name: "events", kind: "list", keySerializer: SERIALIZERS.key, namespaceSerializer: SERIALIZERS.window, valueSerializer: "utf8" };
const LAST_SEEN: StateDescriptor = { name: "last-seen", kind: "map", keySerializer: SERIALIZERS.key, namespaceSerializer: SERIALIZERS.voidNs, valueSerializer: "long:big-endian-8", userKeySerializer: "utf8" };
const BLOB: StateDescriptor = { name: "blob", kind: "value", keySerializer: SERIALIZERS.key, namespaceSerializer: SERIALIZERS.voidNs, valueSerializer: "bytes" };

/** A window namespace: start and end as big-endian longs. */
function window(start: number): Uint8Array {
  return new Uint8Array(Buffer.concat([longBytes(start), longBytes(start + 60_000)]));
}

/**
 * Per key: a count; 0..3 list elements in 1..2 windows (a list may be empty,
 * so absent); 0..3 map entries. Keys are few enough that some key groups stay empty.
 */
function threeKindsEntries(rng: () => number, keyCount: number, maxParallelism: number, tag: string): KeyedEntry[] {
  const out: KeyedEntry[] = [];
  for (const { key, keyGroup } of keys(rng, keyCount, maxParallelism)) {
    const add = (entry: StateEntry) => out.push({ keyGroup, entry });
    add({ state: COUNT.name, key, namespace: VOID, value: longBytes(below(rng, 1_000_000)) });
    const windows = 1 + below(rng, 2);
    for (let w = 0; w < windows; w++) {
      const namespace = window(1_700_000_000_000 + below(rng, 1000) * 60_000);
      for (let i = below(rng, 4); i > 0; i--) add({ state: EVENTS.name, key, namespace, value: utf8(`${tag}-event-${below(rng, 10_000)}`) });
    }
    const userKeys = new Set<string>();
    for (let i = below(rng, 4); i > 0; i--) userKeys.add(`page-${below(rng, 50)}`);
    for (const userKey of userKeys) {
      add({ state: LAST_SEEN.name, key, namespace: VOID, userKey: utf8(userKey), value: longBytes(1_700_000_000_000 + below(rng, 1e9)) });
    }
  }
  return out;
}

/** One value per key, `valueBytes` long. */
function valueEntries(rng: () => number, keyCount: number, maxParallelism: number, valueBytes: number): KeyedEntry[] {
  return keys(rng, keyCount, maxParallelism).map(({ key, keyGroup }) => ({
    keyGroup, entry: { state: COUNT.name, key, namespace: VOID, value: new Uint8Array(valueBytes).map(() => below(rng, 256)) },
  }));
}

/**
 * Small blobs across the key groups, and in one key group three large ones
 * (about 300 KiB together, half of it compressible): its content needs three
 * 128 KiB blocks.
 */
function multiBlockEntries(rng: () => number, maxParallelism: number): KeyedEntry[] {
  const small = valueEntries(rng, 40, maxParallelism, 16).map((e) => ({ ...e, entry: { ...e.entry, state: BLOB.name } }));
  const keyGroup = small[0]!.keyGroup;
  const large = (key: number, bytes: Uint8Array): KeyedEntry => ({ keyGroup, entry: { state: BLOB.name, key: sameGroupKey(key), namespace: VOID, value: bytes } });
  // Keys whose key group is `keyGroup`: searched deterministically from `from`.
  function sameGroupKey(from: number): Uint8Array {
    let k = from;
    while (keyGroupForKeyHash(k, maxParallelism) !== keyGroup) k++;
    return longBytes(k);
  }
  const random = new Uint8Array(100 * 1024).map(() => below(rng, 256));
  const text = utf8("the quick brown fox jumps over the lazy dog; ".repeat(3500)).subarray(0, 150 * 1024);
  return [...small, large(1, random), large(1_000_000, text), large(2_000_000, random.subarray(0, 50 * 1024))];
}

const OP_MAIN = "5d1f0e7a3c2b4a69887766554433aa01";
const OP_FIRST = "1a2b3c4d5e6f708192a3b4c5d6e7f809";
const OP_SECOND = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";

/** The reference savepoints, in README order. */
export const SNAPSHOT_CASES: (() => SnapshotCase)[] = [
  () => {
    const rng = mulberry32(0x5eed0001);
    return {
      name: "p4-mp128-three-kinds", snapshotId: 101n, maxParallelism: 128,
      checks: "one operator at parallelism 4 of max parallelism 128: value, list (with window namespaces) and map state, 80 keys, so many key groups are empty",
      operators: [{ operatorId: OP_MAIN, name: "KeyedProcess", parallelism: 4, states: [COUNT, EVENTS, LAST_SEEN],
        entries: threeKindsEntries(rng, 80, 128, "p4") }],
      restoreOperatorId: OP_MAIN, restoreParallelisms: [1, 2, 3, 4, 6, 128],
    };
  },
  () => {
    const rng = mulberry32(0x5eed0002);
    return {
      name: "p3-mp10-uneven", snapshotId: 102n, maxParallelism: 10,
      checks: "parallelism 3 of max parallelism 10: uneven ranges (4, 3, 3 key groups) written and restored; one value state, 120 keys",
      operators: [{ operatorId: OP_MAIN, name: "Reduce", parallelism: 3, states: [COUNT], entries: valueEntries(rng, 120, 10, 8) }],
      restoreParallelisms: [1, 2, 3, 4, 7, 10], restoreOperatorId: OP_MAIN,
    };
  },
  () => {
    const rng = mulberry32(0x5eed0003);
    return {
      name: "two-operators", snapshotId: 103n, maxParallelism: 128,
      checks: "two operators with the same states and different content (parallelism 2 and 3); restore.json names the second, so restoring the wrong one is caught",
      operators: [
        { operatorId: OP_FIRST, name: "First", parallelism: 2, states: [COUNT, EVENTS, LAST_SEEN], entries: threeKindsEntries(rng, 50, 128, "first") },
        { operatorId: OP_SECOND, name: "Second", parallelism: 3, states: [COUNT, EVENTS, LAST_SEEN], entries: threeKindsEntries(rng, 50, 128, "second") },
      ],
      restoreOperatorId: OP_SECOND, restoreParallelisms: [1, 2, 3, 5, 128],
    };
  },
  () => {
    const rng = mulberry32(0x5eed0004);
    return {
      name: "p2-mp128-multi-block", snapshotId: 104n, maxParallelism: 128,
      checks: "one key group holding about 300 KiB (three 128 KiB blocks, LZ4 and raw) beside 40 small entries; parallelism 2",
      operators: [{ operatorId: OP_MAIN, name: "Blobs", parallelism: 2, states: [BLOB], entries: multiBlockEntries(rng, 128) }],
      restoreOperatorId: OP_MAIN, restoreParallelisms: [1, 2, 3, 5],
    };
  },
];

/** States sorted by name in bytewise order, as the data file lists them. */
function sortedStates(states: readonly StateDescriptor[]): StateDescriptor[] {
  return [...states].sort((a, b) => Buffer.compare(Buffer.from(a.name, "utf8"), Buffer.from(b.name, "utf8")));
}

/**
 * The operator's entries in key-group order, then canonical order (state index,
 * key, namespace, user key), computed here independently of the writer's sort;
 * the sort is stable, so list elements keep their order.
 */
export function canonicalEntries(op: OperatorPlan): SavepointEntry[] {
  const states = sortedStates(op.states);
  const index = new Map(states.map((s, i) => [s.name, i]));
  const kind = new Map(states.map((s) => [s.name, s.kind]));
  const bytes = (a: Uint8Array | undefined, b: Uint8Array | undefined) => Buffer.compare(a ?? VOID, b ?? VOID);
  return op.entries
    .map(({ keyGroup, entry }) => ({ ...entry, keyGroup, kind: kind.get(entry.state)! }))
    .sort((a, b) => a.keyGroup - b.keyGroup || index.get(a.state)! - index.get(b.state)! || bytes(a.key, b.key)
      || bytes(a.namespace, b.namespace) || bytes(a.userKey, b.userKey));
}

/** The data file of subtask `subtask`: its key groups' entries, given in arrival order (the writer sorts). */
function writeSubtask(op: OperatorPlan, maxParallelism: number, subtask: number): { bytes: Uint8Array; handle: SavepointHandle } {
  const keyGroups = keyGroupRangeForOperator(maxParallelism, op.parallelism, subtask);
  const sink = new MemorySink();
  const fileName = `${op.operatorId}-${subtask}.ksvd`;
  const writer = SavepointDataWriter.open(sink, { fileId: `${op.operatorId}/${subtask}`, filePath: fileName, states: op.states, keyGroups });
  for (let kg = keyGroups.start; kg < keyGroups.start + keyGroups.count; kg++) {
    writer.beginKeyGroup(kg);
    for (const e of op.entries) if (e.keyGroup === kg) writer.add(e.entry);
    writer.endKeyGroup();
  }
  const { handle } = writer.finish();
  return { bytes: sink.bytes!, handle };
}

/** Writes one case's folder: data files, metadata, restore.json, expected.jsonl. */
function writeCase(dir: string, c: SnapshotCase): void {
  mkdirSync(dir, { recursive: true });
  const operators: OperatorState[] = c.operators.map((op) => ({
    operatorId: op.operatorId, name: op.name, parallelism: op.parallelism,
    subtasks: Array.from({ length: op.parallelism }, (_, i) => {
      const { bytes, handle } = writeSubtask(op, c.maxParallelism, i);
      writeFileSync(join(dir, handle.dataFile.path), bytes);
      return { subtaskIndex: i, handles: [handle] };
    }),
  }));
  const snapshot: Snapshot = {
    snapshotId: c.snapshotId, kind: "savepoint", maxParallelism: c.maxParallelism, operators, snapshotDir: "",
    properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
    jobId: "c0nf0a11c0nf0a11c0nf0a11c0nf0a11", timestampMillis: 1_800_000_000_000n,
  };
  writeFileSync(join(dir, "_metadata.ksnap"), encodeSnapshot(snapshot));
  const op = c.operators.find((o) => o.operatorId === c.restoreOperatorId)!;
  const restore: RestoreSpec = {
    operatorId: op.operatorId, maxParallelism: c.maxParallelism, parallelism: op.parallelism,
    states: sortedStates(op.states), restoreParallelisms: c.restoreParallelisms,
  };
  writeFileSync(join(dir, "restore.json"), JSON.stringify(restore, null, 2) + "\n");
  writeFileSync(join(dir, "expected.jsonl"), canonicalEntries(op).map((e) => entryToJsonLine(e) + "\n").join(""));
}

/** Writes every reference savepoint and the folder's README into `outDir`, replacing it once all are written. */
export function generateSnapshotVectors(outDir: string): void {
  const cases = SNAPSHOT_CASES.map((build) => build());
  replaceFolder(outDir, (dir) => {
    for (const c of cases) writeCase(join(dir, c.name), c);
    writeFileSync(join(dir, "README.md"), readme(cases));
  });
}

function readme(cases: readonly SnapshotCase[]): string {
  return [
    "# Reference savepoints for restore tests",
    "",
    "Generated by `npm run vectors` (`conformance/generate-snapshot-vectors.ts`); do not edit by hand. Kept for good as",
    "the other vectors of this folder. Specifications: [format-v1](../../../../spec/format-v1.md),",
    "[savepoint data files](../../../../spec/savepoint-data.md), [key groups](../../../../spec/key-groups.md).",
    "",
    "Each folder `NAME/` is a complete savepoint (`snapshot_dir` \"\", kind savepoint, key-group aware, sharing none,",
    "ownership user) that `ksnap validate NAME` accepts, storage checks included:",
    "",
    "- `_metadata.ksnap` and the data files (`.ksvd`) it refers to, one per subtask, each holding the subtask's",
    "  key-group range as Flink assigns it (`keyGroupRangeForOperator`). Keys are Java longs (8 bytes, big-endian)",
    "  whose key group is Flink's for a `Long` key.",
    "- `restore.json`: the operator a restore test restores (`operatorId`), `maxParallelism`, the `parallelism` it was",
    "  written at, its `states` (state descriptors, sorted by name), and `restoreParallelisms`: 1, smaller, equal and",
    "  larger parallelisms, and one whose key-group ranges are uneven.",
    "- `expected.jsonl`: the [logical dump](../../../../spec/savepoint-data.md#logical-dump) of all that operator's",
    "  entries, in key-group order and canonical order within a key group.",
    "",
    "A backend passes when, for each parallelism in `restoreParallelisms`, it restores the operator's subtasks from the",
    "savepoint and the entries they hold, dumped subtask after subtask, are exactly `expected.jsonl`. The content is",
    "small (a few hundred entries), so a whole restore test takes milliseconds.",
    "",
    "| name | max parallelism | parallelism | restore at | checks |",
    "| --- | --- | --- | --- | --- |",
    ...cases.map((c) => {
      const op = c.operators.find((o) => o.operatorId === c.restoreOperatorId)!;
      return `| \`${c.name}\` | ${c.maxParallelism} | ${op.parallelism} | ${c.restoreParallelisms.join(", ")} | ${c.checks} |`;
    }),
    "",
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!)) {
  generateSnapshotVectors(process.argv[2] ?? packageFile("conformance/vectors/v1.0/snapshots"));
}
