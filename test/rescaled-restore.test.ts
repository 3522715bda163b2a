/**
 * Rescaled restore of savepoint state: a savepoint written at parallelism p1
 * (one data file and handle per subtask, keys assigned to key groups as Flink
 * does), restored at p2 — scale up, scale down, same parallelism. The new
 * subtasks together get exactly the original entries (none lost or duplicated),
 * each only key groups of its own range, and each reads only its key groups.
 */
import t from "tap";
import fc from "fast-check";
import { mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import { KsnapError } from "../src/errors.js";
import { keyGroupForKeyHash, keyGroupRangeForOperator } from "../src/key-groups.js";
import type { SavepointHandle, Snapshot } from "../src/model.js";
import { SavepointDataWriter, type SavepointEntry, type StateDescriptor, type StateEntry } from "../src/savepoint/index.js";
import { planSubtaskRestore, restoreSubtask } from "../src/savepoint/rescaled-restore.js";
import { loadSnapshot, METADATA_FILE, type LocatedSnapshot } from "../src/storage/snapshot-root.js";

const dir = mkdtempSync(join(tmpdir(), "ksnap-rescale-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let rootNumber = 0;

const OP = "op-keyed";
const STATES: StateDescriptor[] = [
  { name: "count", kind: "value", keySerializer: "int", namespaceSerializer: "void", valueSerializer: "long" },
  { name: "events", kind: "list", keySerializer: "int", namespaceSerializer: "void", valueSerializer: "bytes" },
  { name: "seen", kind: "map", keySerializer: "int", namespaceSerializer: "void", valueSerializer: "bool", userKeySerializer: "str" },
];

/** A key (its Java hashCode) and the entries it has, in the order they are given to the writer. */
interface Keyed {
  keyHash: number;
  entries: StateEntry[];
}

function entriesOf(keyHash: number, listLength: number, mapKeys: number): StateEntry[] {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setInt32(0, keyHash);
  const ns = new Uint8Array(0);
  const out: StateEntry[] = [{ state: "count", key, namespace: ns, value: Uint8Array.of(keyHash & 0xff, listLength) }];
  for (let i = 0; i < listLength; i++) out.push({ state: "events", key, namespace: ns, value: Uint8Array.of(i, 9 - i) });
  for (let i = 0; i < mapKeys; i++) out.push({ state: "seen", key, namespace: ns, userKey: Uint8Array.of(0x61 + i), value: Uint8Array.of(i & 1) });
  return out;
}

/** Writes a savepoint of `keys` at parallelism `p1` under a fresh root; returns it located and the expected dump lines. */
async function writeSavepoint(keys: Keyed[], maxP: number, p1: number): Promise<{ located: LocatedSnapshot; expected: string[] }> {
  const root = join(dir, `root-${rootNumber++}`);
  mkdirSync(join(root, "data"), { recursive: true });
  const byGroup = new Map<number, StateEntry[]>();
  const expected: string[] = [];
  for (const k of keys) {
    const kg = keyGroupForKeyHash(k.keyHash, maxP);
    byGroup.set(kg, [...(byGroup.get(kg) ?? []), ...k.entries]);
    for (const e of k.entries) expected.push(show({ ...e, keyGroup: kg, kind: STATES.find((s) => s.name === e.state)!.kind }));
  }
  const subtasks = Array.from({ length: p1 }, (_, s) => {
    const range = keyGroupRangeForOperator(maxP, p1, s);
    const filePath = `data/${OP}-${s}.ksvd`;
    const w = SavepointDataWriter.open(join(root, ...filePath.split("/")), { fileId: `${OP}-${s}`, filePath, states: STATES, keyGroups: range });
    for (let kg = range.start; kg < range.start + range.count; kg++) {
      const entries = byGroup.get(kg);
      if (entries === undefined) continue;
      w.beginKeyGroup(kg);
      for (const e of entries) w.add(e);
      w.endKeyGroup();
    }
    const handle: SavepointHandle = w.finish().handle;
    return { subtaskIndex: s, handles: [handle] };
  });
  const snapshot: Snapshot = {
    snapshotId: 42n, kind: "savepoint", snapshotDir: "", jobId: "", timestampMillis: 0n,
    properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
    maxParallelism: maxP, operators: [{ operatorId: OP, name: "keyed", parallelism: p1, subtasks }],
  };
  writeFileSync(join(root, METADATA_FILE), encodeSnapshot(snapshot));
  return { located: await loadSnapshot(join(root, METADATA_FILE)), expected: expected.sort() };
}

function show(e: SavepointEntry): string {
  const hex = (b: Uint8Array | undefined) => (b === undefined ? "-" : Buffer.from(b).toString("hex"));
  return `${e.keyGroup} ${e.state} ${e.kind} ${hex(e.key)} ${hex(e.namespace)} ${hex(e.userKey)} ${hex(e.value)}`;
}

async function collect(it: AsyncIterable<SavepointEntry>): Promise<SavepointEntry[]> {
  const out: SavepointEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** Restores every subtask at p2; checks ranges and order; returns the union's lines, sorted. */
async function restoreAll(located: LocatedSnapshot, maxP: number, p2: number): Promise<{ lines: string[]; problems: string[] }> {
  const lines: string[] = [];
  const problems: string[] = [];
  for (let j = 0; j < p2; j++) {
    const range = keyGroupRangeForOperator(maxP, p2, j);
    const entries = await collect(restoreSubtask(located, OP, p2, j));
    let previous = -1;
    for (const e of entries) {
      if (e.keyGroup < range.start || e.keyGroup >= range.start + range.count) {
        problems.push(`subtask ${j} of ${p2} got key group ${e.keyGroup}, outside ${range.start}+${range.count}`);
      }
      if (e.keyGroup < previous) problems.push(`subtask ${j}: key group ${e.keyGroup} after ${previous}`);
      previous = e.keyGroup;
      lines.push(show(e));
    }
  }
  return { lines: lines.sort(), problems };
}

const keysArb = (maxKeys: number) => fc.uniqueArray(
  fc.record({ keyHash: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), list: fc.nat(3), map: fc.nat(2) }),
  { selector: (k) => k.keyHash, maxLength: maxKeys },
).map((ks) => ks.map((k): Keyed => ({ keyHash: k.keyHash, entries: entriesOf(k.keyHash, k.list, k.map) })));

t.test("scale up, scale down and same parallelism keep every entry exactly once", async (t) => {
  const keys = Array.from({ length: 400 }, (_, i) => ({ keyHash: Math.imul(i + 1, 0x9e3779b1), entries: entriesOf(Math.imul(i + 1, 0x9e3779b1), i % 4, i % 3) }));
  const maxP = 128;
  for (const [p1, p2] of [[4, 7], [7, 3], [4, 4], [1, 128], [128, 1], [3, 5]] as const) {
    const { located, expected } = await writeSavepoint(keys, maxP, p1);
    const { lines, problems } = await restoreAll(located, maxP, p2);
    t.strictSame(problems, [], `${p1} → ${p2}: each new subtask only gets its own key groups`);
    t.strictSame(lines, expected, `${p1} → ${p2}: the union is the savepoint's entries, none lost or duplicated`);
  }
});

t.test("property: any (maxP, p1, p2) restores the same entries", async (t) => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 24 }).chain((maxP) => fc.tuple(
      fc.constant(maxP), fc.integer({ min: 1, max: maxP }), fc.integer({ min: 1, max: maxP }), keysArb(40),
    )),
    async ([maxP, p1, p2, keys]) => {
      const { located, expected } = await writeSavepoint(keys, maxP, p1);
      const { lines, problems } = await restoreAll(located, maxP, p2);
      return problems.length === 0 && JSON.stringify(lines) === JSON.stringify(expected);
    },
  ), { numRuns: 60 });
  t.pass("held for every case");
});

