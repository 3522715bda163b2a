/**
 * The writer with compression workers (`compressionWorkers`): the same bytes as
 * the in-thread writer, whatever the input (multi-block and empty key groups,
 * incompressible blocks stored raw, every state kind, sorted or presorted, one
 * or two workers); errors and abort stop every worker and leave no file; a
 * worker that dies makes a typed error instead of a hang; while every worker
 * is busy the writer's thread compresses a bounded number of blocks itself.
 * Most files here go through two shared pools (`CompressionWorkers`, 1 and 2
 * workers): starting a worker under the TypeScript loader takes a second or
 * two, and the bytes do not depend on whether the pool is the file's own.
 */
import t from "tap";
import fc from "fast-check";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { thrown } from "./helpers.js";
import { CompressionPool, liveCompressionWorkers, MAX_STOLEN_FRAMES, SLOTS_PER_WORKER } from "../src/savepoint/compress-pool.js";
import { encodeFrame } from "../src/savepoint/frame.js";
import {
  CANONICAL_BLOCK_BYTES, CompressionWorkers, listFrames, MemorySink, readKeyGroups, SavepointDataError, SavepointDataWriter,
  type StateDescriptor, type StateEntry,
} from "../src/savepoint/index.js";

const dir = mkdtempSync(join(tmpdir(), "ksnap-savepoint-parallel-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const STATES: StateDescriptor[] = [
  { name: "v", kind: "value", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v" },
  { name: "l", kind: "list", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v" },
  { name: "m", kind: "map", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v", userKeySerializer: "u" },
];
const E = new Uint8Array(0);

/** Shared pools of 1 and 2 workers, started once for the whole file. */
const SHARED = new Map([1, 2].map((n) => [n, CompressionWorkers.start({ workers: n })]));
const shared = (n: number) => SHARED.get(n)!;
t.teardown(() => SHARED.forEach((p) => p.close()));

/** One key group's entries, in the order the writer gets them. */
interface Group {
  keyGroup: number;
  entries: StateEntry[];
}

interface Input {
  states: StateDescriptor[];
  start: number;
  count: number;
  groups: Group[];
  presorted: boolean;
  blockBytes?: number;
}

/**
 * The file `input` gives with `workers` (a count of the file's own workers, or a shared pool), written into memory.
 * The writer starts once its workers are ready, so that they, not this thread, compress the blocks (but those that
 * find every slot busy).
 */
async function write(input: Input, workers: number | CompressionWorkers): Promise<Uint8Array> {
  const sink = new MemorySink();
  const w = SavepointDataWriter.open(sink, {
    fileId: "f", filePath: "f.ksvd", states: input.states, keyGroups: { start: input.start, count: input.count },
    presorted: input.presorted, blockBytes: input.blockBytes, compressionWorkers: workers,
  });
  await w.whenWorkersReady();
  for (const g of input.groups) {
    w.beginKeyGroup(g.keyGroup);
    for (const e of g.entries) w.add(e);
    w.endKeyGroup();
  }
  w.finish();
  return sink.bytes!;
}

/** Deterministic bytes: text-like (compressible) or random-looking (stored raw). */
function bytes(seed: number, length: number, compressible: boolean): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 0x9e3779b1) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = compressible ? 0x61 + ((x >>> 0) % 6) : x & 0xff;
  }
  return out;
}

const key = (i: number) => new Uint8Array([i >>> 24, i >>> 16, i >>> 8, i]);

/** `n` keys of every state kind in key group `kg`, in canonical order (state index: l, m, v). */
function entries(kg: number, n: number, valueBytes: number, compressible: boolean): StateEntry[] {
  const out: StateEntry[] = [];
  for (let i = 0; i < n; i++) for (let e = 0; e < 2; e++) out.push({ state: "l", key: key(i), namespace: E, value: bytes(kg * 7 + i * 3 + e, valueBytes, compressible) });
  for (let i = 0; i < n; i++) out.push({ state: "m", key: key(i), namespace: key(kg), userKey: key(i * 5), value: bytes(kg + i, valueBytes, compressible) });
  for (let i = 0; i < n; i++) out.push({ state: "v", key: key(i), namespace: E, value: bytes(i * 11 + kg, 16, compressible) });
  return out;
}

/** Key order per key, as a writer that sorts is given it (list elements keep their order). */
const byKey = (xs: StateEntry[]) => [...xs].sort((a, b) => Buffer.compare(a.key, b.key));

const CASES: [string, Input][] = [
  ["multi-block key groups, compressible", {
    states: STATES, start: 0, count: 3, presorted: true,
    groups: [0, 2].map((kg) => ({ keyGroup: kg, entries: entries(kg, 900, 200, true) })),
  }],
  ["incompressible blocks (stored raw) between compressible ones", {
    states: STATES, start: 10, count: 4, presorted: true,
    groups: [{ keyGroup: 10, entries: entries(10, 500, 300, false) }, { keyGroup: 11, entries: entries(11, 500, 300, true) },
      { keyGroup: 13, entries: entries(13, 300, 900, false) }],
  }],
  ["empty key groups only", { states: STATES, start: 5, count: 6, presorted: false, groups: [{ keyGroup: 7, entries: [] }] }],
  ["sorted by the writer, entries a block and more", {
    states: STATES, start: 0, count: 2, presorted: false,
    groups: [0, 1].map((kg) => ({ keyGroup: kg, entries: byKey(entries(kg, 700, 250, kg === 0)) })),
  }],
  ["an entry larger than a block, small blocks", {
    states: STATES, start: 0, count: 1, presorted: true, blockBytes: 1000,
    groups: [{ keyGroup: 0, entries: [{ state: "v", key: key(1), namespace: E, value: bytes(3, 3 * CANONICAL_BLOCK_BYTES, true) }] }],
  }],
];

t.test("the same bytes as the in-thread writer, with 1 and 2 workers", async (t) => {
  for (const [name, input] of CASES) {
    const inThread = await write(input, 0);
    for (const workers of [1, 2]) t.ok(Buffer.from(await write(input, shared(workers))).equals(inThread), `${name}, ${workers} workers`);
  }
  const raw = listFrames(await write(CASES[1]![1], shared(2))).filter((f) => f.uncompressedLength > 0 && f.storedLength === f.uncompressedLength);
  t.ok(raw.length > 0, "the incompressible case does store blocks raw");
  const many = listFrames(await write(CASES[0]![1], shared(2))).filter((f) => f.keyGroup === 0 && f.uncompressedLength > 0);
  t.ok(many.length > 2, `key group 0 spans ${many.length} blocks`);
});

t.test("a file written with its own workers: the same bytes, and it reads back", async (t) => {
  const path = join(dir, "read-back.ksvd");
  const input = CASES[0]![1];
  const w = SavepointDataWriter.open(path, { fileId: "f", filePath: "f.ksvd", states: STATES, keyGroups: { start: 0, count: 3 }, presorted: true, compressionWorkers: 2 });
  await w.whenWorkersReady();
  for (const g of input.groups) {
    w.beginKeyGroup(g.keyGroup);
    for (const e of g.entries) w.add(e);
    w.endKeyGroup();
  }
  const { handle } = w.finish();
  t.ok(readFileSync(path).equals(await write(input, 0)), "the same bytes as the in-thread writer");
  let n = 0;
  for await (const e of readKeyGroups(path, handle)) n += e.value.length > 0 ? 1 : 0;
  t.equal(n, input.groups.reduce((sum, g) => sum + g.entries.length, 0));
});

t.test("property: random inputs give the same bytes with workers", async () => {
  const entry = fc.record({
    state: fc.constantFrom("v", "l", "m"),
    key: fc.uint8Array({ maxLength: 3 }),
    namespace: fc.uint8Array({ maxLength: 2 }),
    userKey: fc.uint8Array({ maxLength: 2 }),
    value: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 5000 }).map((n) => bytes(n, n, n % 2 === 0))),
  }).map(({ state, userKey, ...rest }): StateEntry => (state === "m" ? { state, userKey, ...rest } : { state, ...rest }));
  const input = fc.record({
    count: fc.integer({ min: 0, max: 4 }),
    blockBytes: fc.constantFrom(64, 1000, 4096),
    workers: fc.constantFrom(1, 2),
    groups: fc.array(fc.array(entry, { maxLength: 40 }), { maxLength: 4 }),
  });
  await fc.assert(fc.asyncProperty(input, async ({ count, blockBytes, workers, groups }) => {
    const logical: Input = {
      states: STATES, start: 3, count, presorted: false, blockBytes,
      groups: groups.slice(0, count).map((es, i) => ({ keyGroup: 3 + i, entries: dedupe(es) })),
    };
    return Buffer.from(await write(logical, shared(workers))).equals(await write(logical, 0));
  }), { numRuns: 100 });
});

