/**
 * Savepoint data files round-trip: random states and entries, written in any
 * order, read back (all key groups and any sub-range) as the same entries in
 * canonical order; the same logical state gives the same bytes; the writer's
 * result is a correct handle; its checks and its atomic write.
 */
import t from "tap";
import fc from "fast-check";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KsnapError } from "../src/errors.js";
import { rejection, thrown } from "./helpers.js";
import { xxh64 } from "../src/hash/xxh64.js";
import type { KeyGroupRange } from "../src/model.js";
import { isTempName } from "../src/storage/storage.js";
import {
  CANONICAL_BLOCK_BYTES, listFrames, MemorySink, readDataFileInfo, readKeyGroups, SavepointDataError, SavepointDataWriter,
  type SavepointDataWriterOptions, type SavepointEntry, type StateDescriptor, type StateEntry,
} from "../src/savepoint/index.js";
import { mulberry32 } from "../conformance/cases/mulberry32.js";

const dir = mkdtempSync(join(tmpdir(), "ksnap-savepoint-rt-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let fileNumber = 0;
const freshPath = () => join(dir, `f${fileNumber++}.ksvd`);

/** One key group's entries, in the order a writer is given them. */
interface Group {
  keyGroup: number;
  entries: StateEntry[];
}

interface Logical {
  states: StateDescriptor[];
  range: KeyGroupRange;
  groups: Group[];
}

// ---- Generators ------------------------------------------------------------------------------------------------

const name = fc.string({ unit: "binary", minLength: 1, maxLength: 6 }).filter((s) => s.isWellFormed());
const smallBytes = (max: number) => fc.uint8Array({ maxLength: max });
/** Mostly small values, sometimes a few KiB (to span blocks and to be compressible or not). */
const value = fc.oneof(
  { weight: 8, arbitrary: smallBytes(24) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 6000 }).map((n) => new Uint8Array(n).fill(n % 251)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 3000 }) },
);

const statesArb: fc.Arbitrary<StateDescriptor[]> = fc.uniqueArray(name, { minLength: 1, maxLength: 4 })
  .chain((names) => fc.tuple(...names.map((n) => fc.record({
    name: fc.constant(n),
    kind: fc.constantFrom("value" as const, "list" as const, "map" as const),
    keySerializer: fc.string({ maxLength: 5 }),
    namespaceSerializer: fc.string({ maxLength: 5 }),
    valueSerializer: fc.string({ maxLength: 5 }),
  }))))
  .map((ds) => ds.map((d) => (d.kind === "map" ? { ...d, userKeySerializer: "uk" } : d)));

const entryArb = (states: StateDescriptor[]): fc.Arbitrary<StateEntry> => fc.record({
  s: fc.constantFrom(...states), key: smallBytes(3), namespace: smallBytes(2), userKey: smallBytes(2), value,
}).map(({ s, key, namespace, userKey, value }) =>
  s.kind === "map" ? { state: s.name, key, namespace, userKey, value } : { state: s.name, key, namespace, value });

const logicalArb: fc.Arbitrary<Logical> = fc.record({
  states: statesArb,
  range: fc.record({ start: fc.integer({ min: 0, max: 32762 }), count: fc.integer({ min: 0, max: 6 }) }),
}).chain(({ states, range }) => fc.tuple(
  ...Array.from({ length: range.count }, (_, i) => fc.array(entryArb(states), { maxLength: 12 }).map((entries) => ({
    keyGroup: range.start + i, entries: dedupe(states, entries),
  }))),
).map((groups) => ({ states, range, groups: groups.filter((g) => g.entries.length > 0 || g.keyGroup % 2 === 0) })));

/** Keeps the first entry of each key for value and map state: they hold one value per key. */
function dedupe(states: StateDescriptor[], entries: StateEntry[]): StateEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    if (kindOf(states, e.state) === "list") return true;
    const id = [e.state, hex(e.key), hex(e.namespace), hex(e.userKey)].join("/");
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

// ---- The expected result, computed independently of the library --------------------------------------------

const hex = (b: Uint8Array | undefined) => (b === undefined ? "-" : Buffer.from(b).toString("hex"));
const kindOf = (states: StateDescriptor[], state: string) => states.find((s) => s.name === state)!.kind;

