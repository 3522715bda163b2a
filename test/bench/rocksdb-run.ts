/**
 * Figures of the RocksDB conformance backend through the real engine (issue 15,
 * part 4): a job with about 1 GiB of value state (1 KiB values of random bytes,
 * incompressible) at parallelism 2 of 128, then checkpoints with 1% of the keys
 * overwritten before each: checkpoint time and bytes uploaded per checkpoint
 * (the point of incremental checkpoints: uploaded ≈ changed, not total), then
 * savepoint write and restore throughput, and a rescaled restore from a
 * checkpoint. The backend runs in process, as the adapter runs it; the helper
 * is the built C++ program on librocksdb.
 *
 *     node dist/test/bench/rocksdb-run.js [--mib N]      (default 1024; README of the backend records the figures)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSnapshot, type IncrementalHandle, type SavepointHandle } from "../../src/index.js";
import { RocksBackend } from "../../conformance/backends/rocksdb/backend.js";

const argMib = process.argv.indexOf("--mib");
const MIB = argMib > 0 ? Number(process.argv[argMib + 1]) : 1024;
const VALUE_BYTES = 1024;
const ENTRIES = Math.round((MIB * 1024 * 1024) / VALUE_BYTES);
const MAX_PARALLELISM = 128;
const PARALLELISM = 2;
const BATCH = 2048;
const CHANGED = 0.01;

const dir = mkdtempSync(join(tmpdir(), "ksnap-rocksdb-bench-"));
const backend = new RocksBackend();
let nextId = 1;

async function call(op: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await backend.handle({ id: nextId++, op, ...params });
  if (!r.ok) throw new Error(`${op}: ${r.error.code}: ${r.error.message}`);
  return r.result as Record<string, unknown>;
}

const STATES = [{ name: "v", kind: "value", keySerializer: "LongSerializer", namespaceSerializer: "VoidNamespaceSerializer", valueSerializer: "BytePrimitiveArraySerializer" }];
const root = join(dir, "checkpoints");
const job = { operatorId: "bench", maxParallelism: MAX_PARALLELISM, states: STATES };

function keyHex(i: number): string {
  return i.toString(16).padStart(16, "0");
}

async function put(indexes: Iterable<number>, session: string): Promise<number> {
  let batch: object[] = [];
  let bytes = 0;
  for (const i of indexes) {
    batch.push({ op: "put", state: "v", keyGroup: i % MAX_PARALLELISM, key: keyHex(i), namespace: "", value: randomBytes(VALUE_BYTES).toString("hex") });
    bytes += VALUE_BYTES + 8;
    if (batch.length === BATCH) {
      await call("apply", { session, changes: batch });
      batch = [];
    }
  }
  if (batch.length > 0) await call("apply", { session, changes: batch });
  return bytes;
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

function* sample(n: number, fraction: number, seed: number): Generator<number> {
  // Every key whose index falls in the seed's residue class: spread over every key group and SST.
  const step = Math.round(1 / fraction);
  for (let i = seed % step; i < n; i += step) yield i;
}

const mib = (bytes: number | bigint) => (Number(bytes) / 1024 / 1024).toFixed(1);
const secs = (ms: number) => (ms / 1000).toFixed(2);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

async function checkpoint(session: string, id: number): Promise<{ ms: number; uploaded: bigint; state: bigint }> {
  const [result, ms] = await timed(() => call("checkpoint", { session, checkpointId: String(id) }));
  const { snapshot } = await loadSnapshot(result["metadata"] as string);
  const handles = snapshot.operators[0]!.subtasks.map((s) => s.handles[0] as IncrementalHandle);
  return { ms, uploaded: handles.reduce((a, h) => a + h.checkpointedSize, 0n), state: handles.reduce((a, h) => a + h.stateSize, 0n) };
}

try {
  console.log(`RocksDB backend bench: ${ENTRIES} entries of ${VALUE_BYTES} B (${mib(ENTRIES * (VALUE_BYTES + 8))} MiB), parallelism ${PARALLELISM} of ${MAX_PARALLELISM}`);
  await call("open", { session: "s", ...job, parallelism: PARALLELISM, checkpointRoot: root });
  const [loaded, loadMs] = await timed(() => put(range(ENTRIES), "s"));
  console.log(`load: ${mib(loaded)} MiB in ${secs(loadMs)} s (${mib(loaded / (loadMs / 1000))} MiB/s through the adapter's apply)`);
  const first = await checkpoint("s", 1);
  console.log(`chk-1 (full): ${secs(first.ms)} s, uploaded ${mib(first.uploaded)} MiB of ${mib(first.state)} MiB state`);
  for (let id = 2; id <= 4; id++) {
    const changed = await put(sample(ENTRIES, CHANGED, id), "s");
    const c = await checkpoint("s", id);
    console.log(`chk-${id} after ${mib(changed)} MiB changed (1%): ${secs(c.ms)} s, uploaded ${mib(c.uploaded)} MiB ` +
      `(${(Number(c.uploaded) / changed).toFixed(2)}× the changed bytes, ${(100 * Number(c.uploaded) / Number(c.state)).toFixed(2)}% of ${mib(c.state)} MiB state)`);
  }
  const spDir = join(dir, "sp-5");
  const [sp, spMs] = await timed(() => call("savepoint", { session: "s", savepointId: "5", dir: spDir }));
  const spSnapshot = (await loadSnapshot(sp["metadata"] as string)).snapshot;
  const spBytes = spSnapshot.operators[0]!.subtasks.reduce((a, s) => a + Number((s.handles[0] as SavepointHandle).dataFile.size), 0);
  console.log(`savepoint: ${mib(spBytes)} MiB of data files in ${secs(spMs)} s (${mib(loaded / (spMs / 1000))} MiB/s of logical state)`);
  await call("close", { session: "s" });
  for (const p of [PARALLELISM, 3]) {
    const [, ms] = await timed(() => call("open", { session: `sp-p${p}`, ...job, parallelism: p, checkpointRoot: join(dir, `r-sp-${p}`), restore: { metadata: sp["metadata"] } }));
    console.log(`restore sp-5 at p${p}: ${secs(ms)} s (${mib(loaded / (ms / 1000))} MiB/s of logical state)`);
    await call("close", { session: `sp-p${p}` });
  }
  const chk = join(root, "chk-4", "_metadata.ksnap");
  const [, sameMs] = await timed(() => call("open", { session: "c2", ...job, parallelism: PARALLELISM, checkpointRoot: root, restore: { metadata: chk } }));
  console.log(`restore chk-4 at p${PARALLELISM}, same root (download and open): ${secs(sameMs)} s`);
  await call("close", { session: "c2" });
  const [, rescaleMs] = await timed(() => call("open", { session: "c3", ...job, parallelism: 3, checkpointRoot: join(dir, "r-chk-3"), restore: { metadata: chk } }));
  console.log(`restore chk-4 at p3 (DeleteRange + copy-range): ${secs(rescaleMs)} s`);
  await call("close", { session: "c3" });
} finally {
  await backend.dispose();
  rmSync(dir, { recursive: true, force: true });
}
