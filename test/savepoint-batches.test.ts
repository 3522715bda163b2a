/**
 * The batch reader and the writer's buffers: readKeyGroupBatches gives, column
 * by column, exactly the entries readKeyGroups gives (across blocks, entries
 * spanning blocks and all three kinds); the sorting writer's arena writes the
 * bytes the presorted writer writes; both writers copy the caller's arrays; the
 * sort buffer bounds its index as well as its bytes.
 */
import t, { type Test } from "tap";
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { thrown } from "./helpers.js";
import {
  dumpSavepointData, EntryBatch, entryToJsonLine, readKeyGroupBatches, readKeyGroups, SavepointDataWriter,
  type SavepointDataResult, type SavepointEntry, type StateDescriptor, type StateEntry,
} from "../src/savepoint/index.js";
import * as root from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "ksnap-savepoint-batches-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let fileNumber = 0;
const freshPath = () => join(dir, `f${fileNumber++}.ksvd`);

const STATES: StateDescriptor[] = [
  { name: "v", kind: "value", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "x" },
  { name: "l", kind: "list", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "x" },
  { name: "m", kind: "map", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "x", userKeySerializer: "u" },
];
const E = new Uint8Array(0);
const b = (s: string) => new Uint8Array(Buffer.from(s));
const hex = (x: Uint8Array | undefined) => (x === undefined ? "-" : Buffer.from(x).toString("hex"));
const show = (e: SavepointEntry) => `${e.keyGroup} ${e.state} ${e.kind} ${hex(e.key)} ${hex(e.namespace)} ${hex(e.userKey)} ${hex(e.value)}`;

interface Written {
  path: string;
  result: SavepointDataResult;
}

/** Writes `groups` (key group → entries in the order given) over key groups 0..count-1. */
function write(groups: Map<number, StateEntry[]>, count: number, options: { presorted?: boolean; blockBytes?: number } = {}): Written {
  const path = freshPath();
  const w = SavepointDataWriter.open(path, {
    fileId: "f", filePath: "f.ksvd", states: STATES, keyGroups: { start: 0, count }, ...options,
  });
  for (const [kg, entries] of [...groups].sort((x, y) => x[0] - y[0])) {
    w.beginKeyGroup(kg);
    for (const e of entries) w.add(e);
    w.endKeyGroup();
  }
  return { path, result: w.finish() };
}

async function perEntry(f: Written): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readKeyGroups(f.path, f.result.handle)) out.push(show(e));
  return out;
}

/** The entries of the batches, each built three ways (columns, entry(i), entryView(i)) that must agree. */
async function viaBatches(t: Test, f: Written): Promise<{ entries: string[]; batches: EntryBatch[] }> {
  const entries: string[] = [];
  const batches: EntryBatch[] = [];
  for await (const batch of readKeyGroupBatches(f.path, f.result.handle)) {
    batches.push(batch);
    const c = batch.columns;
    if (Object.values(c).some((column) => column.length !== batch.length)) t.fail("a column is not the batch's length");
    for (let i = 0; i < batch.length; i++) {
      const state = batch.state(i);
      const fromColumns: SavepointEntry = {
        keyGroup: batch.keyGroup, state: state.name, kind: state.kind,
        key: batch.bytes.slice(c.keyStart[i], c.keyEnd[i]), namespace: batch.bytes.slice(c.namespaceStart[i], c.namespaceEnd[i]),
        value: batch.bytes.slice(c.valueStart[i], c.valueEnd[i]),
        ...(state.kind === "map" ? { userKey: batch.bytes.slice(c.userKeyStart[i], c.userKeyEnd[i]) } : {}),
      };
      if (state.kind !== "map" && c.userKeyStart[i] !== c.userKeyEnd[i]) t.fail("a user key range outside map state");
      const line = show(fromColumns);
      if (show(batch.entry(i)) !== line || show(batch.entryView(i)) !== line) t.fail(`entry ${i} differs between its forms`);
      if (hex(batch.key(i)) !== hex(fromColumns.key) || hex(batch.value(i)) !== hex(fromColumns.value)
        || hex(batch.namespace(i)) !== hex(fromColumns.namespace)) t.fail(`entry ${i}: accessor differs from its columns`);
      entries.push(line);
    }
    t.strictSame([...batch].map(show), entries.slice(entries.length - batch.length), "the iterator yields entry(i)");
  }
  return { entries, batches };
}