/** Canonical order: state name by UTF-8 bytes (= the file's state index order), then the fields bytewise. */
function canonicalCompare(a: StateEntry, b: StateEntry): number {
  return Buffer.compare(Buffer.from(a.state), Buffer.from(b.state))
    || Buffer.compare(a.key, b.key) || Buffer.compare(a.namespace, b.namespace)
    || Buffer.compare(a.userKey ?? new Uint8Array(0), b.userKey ?? new Uint8Array(0));
}

/** What a reader must return for `logical`, in order, as comparable strings. */
function expected(logical: Logical, range: KeyGroupRange = logical.range): string[] {
  return logical.groups
    .filter((g) => g.keyGroup >= range.start && g.keyGroup < range.start + range.count)
    .sort((a, b) => a.keyGroup - b.keyGroup)
    .flatMap((g) => [...g.entries].sort(canonicalCompare).map((e) => show({ ...e, keyGroup: g.keyGroup, kind: kindOf(logical.states, e.state) })));
}

function show(e: SavepointEntry): string {
  return `${e.keyGroup} ${JSON.stringify(e.state)} ${e.kind} ${hex(e.key)} ${hex(e.namespace)} ${hex(e.userKey)} ${hex(e.value)}`;
}

/**
 * The same logical state in another order: entries and descriptors shuffled,
 * but the elements of each list kept in their order (their order is content).
 */
function reorder(logical: Logical, seed: number): Logical {
  const random = mulberry32(seed);
  const shuffle = <T>(xs: T[]) => xs.map((x) => ({ x, r: random() })).sort((a, b) => a.r - b.r).map((p) => p.x);
  return {
    ...logical,
    states: shuffle(logical.states),
    groups: logical.groups.map((g) => ({ ...g, entries: keepListOrder(g.entries, shuffle(g.entries), logical.states) })),
  };
}

function keepListOrder(original: StateEntry[], shuffled: StateEntry[], states: StateDescriptor[]): StateEntry[] {
  const listKey = (e: StateEntry) => (kindOf(states, e.state) === "list" ? `${e.state}/${hex(e.key)}/${hex(e.namespace)}` : undefined);
  const queues = new Map<string, StateEntry[]>();
  for (const e of original) {
    const k = listKey(e);
    if (k !== undefined) queues.set(k, [...(queues.get(k) ?? []), e]);
  }
  return shuffled.map((e) => {
    const k = listKey(e);
    return k === undefined ? e : queues.get(k)!.shift()!;
  });
}

// ---- Writing and reading ------------------------------------------------------------------------------------

function options(logical: Logical, extra: Partial<SavepointDataWriterOptions> = {}): SavepointDataWriterOptions {
  return { fileId: "data-1", filePath: "op/data-1.ksvd", states: logical.states, keyGroups: logical.range, ...extra };
}

function write(target: string | MemorySink, logical: Logical, extra: Partial<SavepointDataWriterOptions> = {}) {
  const w = SavepointDataWriter.open(target, options(logical, extra));
  for (const g of [...logical.groups].sort((a, b) => a.keyGroup - b.keyGroup)) {
    w.beginKeyGroup(g.keyGroup);
    for (const e of g.entries) w.add(e);
    w.endKeyGroup();
  }
  return w.finish();
}

function writeBytes(logical: Logical, extra: Partial<SavepointDataWriterOptions> = {}): Uint8Array {
  const sink = new MemorySink();
  write(sink, logical, extra);
  return sink.bytes!;
}

async function readAll(path: string, handle: Parameters<typeof readKeyGroups>[1], range?: KeyGroupRange): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readKeyGroups(path, handle, range)) out.push(show(e));
  return out;
}

/** Key groups `sub` of `range`, from two numbers in [0, 1). */
function subRange(range: KeyGroupRange, a: number, b: number): KeyGroupRange {
  const from = Math.floor(a * (range.count + 1));
  const to = from + Math.floor(b * (range.count - from + 1));
  return { start: range.start + from, count: to - from };
}

// ---- Tests --------------------------------------------------------------------------------------------------