t.test("a subtask reads only its kept key groups: damage elsewhere does not reach it", async (t) => {
  const keys = Array.from({ length: 64 }, (_, i) => ({ keyHash: i * 7919, entries: entriesOf(i * 7919, 2, 1) }));
  const maxP = 16;
  const { located } = await writeSavepoint(keys, maxP, 2);
  // Damage the first data block of the first non-empty key group of old subtask 0's file.
  const handle = located.snapshot.operators[0]!.subtasks[0]!.handles[0] as SavepointHandle;
  const i = handle.offsets.findIndex((o, n) => (handle.offsets[n + 1] ?? handle.dataFile.size) - o > 16n + 48n);
  t.ok(i >= 0, "a key group with data");
  const damagedGroup = handle.keyGroups.start + i;
  const path = join(located.root, ...handle.dataFile.path.split("/"));
  const fd = openSync(path, "r+");
  const at = Number(handle.offsets[i]!) + 16 + 1;
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  writeSync(fd, Buffer.of(b[0]! ^ 0xff), 0, 1, at);
  closeSync(fd);
  const p2 = maxP; // one key group per new subtask
  for (let j = 0; j < p2; j++) {
    const run = collect(restoreSubtask(located, OP, p2, j));
    if (j === damagedGroup) await t.rejects(run, { code: "CHECKSUM_MISMATCH" }, `subtask ${j} reads the damaged key group`);
    else await t.resolves(run, `subtask ${j} never reads key group ${damagedGroup}`);
  }
});