// Entries that exercise all three kinds, multi-block key groups and entries spanning blocks.
function bigGroups(): Map<number, StateEntry[]> {
  const groups = new Map<number, StateEntry[]>();
  const g0: StateEntry[] = [];
  for (let k = 0; k < 400; k++) {
    const key = b(`key-${String(k).padStart(4, "0")}`);
    g0.push({ state: "v", key, namespace: E, value: new Uint8Array(50 + (k % 40)).fill(k & 0xff) });
    g0.push({ state: "l", key, namespace: b("w"), value: b(`first ${k}`) });
    g0.push({ state: "l", key, namespace: b("w"), value: b(`second ${k}`) });
    g0.push({ state: "m", key, namespace: b("w"), userKey: b(`u${k % 7}`), value: new Uint8Array(200).fill(k % 13) });
  }
  // Larger than a canonical block: it spans two or three blocks.
  g0.push({ state: "v", key: b("zz-large"), namespace: E, value: Uint8Array.from({ length: 300 * 1024 }, (_, i) => (i * 7919) % 251) });
  groups.set(0, g0);
  groups.set(2, [{ state: "m", key: b("only"), namespace: E, userKey: E, value: E }]);
  return groups;
}

t.test("batches hold exactly the per-entry reader's entries, across blocks and kinds", async (t) => {
  for (const blockBytes of [undefined, 1000, 7]) {
    const f = write(bigGroups(), 3, { presorted: false, blockBytes });
    const expected = await perEntry(f);
    const { entries, batches } = await viaBatches(t, f);
    t.strictSame(entries, expected, `block size ${blockBytes ?? "canonical"}: the same entries in the same order`);
    t.ok(batches.filter((x) => x.keyGroup === 0).length > 1, "key group 0 spans several batches");
    t.ok(batches.every((x) => x.length > 0), "no empty batch");
    t.notOk(batches.some((x) => x.keyGroup === 1), "the empty key group yields no batch");
    const blocks = batches.filter((x) => x.keyGroup === 0).map((x) => x.block);
    t.ok(blocks.every((n, i) => i === 0 || n > blocks[i - 1]!), "block numbers ascend within a key group");
    t.equal(BigInt(entries.length), f.result.entryCount);
  }
});

t.test("readKeyGroupBatches reads a sub-range and checks like readKeyGroups", async (t) => {
  const f = write(bigGroups(), 3, { presorted: false });
  const lines: string[] = [];
  for await (const batch of readKeyGroupBatches(f.path, f.result.handle, { start: 2, count: 1 })) {
    for (const e of batch) lines.push(show(e));
  }
  t.strictSame(lines, [show({ keyGroup: 2, state: "m", kind: "map", key: b("only"), namespace: E, userKey: E, value: E })]);
  const rejected = await readKeyGroupBatches(f.path, f.result.handle, { start: 2, count: 5 }).next().then(() => undefined, (e: unknown) => e);
  t.equal((rejected as { code: string }).code, "INVALID_FIELD", "a range outside the file is refused");
});

t.test("the dump, built from batch views, is the per-entry dump", async (t) => {
  const f = write(bigGroups(), 3, { presorted: false, blockBytes: 333 });
  const dumped: string[] = [];
  for await (const line of dumpSavepointData(f.path, { handle: f.result.handle })) dumped.push(line);
  const direct: string[] = [];
  for await (const e of readKeyGroups(f.path, f.result.handle)) direct.push(entryToJsonLine(e) + "\n");
  t.strictSame(dumped, direct);
});

t.test("the package root exports the batch API", async (t) => {
  t.equal(root.readKeyGroupBatches, readKeyGroupBatches);
  t.equal(root.EntryBatch, EntryBatch);
});

t.test("the sorting writer's arena writes the presorted writer's bytes", async (t) => {
  // Over 1 MiB of entries, so the arena uses several chunks, and one entry larger than a chunk.
  const groups = bigGroups();
  const many: StateEntry[] = [];
  for (let k = 0; k < 9000; k++) many.push({ state: "v", key: b(`k${(k * 7919) % 9000}`), namespace: E, value: new Uint8Array(120).fill(k % 200) });
  many.push({ state: "l", key: b("huge"), namespace: E, value: new Uint8Array(1536 * 1024).fill(3) });
  groups.set(1, many);
  const sorted = write(groups, 3, { presorted: false });
  const canonical = new Map([...groups].map(([kg, es]) => [kg, [...es].sort(canonicalCompare)]));
  const presorted = write(canonical, 3, { presorted: true });
  t.ok(readFileSync(sorted.path).equals(readFileSync(presorted.path)), "byte-identical files");
  t.equal(sorted.result.handle.dataFile.xxh64, presorted.result.handle.dataFile.xxh64);
});