t.test("random state round-trips: all key groups and any sub-range, in canonical order", async (t) => {
  let runs = 0;
  await fc.assert(fc.asyncProperty(logicalArb, fc.integer(), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }),
    fc.constantFrom(undefined, 3, 7, 64, 1000), async (logical, seed, a, b, blockBytes) => {
      const path = freshPath();
      const { handle, entryCount } = write(path, reorder(logical, seed), blockBytes === undefined ? {} : { blockBytes });
      const all = expected(logical);
      t.equal(entryCount, BigInt(all.length));
      t.strictSame(await readAll(path, handle), all);
      const sub = subRange(logical.range, a, b);
      t.strictSame(await readAll(path, handle, sub), expected(logical, sub), `key groups ${sub.start}+${sub.count}`);
      rmSync(path);
      runs++;
    }), { numRuns: 120 });
  t.ok(runs >= 120, `${runs} random files written and read back`);
});

t.test("the same logical state in any order gives identical bytes (and presorted streaming the same)", async (t) => {
  await fc.assert(fc.asyncProperty(logicalArb, fc.integer(), fc.integer(), async (logical, s1, s2) => {
    const one = writeBytes(reorder(logical, s1));
    const two = writeBytes(reorder(logical, s2));
    t.ok(Buffer.from(one).equals(two), "two orders, one file");
    const sorted = { ...logical, groups: logical.groups.map((g) => ({ ...g, entries: [...g.entries].sort(canonicalCompare) })) };
    t.ok(Buffer.from(writeBytes(sorted, { presorted: true })).equals(one), "presorted streaming writes the same file");
  }), { numRuns: 80 });
});

t.test("the handle describes the file: size, xxh64, offsets = index", async (t) => {
  await fc.assert(fc.asyncProperty(logicalArb, async (logical) => {
    const path = freshPath();
    const { handle } = write(path, logical);
    const bytes = readFileSync(path);
    t.equal(handle.dataFile.size, BigInt(bytes.length));
    t.equal(handle.dataFile.xxh64, xxh64(bytes), "xxh64 computed while streaming equals the file's");
    t.strictSame(handle.keyGroups, { ...logical.range }, "the range given");
    t.strictSame(handle.offsets, (await readDataFileInfo(path)).offsets, "offsets equal the trailer's index");
    for (const [i, o] of handle.offsets.entries()) {
      t.ok(o < handle.dataFile.size, "each offset is inside the file");
      const first = listFrames(bytes).find((f) => f.keyGroup === logical.range.start + i && f.block === 0)!;
      t.equal(BigInt(first.offset), o, `offsets[${i}] is key group ${logical.range.start + i}'s first block`);
    }
    rmSync(path);
  }), { numRuns: 40 });
});

const STATES: StateDescriptor[] = [
  { name: "v", kind: "value", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "s" },
  { name: "l", kind: "list", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "s" },
  { name: "m", kind: "map", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "s", userKeySerializer: "u" },
];
const b = (s: string) => new Uint8Array(Buffer.from(s));
const E = new Uint8Array(0);

t.test("blocks are cut at 128 KiB; incompressible blocks are stored raw, others LZ4", async (t) => {
  const random = new Uint8Array(300_000).map(() => Math.floor(Math.random() * 256));
  const logical: Logical = { states: STATES, range: { start: 0, count: 1 }, groups: [{ keyGroup: 0, entries: [
    { state: "v", key: b("a"), namespace: E, value: new Uint8Array(200_000).fill(7) },
    { state: "v", key: b("b"), namespace: E, value: random },
  ] }] };
  const bytes = writeBytes(logical);
  const frames = listFrames(bytes).filter((f) => f.uncompressedLength > 0);
  const total = frames.reduce((n, f) => n + f.uncompressedLength, 0);
  t.ok(frames.slice(0, -1).every((f) => f.uncompressedLength === CANONICAL_BLOCK_BYTES), "every block but the last is 128 KiB");
  t.ok(frames.at(-1)!.uncompressedLength <= CANONICAL_BLOCK_BYTES && frames.at(-1)!.uncompressedLength > 0, "the last is shorter, not empty");
  t.equal(total, 500_000 + 2 * (1 + 2 + 1 + 3), "the content is the encoded entries: state, key and namespace, value with its 3-byte varint length");
  t.ok(frames[0]!.storedLength < 1000 && !frames[0]!.raw, "a block of one repeated byte is LZ4-compressed");
  t.ok(frames.some((f) => f.raw && f.storedLength === f.uncompressedLength), "a random block is stored raw");
  t.ok(frames.every((f) => f.storedLength <= f.uncompressedLength), "no block grows");
});