/** One value per key in value and map state, as the writer requires. */
function dedupe(es: StateEntry[]): StateEntry[] {
  const seen = new Set<string>();
  return es.filter((e) => {
    if (e.state === "l") return true;
    const id = [e.state, Buffer.from(e.key).toString("hex"), Buffer.from(e.namespace).toString("hex"),
      Buffer.from(e.userKey ?? E).toString("hex")].join("/");
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Waits until every worker of `pool` has loaded its compressor. */
async function workersReady(pool: CompressionPool): Promise<void> {
  await pool.whenReady();
  if (pool.readyWorkers() < pool.threads.length) throw new Error("a compression worker exited before it was ready");
}

/** Workers of the shared pools, which stay running for the whole file. */
const sharedWorkers = () => [...SHARED.values()].reduce((n, p) => n + (p.closed ? 0 : p.workers), 0);

/**
 * Waits (up to 5 s) for every worker but the shared pools' to exit: their 'exit' events arrive on the event loop.
 * Returns how many others are still running.
 */
async function workersGone(): Promise<number> {
  for (let i = 0; i < 100 && liveCompressionWorkers() > sharedWorkers(); i++) await sleep(50);
  return liveCompressionWorkers() - sharedWorkers();
}

t.test("errors and abort stop the workers and leave no file", async (t) => {
  const open = (path: string, workers: number) => SavepointDataWriter.open(path, {
    fileId: "f", filePath: "f.ksvd", states: STATES, keyGroups: { start: 0, count: 2 }, presorted: true,
    maxEntryBytes: 10_000, compressionWorkers: workers,
  });
  const sub = join(dir, "errors");
  mkdirSync(sub);

  const w1 = open(join(sub, "over.ksvd"), 2);
  w1.beginKeyGroup(0);
  for (const e of entries(0, 300, 500, true)) w1.add(e);
  const over = thrown(() => w1.add({ state: "v", key: key(9999), namespace: E, value: new Uint8Array(20_000) }));
  t.ok(over instanceof SavepointDataError && over.code === "LIMIT_EXCEEDED", over.message);
  t.strictSame(readdirSync(sub), [], "an entry over the limit: the temporary file is removed");
  t.equal(await workersGone(), 0, "and no worker is left running");

  const w2 = open(join(sub, "done.ksvd"), 1);
  w2.beginKeyGroup(1);
  for (const e of entries(1, 200, 500, true)) w2.add(e);
  w2.endKeyGroup();
  w2.finish();
  t.equal(await workersGone(), 0, "finish stops the workers");
  t.equal(thrown(() => w2.beginKeyGroup(1)).code, "INVALID_FIELD", "a finished writer refuses work");
  t.equal(liveCompressionWorkers(), sharedWorkers(), "and starts none");
  t.ok(existsSync(join(sub, "done.ksvd")));

  const w3 = open(join(sub, "aborted.ksvd"), 2);
  w3.beginKeyGroup(0);
  for (const e of entries(0, 300, 500, false)) w3.add(e);
  w3.abort();
  t.strictSame(readdirSync(sub), ["done.ksvd"], "abort removes the temporary file");
  t.equal(await workersGone(), 0, "abort stops the workers");
});

t.test("compressionWorkers is checked", async (t) => {
  for (const bad of [-1, 1.5, 65]) {
    const e = thrown(() => SavepointDataWriter.open(new MemorySink(), {
      fileId: "f", filePath: "f.ksvd", states: STATES, keyGroups: { start: 0, count: 1 }, compressionWorkers: bad,
    }));
    t.match(e.message, /compressionWorkers .* must be an integer in 0\.\.64/);
  }
});

t.test("a dead worker is a typed error naming the block, not a hang", async (t) => {
  const frames: Uint8Array[] = [];
  const pool = CompressionPool.start({ workers: 1, blockBytes: 4096, label: "dead.ksvd", write: (f) => frames.push(f) });
  try {
    await workersReady(pool);
    pool.submit(4, 0, bytes(1, 4096, true));
    pool.drain();
    t.equal(frames.length, 1, "a live worker compresses");
    // Short only now: the worker's startup (loading the compressor) can take longer than a block.
    pool.timeoutMs = 500;
    await pool.threads[0]!.terminate();
    pool.submit(4, 1, bytes(2, 4096, true));
    const t0 = performance.now();
    const e = thrown(() => pool.drain());
    t.ok(e instanceof SavepointDataError && e.keyGroup === 4 && e.block === 1, e.message);
    t.match(e.message, /^dead\.ksvd: key group 4, block 1: compression worker 0 did not compress the block within 500 ms/);
    t.ok(performance.now() - t0 < 5000, "within the bound");
  } finally {
    pool.close();
  }
  t.equal(await workersGone(), 0);
});

t.test("while every worker is busy the writer compresses blocks itself, in order and bounded, then waits", async (t) => {
  const frames: Uint8Array[] = [];
  const pool = CompressionPool.start({ workers: 1, blockBytes: 4096, label: "busy.ksvd", write: (f) => frames.push(f) });
  try {
    await workersReady(pool);
    pool.timeoutMs = 500;
    // A worker that never answers is as busy as a worker can be: its slots fill, then this thread takes over.
    await pool.threads[0]!.terminate();
    const blocks = Array.from({ length: SLOTS_PER_WORKER + MAX_STOLEN_FRAMES }, (_, i) => bytes(10 + i, 4096, i % 2 === 0));
    blocks.forEach((content, i) => pool.submit(2, 1 + i, content));
    t.equal(frames.length, 0, `${blocks.length} blocks submitted without waiting: ${SLOTS_PER_WORKER} in the worker's slots, ` +
      `${MAX_STOLEN_FRAMES} compressed here and queued behind them`);
    const e = thrown(() => pool.submit(2, 1 + blocks.length, bytes(99, 4096, true)));
    t.ok(e instanceof SavepointDataError && e.block === 1, `one more waits for the oldest block: ${e.message}`);
  } finally {
    pool.close();
  }
  t.equal(await workersGone(), 0);

  // Before a worker has loaded its compressor, its blocks are compressed here and written at once: nothing waits.
  const early: Uint8Array[] = [];
  const starting = CompressionPool.start({ workers: 2, blockBytes: 4096, label: "early.ksvd", write: (f) => early.push(f) });
  try {
    const ready = starting.readyWorkers();
    starting.submit(3, 0, bytes(7, 4096, true));
    if (ready === 0) t.equal(early.length, 1, "a block submitted while the workers start is written at once, by this thread");
    await workersReady(starting);
    for (let i = 1; i <= 6; i++) starting.submit(3, i, bytes(7 + i, 4096, true));
    starting.drain();
    t.equal(early.length, 7, "then the workers take over, in order");
  } finally {
    starting.close();
  }
  t.equal(await workersGone(), 0);

  // The frames this thread makes are the ones a worker makes, and go out in submission order.
  const direct: Uint8Array[] = [];
  const live = CompressionPool.start({ workers: 1, blockBytes: 4096, label: "order.ksvd", write: (f) => direct.push(f) });
  try {
    const blocks = Array.from({ length: 40 }, (_, i) => bytes(50 + i, 4096, i % 3 !== 0));
    blocks.forEach((content, i) => live.submit(7, i, content));
    live.drain();
    t.strictSame(direct.map((f) => Buffer.from(f).toString("hex")), blocks.map((c, i) => Buffer.from(encodeFrame(7, i, c)).toString("hex")),
      "40 blocks, whoever compressed them: the in-thread frames, in order");
  } finally {
    live.close();
  }
  t.equal(await workersGone(), 0);
});

t.test("a shared pool: file after file with the same workers, one writer at a time, an abort leaves it usable", async (t) => {
  const pool = shared(2);
  await pool.whenReady();
  const running = liveCompressionWorkers();
  const input = CASES[1]![1];
  const inThread = await write(input, 0);
  for (let i = 0; i < 3; i++) t.ok(Buffer.from(await write(input, pool)).equals(inThread), `file ${i + 1}: the same bytes`);
  t.equal(liveCompressionWorkers(), running, "no worker started or stopped between files");

  const open = (target: string | MemorySink, options: { blockBytes?: number } = {}) => SavepointDataWriter.open(target, {
    fileId: "f", filePath: "f.ksvd", states: STATES, keyGroups: { start: 0, count: 2 }, presorted: true, compressionWorkers: pool, ...options,
  });
  const sub = join(dir, "shared");
  mkdirSync(sub);
  const first = open(join(sub, "first.ksvd"));
  first.beginKeyGroup(0);
  for (const e of entries(0, 300, 500, true)) first.add(e);
  const busy = thrown(() => open(new MemorySink()));
  t.equal(busy.code, "INVALID_FIELD");
  t.match(busy.message, /the shared pool is in use by .*first\.ksvd; finish or abort that writer first/);
  first.abort(); // blocks still in the workers: dropped, so the next file finds every slot free
  t.strictSame(readdirSync(sub), [], "the aborted file is removed");
  t.ok(Buffer.from(await write(input, pool)).equals(inThread), "after an abort with blocks in flight: the same bytes");
  t.equal(liveCompressionWorkers(), running, "and the same workers");

  t.match(thrown(() => open(new MemorySink(), { blockBytes: CANONICAL_BLOCK_BYTES + 1 })).message,
    /blockBytes 131073 exceeds the shared pool's 131072/);
  t.match(thrown(() => CompressionWorkers.start({ workers: 0 })).message, /workers 0 must be an integer in 1\.\.64/);
});

t.test("a shared pool whose worker dies: a typed error for that file, then the pool refuses more files", async (t) => {
  const pool = CompressionWorkers.start({ workers: 1 });
  try {
    await pool.whenReady();
    pool.pool.timeoutMs = 500;
    await pool.pool.threads[0]!.terminate();
    const w = SavepointDataWriter.open(new MemorySink(), {
      fileId: "f", filePath: "dies.ksvd", states: STATES, keyGroups: { start: 0, count: 1 }, presorted: true, compressionWorkers: pool,
    });
    w.beginKeyGroup(0);
    const e = thrown(() => {
      for (const entry of entries(0, 900, 200, true)) w.add(entry);
      w.endKeyGroup();
      w.finish();
    });
    t.ok(e instanceof SavepointDataError && e.code === "IO_ERROR", e.message);
    t.match(e.message, /^dies\.ksvd: key group 0, block \d+: compression worker 0 did not compress the block within 500 ms/);
    t.ok(pool.closed, "the pool closed itself");
    const refused = thrown(() => SavepointDataWriter.open(new MemorySink(), {
      fileId: "f", filePath: "next.ksvd", states: STATES, keyGroups: { start: 0, count: 1 }, compressionWorkers: pool,
    }));
    t.match(refused.message, /next\.ksvd: compressionWorkers: the shared pool is closed/);
  } finally {
    pool.close();
  }
  t.equal(await workersGone(), 0);
});
