/**
 * Synthetic keyed state for the savepoint bench: per key a value state entry, a
 * list of events and a map of sessions, with values cut from a text-like corpus
 * (compressible about 2:1, like serialized records), spread over 128 key groups.
 * Generated key group by key group, in canonical order (so a presorted writer
 * can stream it) or key by key (so the default writer sorts it).
 */
import { SavepointDataWriter, type DataSink, type EntryBatch, type SavepointDataResult, type StateDescriptor, type StateEntry } from "../../src/savepoint/index.js";

export const BENCH_MAX_PARALLELISM = 128;

/** Sorted by name, so their order is the file's state order: count, events, sessions. */
export const BENCH_STATES: StateDescriptor[] = [
  { name: "count", kind: "value", keySerializer: "long", namespaceSerializer: "void", valueSerializer: "long" },
  { name: "events", kind: "list", keySerializer: "long", namespaceSerializer: "window", valueSerializer: "event-v3" },
  { name: "sessions", kind: "map", keySerializer: "long", namespaceSerializer: "window", valueSerializer: "session-v1", userKeySerializer: "string" },
];

const EVENTS_PER_KEY = 3;
const SESSIONS_PER_KEY = 2;
const CORPUS_BYTES = 4 * 1024 * 1024;

/** A text-like corpus: words and numbers, as serialized records look. */
function makeCorpus(): Uint8Array {
  const words = ["user", "click", "view", "cart", "checkout", "session", "page", "/products/", "ref=", "campaign",
    "mobile", "desktop", "EUR", "USD", "true", "false", "null", "{\"id\":", "\"ts\":", "\"amount\":", ",", "}", "[", "]"];
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  const out = Buffer.alloc(CORPUS_BYTES);
  let at = 0;
  while (at < CORPUS_BYTES) {
    const piece = rnd() < 0.65 ? words[Math.floor(rnd() * words.length)]! : String(Math.floor(rnd() * 1e9));
    at += out.write(piece, at, "latin1");
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

const corpus = makeCorpus();
const EMPTY = new Uint8Array(0);

/** The entries of one key: `count`, `events` and `sessions` (in state order), or only those of state index `only`. */
function keyEntries(kg: number, j: number, only?: number): StateEntry[] {
  const key = new Uint8Array(8);
  const view = new DataView(key.buffer);
  view.setUint32(0, kg);
  view.setUint32(4, j);
  const window = new Uint8Array(8);
  new DataView(window.buffer).setUint32(4, 1_700_000_000 + (j % 97) * 60);
  const pick = (salt: number, length: number) => {
    const at = Math.imul(kg * 0x10001 + j * 31 + salt, 0x9e3779b1) >>> 0;
    const start = at % (CORPUS_BYTES - length);
    return corpus.subarray(start, start + length);
  };
  const out: StateEntry[] = [];
  if (only === undefined || only === 0) out.push({ state: "count", key, namespace: EMPTY, value: pick(1, 8) });
  if (only === undefined || only === 1) for (let e = 0; e < EVENTS_PER_KEY; e++) out.push({ state: "events", key, namespace: window, value: pick(10 + e, 120 + ((j + e) % 7) * 20) });
  if (only === undefined || only === 2) for (let s = 0; s < SESSIONS_PER_KEY; s++) {
    out.push({ state: "sessions", key, namespace: window, userKey: pick(20 + s, 12).map((b, i) => (i === 0 ? 0x61 + s : b)), value: pick(30 + s, 64 + (j % 5) * 16) });
  }
  return out;
}

/** Logical bytes of one entry: key + namespace + user key + value. */
export function logicalBytes(e: StateEntry): number {
  return e.key.length + e.namespace.length + (e.userKey?.length ?? 0) + e.value.length;
}

/**
 * Logical bytes of every entry of a batch, summed from its columns: each
 * entry's every field is touched, as a consumer copying them out would.
 */
export function batchLogicalBytes(batch: EntryBatch): number {
  const c = batch.columns;
  let sum = 0;
  for (let i = 0; i < batch.length; i++) {
    sum += c.keyEnd[i]! - c.keyStart[i]! + c.namespaceEnd[i]! - c.namespaceStart[i]! + c.userKeyEnd[i]! - c.userKeyStart[i]!
      + c.valueEnd[i]! - c.valueStart[i]!;
  }
  return sum;
}

/** Average logical bytes per key (measured over a sample). */
function bytesPerKey(): number {
  let sum = 0;
  for (let j = 0; j < 1000; j++) for (const e of keyEntries(j % 128, j)) sum += logicalBytes(e);
  return sum / 1000;
}

/** How many keys per key group give about `targetBytes` of logical state over 128 key groups. */
export function keysPerGroupFor(targetBytes: number): number {
  return Math.max(1, Math.round(targetBytes / BENCH_MAX_PARALLELISM / bytesPerKey()));
}

/**
 * Every entry of key group `kg` (`keys` keys): in canonical order (state, then
 * key) when `canonical`, else key by key (what a sorting writer must reorder).
 */
export function* groupEntries(kg: number, keys: number, canonical: boolean): Generator<StateEntry> {
  if (!canonical) {
    for (let j = 0; j < keys; j++) yield* keyEntries(kg, j);
    return;
  }
  for (let state = 0; state < BENCH_STATES.length; state++) {
    for (let j = 0; j < keys; j++) yield* keyEntries(kg, j, state);
  }
}

/** Discards the file, counting its bytes: the writer's speed without the storage's (as `lz4 -b1` measures in memory). */
export class NullSink implements DataSink {
  bytes = 0;
  write(bytes: Uint8Array): void {
    this.bytes += bytes.length;
  }
  close(): void {}
  abort(): void {}
}

/** `entries`, reporting each one's logical bytes to `count` as it passes. */
function* counted(entries: Iterable<StateEntry>, count: (bytes: number) => void): Generator<StateEntry> {
  for (const e of entries) {
    count(logicalBytes(e));
    yield e;
  }
}

/**
 * Writes the bench state (all 128 key groups) to `target` (a path or a sink).
 * With `timed`, each key group's entries are generated first and only the
 * writer's calls are timed; otherwise they are streamed from the generator
 * (memory stays one entry). `compressionWorkers` is the writer's option.
 */
export function writeBenchSavepoint(target: string | DataSink, keysPerGroup: number, presorted: boolean, timed = false,
  compressionWorkers = 0): { result: SavepointDataResult; logical: number; ms: number } {
  let ms = 0;
  let t0 = performance.now();
  const w = SavepointDataWriter.open(target, {
    fileId: "bench", filePath: "bench.ksvd", states: BENCH_STATES, keyGroups: { start: 0, count: BENCH_MAX_PARALLELISM }, presorted,
    compressionWorkers,
  });
  let logical = 0;
  for (let kg = 0; kg < BENCH_MAX_PARALLELISM; kg++) {
    let entries: Iterable<StateEntry>;
    if (timed) {
      // Generated and counted before the clock starts: only the writer's calls are timed.
      const list = [...groupEntries(kg, keysPerGroup, presorted)];
      for (const e of list) logical += logicalBytes(e);
      entries = list;
      t0 = performance.now();
    } else {
      entries = counted(groupEntries(kg, keysPerGroup, presorted), (n) => { logical += n; });
    }
    w.beginKeyGroup(kg);
    for (const e of entries) w.add(e);
    w.endKeyGroup();
    if (timed) ms += performance.now() - t0;
  }
  if (timed) t0 = performance.now();
  const result = w.finish();
  ms += performance.now() - t0;
  return { result, logical, ms: timed ? ms : performance.now() - t0 };
}