t.test("one-byte blocks: every varint and field split across blocks reads back the same", async (t) => {
  await fc.assert(fc.asyncProperty(logicalArb.filter((l) => l.groups.flatMap((g) => g.entries).every((e) => e.value.length < 200)),
    async (logical) => {
      const path = freshPath();
      const { handle } = write(path, logical, { blockBytes: 1 });
      t.strictSame(await readAll(path, handle), expected(logical));
      rmSync(path);
    }), { numRuns: 25 });
});

t.test("list elements keep their order; map entries sort by user key", async (t) => {
  const path = freshPath();
  const w = SavepointDataWriter.open(path, options({ states: STATES, range: { start: 3, count: 1 }, groups: [] }));
  w.beginKeyGroup(3);
  w.add({ state: "l", key: b("k"), namespace: E, value: b("z-first") });
  w.add({ state: "m", key: b("k"), namespace: E, userKey: b("2"), value: b("two") });
  w.add({ state: "l", key: b("k"), namespace: E, value: b("a-second") });
  w.add({ state: "m", key: b("k"), namespace: E, userKey: b("1"), value: b("one") });
  w.endKeyGroup();
  const { handle } = w.finish();
  const values: string[] = [];
  for await (const e of readKeyGroups(path, handle)) values.push(`${e.state}:${Buffer.from(e.value).toString()}`);
  t.strictSame(values, ["l:z-first", "l:a-second", "m:one", "m:two"], "states by name (l < m), list order kept, map by user key");
});

t.test("the writer writes a temporary file and renames it into place on finish", async (t) => {
  const sub = mkdtempSync(join(dir, "atomic-"));
  const path = join(sub, "data.ksvd");
  const w = SavepointDataWriter.open(path, options({ states: STATES, range: { start: 0, count: 2 }, groups: [] }));
  w.beginKeyGroup(1);
  w.add({ state: "v", key: b("k"), namespace: E, value: b("v") });
  w.endKeyGroup();
  t.notOk(existsSync(path), "nothing under the final name before finish");
  t.equal(readdirSync(sub).filter((f) => isTempName(f)).length, 1, "a temporary file beside it");
  w.finish();
  t.strictSame(readdirSync(sub), ["data.ksvd"], "after finish: only the final file");

  const aborted = join(sub, "aborted.ksvd");
  const w2 = SavepointDataWriter.open(aborted, options({ states: STATES, range: { start: 0, count: 1 }, groups: [] }));
  w2.beginKeyGroup(0);
  w2.abort();
  t.strictSame(readdirSync(sub), ["data.ksvd"], "abort leaves nothing behind");
  t.equal(thrown(() => w2.add({ state: "v", key: E, namespace: E, value: E })).code, "INVALID_FIELD", "an aborted writer refuses work");
});

t.test("a key group over the sort buffer fails, naming file and key group, and leaves no file", async (t) => {
  const sub = mkdtempSync(join(dir, "bound-"));
  const path = join(sub, "big.ksvd");
  const w = SavepointDataWriter.open(path, options({ states: STATES, range: { start: 0, count: 8 }, groups: [] }, { sortBufferBytes: 1000 }));
  w.beginKeyGroup(5);
  for (let i = 0; i < 9; i++) w.add({ state: "v", key: b(`k${i}`), namespace: E, value: new Uint8Array(100) });
  const e = thrown(() => w.add({ state: "v", key: b("k9"), namespace: E, value: new Uint8Array(100) }));
  t.equal(e.code, "LIMIT_EXCEEDED");
  t.equal((e as SavepointDataError).keyGroup, 5);
  t.match(e.message, path);
  t.match(e.message, /key group 5/);
  t.match(e.message, /presorted/, "the message says how to proceed");
  t.strictSame(readdirSync(sub), [], "the temporary file is removed");
});