t.test("both writers copy the caller's arrays: changing them after add changes nothing", async (t) => {
  for (const presorted of [true, false]) {
    const key = b("a");
    const value = b("value-1");
    const path = freshPath();
    const w = SavepointDataWriter.open(path, { fileId: "f", filePath: "f.ksvd", states: STATES, keyGroups: { start: 0, count: 1 }, presorted });
    w.beginKeyGroup(0);
    w.add({ state: "v", key, namespace: E, value });
    key[0] = 0x62; // "b": still after "a", so a presorted writer accepts the next entry only if it kept "a", not a view.
    value.fill(0);
    w.add({ state: "v", key: b("b"), namespace: E, value: b("value-2") });
    w.endKeyGroup();
    const { handle } = w.finish();
    const got: string[] = [];
    for await (const e of readKeyGroups(path, handle)) got.push(`${Buffer.from(e.key)}=${Buffer.from(e.value)}`);
    t.strictSame(got, ["a=value-1", "b=value-2"], presorted ? "presorted" : "sorted");
  }
});

t.test("the sort buffer bounds its index too: many tiny entries fail with LIMIT_EXCEEDED", async (t) => {
  const path = freshPath();
  // 10 entries of 4 bytes are 40 bytes of encodings, but 440 bytes of index: over a 400-byte buffer.
  const w = SavepointDataWriter.open(path, { fileId: "f", filePath: "f.ksvd", states: STATES, keyGroups: { start: 0, count: 1 }, sortBufferBytes: 400 });
  w.beginKeyGroup(0);
  for (let i = 0; i < 9; i++) w.add({ state: "v", key: Uint8Array.of(i), namespace: E, value: E });
  const e = thrown(() => w.add({ state: "v", key: Uint8Array.of(9), namespace: E, value: E }));
  t.equal(e.code, "LIMIT_EXCEEDED");
  t.match(e.message, /sort index takes 440 bytes/);
  t.match(e.message, /key group 0/);
});

t.test("property: batches equal per-entry reads and sorted bytes equal presorted bytes", async (t) => {
  const field = (max: number) => fc.uint8Array({ maxLength: max });
  const entry = fc.record({
    s: fc.constantFrom(...STATES), key: field(3), namespace: field(2), userKey: field(2),
    value: fc.oneof({ weight: 6, arbitrary: field(20) }, { weight: 1, arbitrary: field(400) }),
  }).map(({ s, key, namespace, userKey, value }): StateEntry =>
    (s.kind === "map" ? { state: s.name, key, namespace, userKey, value } : { state: s.name, key, namespace, value }));
  await fc.assert(fc.asyncProperty(
    fc.array(fc.array(entry, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 64 }),
    async (raw, blockBytes) => {
      const groups = new Map(raw.map((es, kg) => [kg, dedupe(es)]));
      const sorted = write(groups, raw.length, { blockBytes });
      const canonical = new Map([...groups].map(([kg, es]) => [kg, [...es].sort(canonicalCompare)]));
      const presorted = write(canonical, raw.length, { blockBytes, presorted: true });
      if (!readFileSync(sorted.path).equals(readFileSync(presorted.path))) return false;
      const { entries } = await viaBatches(t, sorted);
      return JSON.stringify(entries) === JSON.stringify(await perEntry(sorted));
    },
  ), { numRuns: 40 });
});

/** Canonical order; STATES sorted by name is l, m, v. */
function canonicalCompare(a: StateEntry, b: StateEntry): number {
  return Buffer.compare(Buffer.from(a.state), Buffer.from(b.state))
    || Buffer.compare(a.key, b.key) || Buffer.compare(a.namespace, b.namespace)
    || Buffer.compare(a.userKey ?? E, b.userKey ?? E);
}

/** Keeps the first entry of each key for value and map state. */
function dedupe(entries: StateEntry[]): StateEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    if (e.state === "l") return true;
    const id = `${e.state}/${hex(e.key)}/${hex(e.namespace)}/${hex(e.userKey)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