t.test("the plan: reads resolved under the root, empty key groups read nothing", async (t) => {
  const { located } = await writeSavepoint([], 8, 2);
  const r = planSubtaskRestore(located, OP, 4, 1);
  t.strictSame(r.plan.keyGroups, { start: 2, count: 2 });
  t.equal(r.sources.length, 1);
  t.equal(r.sources[0]!.path, join(located.root, "data", `${OP}-0.ksvd`));
  t.strictSame(await collect(restoreSubtask(located, OP, 4, 1)), []);
});

t.test("bad arguments and incremental handles are KsnapErrors naming the metadata file", async (t) => {
  const { located } = await writeSavepoint([], 8, 2);
  const cases: [string, () => unknown, string][] = [
    ["unknown operator", () => planSubtaskRestore(located, "nope", 2, 0), "INVALID_FIELD"],
    ["parallelism over max", () => planSubtaskRestore(located, OP, 9, 0), "INVALID_FIELD"],
    ["subtask out of range", () => planSubtaskRestore(located, OP, 2, 2), "INVALID_FIELD"],
  ];
  for (const [what, fn, code] of cases) {
    try {
      fn();
      t.fail(`${what}: no error`);
    } catch (e) {
      t.ok(e instanceof KsnapError, what);
      t.equal((e as KsnapError).code, code, what);
      t.equal((e as KsnapError).file, located.metadataPath, `${what}: names the file`);
    }
  }
  const incremental: LocatedSnapshot = {
    ...located,
    snapshot: {
      ...located.snapshot,
      operators: [{
        ...located.snapshot.operators[0]!,
        subtasks: [{
          subtaskIndex: 0, handles: [{
            type: "incremental", keyGroups: { start: 0, count: 8 }, backendId: "b", checkpointId: 1n, baseCheckpointId: 0n,
            folder: "chk-1", sharedFiles: [], privateFiles: [], metaFile: { id: "m", path: "chk-1/m", size: 1n, xxh64: 0n },
            stateSize: 1n, checkpointedSize: 1n,
          }],
        }],
      }],
    },
  };
  await t.rejects(collect(restoreSubtask(incremental, OP, 2, 0)), { code: "INVALID_FIELD", message: /incremental handle/ });
});