t.test("presorted streaming refuses exactly the entries out of order, wherever the block boundaries fall", async (t) => {
  // The check compares each entry with the previous one's encoding in the block (or the spill it went through):
  // tiny blocks put the previous entry at a block's end, across a cut, or in a block already handed to a worker.
  let refused = 0;
  await fc.assert(fc.asyncProperty(logicalArb, fc.nat(), fc.constantFrom(1, 5, 7, 13, 64),
    // A few runs with a worker (each starts one, which takes a while under the test loader).
    fc.oneof({ weight: 24, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
    async (logical, pick, blockBytes, compressionWorkers) => {
      const group = logical.groups.find((g) => g.entries.length >= 2);
      fc.pre(group !== undefined);
      const sorted = [...group!.entries].sort(canonicalCompare);
      const i = 1 + (pick % (sorted.length - 1));
      const swapped = [...sorted];
      [swapped[i - 1], swapped[i]] = [sorted[i]!, sorted[i - 1]!];
      const w = SavepointDataWriter.open(new MemorySink(), options(logical, { presorted: true, blockBytes, compressionWorkers }));
      try {
        w.beginKeyGroup(group!.keyGroup);
        for (let j = 0; j < i; j++) w.add(swapped[j]!);
        let error: KsnapError | undefined;
        try {
          w.add(swapped[i]!);
        } catch (e) {
          if (!(e instanceof KsnapError)) throw e;
          error = e;
        }
        const equalKeys = canonicalCompare(sorted[i - 1]!, sorted[i]!) === 0;
        if (equalKeys) {
          // Two elements of one list: their order is content, either order is accepted.
          t.equal(error, undefined, "list elements of one key may come in any order");
        } else {
          t.equal(error?.code, "INVALID_FIELD", `entry ${i} of ${sorted.length} is refused (block ${blockBytes} bytes, ${compressionWorkers} workers)`);
          t.match(error?.message ?? "", /out of canonical order/);
          refused++;
        }
      } finally {
        w.abort();
      }
    }), { numRuns: 150 });
  t.ok(refused > 50, `${refused} swapped pairs refused`);
});

t.test("presorted mode streams any key-group size in bounded memory and checks the order", async (t) => {
  const path = freshPath();
  const w = SavepointDataWriter.open(path, options({ states: STATES, range: { start: 0, count: 1 }, groups: [] },
    { presorted: true, sortBufferBytes: 1 }));
  w.beginKeyGroup(0);
  for (let i = 0; i < 3000; i++) w.add({ state: "v", key: b(String(i).padStart(6, "0")), namespace: E, value: new Uint8Array(500) });
  w.endKeyGroup();
  const { handle } = w.finish();
  t.equal((await readAll(path, handle)).length, 3000, "1.5 MB through a 1-byte sort buffer: nothing was buffered");

  const w2 = SavepointDataWriter.open(new MemorySink(), options({ states: STATES, range: { start: 0, count: 1 }, groups: [] }, { presorted: true }));
  w2.beginKeyGroup(0);
  w2.add({ state: "v", key: b("b"), namespace: E, value: E });
  const e = thrown(() => w2.add({ state: "v", key: b("a"), namespace: E, value: E }));
  t.equal(e.code, "INVALID_FIELD");
  t.match(e.message, /out of canonical order/);
  t.match(e.message, /key group 0/);
});

t.test("the writer rejects what the format cannot hold", async (t) => {
  const open = (extra: Partial<SavepointDataWriterOptions> = {}, states = STATES) =>
    SavepointDataWriter.open(new MemorySink(), { ...options({ states, range: { start: 10, count: 4 }, groups: [] }), ...extra });
  const inGroup = () => {
    const w = open();
    w.beginKeyGroup(11);
    return w;
  };
  const cases: [string, () => unknown, string, RegExp][] = [
    ["empty file id", () => open({ fileId: "" }), "INVALID_FIELD", /fileId/],
    ["unsafe path", () => open({ filePath: "../x" }), "UNSAFE_PATH", /'\.\.'/],
    ["range past 32768", () => open({ keyGroups: { start: 32767, count: 2 } }), "INVALID_FIELD", /32768/],
    ["block over 1 MiB", () => open({ blockBytes: 1024 * 1024 + 1 }), "INVALID_FIELD", /blockBytes/],
    ["duplicate state names", () => open({}, [STATES[0]!, { ...STATES[1]!, name: "v" }]), "INVALID_FIELD", /unique/],
    ["user-key serializer on a value state", () => open({}, [{ ...STATES[0]!, userKeySerializer: "x" }]), "INVALID_FIELD", /userKeySerializer/],
    ["key group out of range", () => open().beginKeyGroup(14), "INVALID_FIELD", /key group 14/],
    ["key groups descending", () => { const w = inGroup(); w.endKeyGroup(); w.beginKeyGroup(10); }, "INVALID_FIELD", /ascending/],
    ["add outside a key group", () => open().add({ state: "v", key: E, namespace: E, value: E }), "INVALID_FIELD", /no key group is open/],
    ["unknown state", () => inGroup().add({ state: "nope", key: E, namespace: E, value: E }), "INVALID_FIELD", /"nope"/],
    ["user key on a value state", () => inGroup().add({ state: "v", key: E, namespace: E, userKey: E, value: E }), "INVALID_FIELD", /cannot have a userKey/],
    ["map entry without user key", () => inGroup().add({ state: "m", key: E, namespace: E, value: E }), "INVALID_FIELD", /needs a userKey/],
    ["entry over maxEntryBytes", () => { const w = open({ maxEntryBytes: 10 }); w.beginKeyGroup(10); w.add({ state: "v", key: b("k"), namespace: E, value: new Uint8Array(10) }); },
      "LIMIT_EXCEEDED", /11 bytes, over the limit of 10/],
    ["duplicate value-state key", () => { const w = inGroup(); w.add({ state: "v", key: b("k"), namespace: E, value: b("1") });
      w.add({ state: "v", key: b("k"), namespace: E, value: b("2") }); w.endKeyGroup(); }, "INVALID_FIELD", /duplicate entry.*key 6b/],
    ["finish inside a key group", () => inGroup().finish(), "INVALID_FIELD", /key group 11 is open/],
  ];
  for (const [what, fn, code, message] of cases) {
    const e = thrown(fn);
    t.equal(e.code, code, `${what}: ${e.message}`);
    t.match(e.message, message, what);
  }
});

t.test("a call in the wrong phase leaves the writer usable", async (t) => {
  const path = freshPath();
  const w = SavepointDataWriter.open(path, options({ states: STATES, range: { start: 0, count: 1 }, groups: [] }));
  t.equal(thrown(() => w.endKeyGroup()).code, "INVALID_FIELD");
  w.beginKeyGroup(0);
  w.add({ state: "v", key: b("k"), namespace: E, value: b("v") });
  w.endKeyGroup();
  t.equal((await readAll(path, w.finish().handle)).length, 1);
});

t.test("readKeyGroups checks the handle and the range asked for", async (t) => {
  const path = freshPath();
  const { handle } = write(path, { states: STATES, range: { start: 4, count: 3 }, groups: [] });
  const cases: [string, Parameters<typeof readKeyGroups>[1], KeyGroupRange | undefined, RegExp][] = [
    ["another range", { ...handle, keyGroups: { start: 5, count: 3 } }, undefined, /key groups/],
    ["too few offsets", { ...handle, offsets: handle.offsets.slice(1) }, undefined, /2 offsets for 3/],
    ["offsets not increasing", { ...handle, offsets: [handle.offsets[0]!, handle.offsets[2]!, handle.offsets[2]!] }, undefined, /offsets\[2\]/],
    ["first offset not after the header", { ...handle, offsets: [handle.offsets[0]! + 1n, ...handle.offsets.slice(1)] }, undefined, /end of the header/],
    ["a range outside the file's", handle, { start: 6, count: 2 }, /not all in/],
  ];
  for (const [what, h, range, message] of cases) {
    const e = await rejection(() => readAll(path, h, range));
    t.equal(e.code, "INVALID_FIELD", `${what}: ${e.message}`);
    t.match(e.message, message, what);
  }
  t.strictSame(await readAll(path, handle, { start: 5, count: 0 }), [], "an empty range reads nothing");
  t.equal((await rejection(() => readAll(join(dir, "missing.ksvd"), handle))).code, "IO_ERROR");
  t.equal((await rejection(() => readAll(dir, handle))).code, "IO_ERROR", "a folder");
});

