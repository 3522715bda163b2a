/**
 * Object storage at scale (README, "Object storage (S3)"): `validate` and the gc plan of checkpoint roots of 25,000,
 * 50,000 and 100,000 objects on a local S3 API server (s3rver on loopback, behind a counting proxy) against the same
 * roots on the local file system (wall time, requests and requests per second, peak RSS of the child doing the work,
 * and how peak RSS grows per object from the smallest root to the largest), and the
 * hashing throughput of streamed GETs against local reads of the same object. The server, the proxy and the child
 * share this machine's cores, so the S3 figures are a floor for what a store elsewhere gives: they show how the cost
 * grows, not what AWS would take.
 *
 * The roots are written into s3rver's store folder directly (as its own PUT leaves them), then served by s3rver over
 * HTTP like any object: 100,000 PUTs took minutes. validate on S3 reads every object, so it runs at the smallest
 * and largest size only.
 *
 * KSNAP_BENCH_S3_OBJECTS (largest root, default 100000), KSNAP_BENCH_S3_RUNS (runs of each command, default 1) and
 * KSNAP_BENCH_S3_HASH_MIB (default 256) scale it.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeSnapshot } from "../../src/codec.js";
import { xxh64 } from "../../src/hash/xxh64.js";
import { eachFile } from "../../src/snapshot-walk.js";
import { METADATA_FILE } from "../../src/storage/snapshot-root.js";
import type { Snapshot } from "../../src/model.js";
import { checkpointSnapshot, sharedFile } from "../registry-fixtures.js";
import { startFaultProxy } from "../s3-fault-proxy.js";
import { BUCKET, populateStore, s3, startS3Server } from "../s3-server.js";
import { median } from "./measure.js";
import { recordRow } from "./summary-table.js";

const CHILD = fileURLToPath(new URL("./s3-bench-child.js", import.meta.url));
const CHECKPOINTS = 10;
/** Issue 16: peak RSS on S3 within this factor of the local file system's for the same root. */
const GOAL_PEAK_RSS_RATIO = 1.2;
const f0 = (x: number): string => Math.round(x).toLocaleString("en-US");
const f1 = (x: number): string => x.toFixed(1);

interface ChildResult { ms: number; peakRssKiB: number; liveHeapKiB: number; findings: number; errors: number; planFiles?: number; orphans?: number; keptBytesPerFile?: number }

/** Writes a root of about `objects` objects: `CHECKPOINTS` checkpoints, each with its own shared files, hashes recorded. */
export function writeRoot(root: string, objects: number): number {
  const perCheckpoint = Math.floor(objects / CHECKPOINTS) - 2; // + its metadata file and MANIFEST
  let written = 0;
  const put = (rel: string, bytes: Uint8Array): void => {
    const abs = join(root, ...rel.split("/"));
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, bytes);
    written++;
  };
  for (let i = 1; i <= CHECKPOINTS; i++) {
    const id = BigInt(i);
    const s: Snapshot = checkpointSnapshot(id, { shared: Array.from({ length: perCheckpoint }, (_, j) => sharedFile(`f-${i}-${j}`, id)) });
    for (const f of eachFile(s)) {
      const bytes = new Uint8Array(Number(f.ref.size)).fill(7);
      f.ref.xxh64 = xxh64(bytes);
      put(f.ref.path, bytes);
    }
    put(`chk-${i}/${METADATA_FILE}`, encodeSnapshot(s));
  }
  return written;
}

/** A root holding one checkpoint whose one shared file is `mib` MiB, its hash recorded. */
function writeHashRoot(root: string, mib: number): number {
  const bytes = new Uint8Array(mib << 20);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff;
  const s = checkpointSnapshot(1n, { shared: [sharedFile("big", 1n)] });
  for (const f of eachFile(s)) {
    const content = f.ref.path === "shared/big" ? bytes : new Uint8Array(Number(f.ref.size)).fill(7);
    f.ref.size = BigInt(content.length);
    f.ref.xxh64 = xxh64(content);
    const abs = join(root, ...f.ref.path.split("/"));
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  mkdirSync(join(root, "chk-1"), { recursive: true });
  writeFileSync(join(root, "chk-1", METADATA_FILE), encodeSnapshot(s));
  return bytes.length;
}

/** Runs the child, asynchronously: the server and the proxy it talks to live in this process's event loop. */
async function child(op: "validate" | "gc-plan" | "get" | "scan", location: string, endpoint?: string): Promise<ChildResult> {
  const proc = spawn(process.execPath, ["--expose-gc", CHILD, op, location, ...(endpoint ? [endpoint] : [])], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (c: Buffer) => { stdout += c.toString("utf8"); });
  proc.stderr.on("data", (c: Buffer) => { stderr += c.toString("utf8"); });
  const status = await new Promise<number | null>((resolve) => proc.on("close", resolve));
  if (status !== 0) throw new Error(`s3-bench-child ${op} ${location} exited with ${status}: ${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as ChildResult;
}

/** `n` runs of `fn`, one after another. */
async function runsOf<T>(n: number, fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

/** Runs the S3 bench and prints its block. */
export async function runS3Bench(log: (line: string) => void = console.log): Promise<void> {
  const objects = Number(process.env.KSNAP_BENCH_S3_OBJECTS ?? 100_000);
  const hashMiB = Number(process.env.KSNAP_BENCH_S3_HASH_MIB ?? 256);
  const runs = Number(process.env.KSNAP_BENCH_S3_RUNS ?? 1);
  const sizes = [objects / 4, objects / 2, objects].map(Math.round);
  const closers: (() => unknown)[] = [];
  const teardown = { teardown: (fn: () => unknown) => { closers.push(fn); } };
  const work = mkdtempSync(join(tmpdir(), "ksnap-s3-bench-"));
  try {
    log(`\ns3 bench: checkpoint roots of ${sizes.map(f0).join(", ")} objects on s3rver (loopback, behind a counting proxy) vs the local file system`);
    const server = await startS3Server(teardown);
    const proxy = await startFaultProxy(teardown, server.endpoint);
    // Peak RSS of each command at each size, local and on S3, for the growth per object.
    const peaks = new Map<string, { n: number; local: number; s3: number }[]>();
    for (const n of sizes) {
      const root = join(work, `root-${n}`);
      const written = writeRoot(root, n);
      const t0 = performance.now();
      // Written into s3rver's store directly (seconds, where 100,000 PUTs took minutes); s3rver serves them as any.
      populateStore(server, root, `root-${n}`);
      log(`  ${f0(written)} objects written into s3rver's store in ${f1((performance.now() - t0) / 1000)} s`);
      // validate on S3 reads every object (HEAD + GET): minutes at s3rver's rate, so only at the smallest and largest size.
      const ops = n === sizes[0] || n === sizes.at(-1) ? (["validate", "gc-plan"] as const) : (["gc-plan"] as const);
      for (const op of ops) {
        const local = await runsOf(runs, () => child(op, root));
        const before = proxy.seen.length;
        const remote = await runsOf(runs, () => child(op, s3(`root-${n}`), proxy.endpoint));
        const requests = (proxy.seen.length - before) / remote.length;
        const [lm, rm] = [median(local.map((r) => r.ms)), median(remote.map((r) => r.ms))];
        const [lr, rr] = [Math.max(...local.map((r) => r.peakRssKiB)), Math.max(...remote.map((r) => r.peakRssKiB))];
        if (remote[0]!.errors !== local[0]!.errors) throw new Error(`${op}: ${remote[0]!.errors} errors on S3, ${local[0]!.errors} locally`);
        const [ll, rl] = [median(local.map((r) => r.liveHeapKiB)), median(remote.map((r) => r.liveHeapKiB))];
        log(`  ${f0(n).padStart(7)} ${op.padEnd(8)} local FS ${f1(lm / 1000)} s, peak RSS ${f0(lr / 1024)} MiB, live heap at the end ${f0(ll / 1024)} MiB | ` +
          `S3 ${f1(rm / 1000)} s (${f1(rm / lm)}×), ${f0(requests)} requests (${f0(requests / (rm / 1000))}/s), peak RSS ${f0(rr / 1024)} MiB ` +
          `(${(rr / lr).toFixed(2)}× local), live heap at the end ${f0(rl / 1024)} MiB`);
        peaks.set(op, [...(peaks.get(op) ?? []), { n, local: lr, s3: rr }]);
        if (n === sizes.at(-1)) {
          recordRow({
            bench: "s3", what: `${op}, ${f0(n)} objects on s3rver (${runs} run${runs === 1 ? "" : "s"})`,
            figure: `peak RSS ${f0(rr / 1024)} MiB, ${f1(rm / 1000)} s, ${f0(requests)} requests`, baseline: `local FS: ${f0(lr / 1024)} MiB, ${f1(lm / 1000)} s`,
            ratio: `${(rr / lr).toFixed(2)}× in peak RSS`, goal: `peak RSS ≤ ${GOAL_PEAK_RSS_RATIO}× local`, met: rr / lr <= GOAL_PEAK_RSS_RATIO,
          });
        }
      }
      if (n === sizes.at(-1)) {
        const [kl, kr] = [await child("scan", root), await child("scan", s3(`root-${n}`), server.endpoint)];
        log(`  ${f0(n).padStart(7)} the walk of the root keeps ${f0(kl.keptBytesPerFile!)} B/object of heap on the local FS, ${f0(kr.keptBytesPerFile!)} B/object on S3 (its listing's records)`);
      }
    }
    for (const [op, at] of peaks) {
      const [first, last] = [at[0]!, at.at(-1)!];
      if (first.n === last.n) continue;
      const per = (a: number, b: number): string => f0(((b - a) * 1024) / (last.n - first.n));
      log(`  ${op} peak RSS per object, ${f0(first.n)} to ${f0(last.n)} objects: local FS ${per(first.local, last.local)} B/object, ` +
        `S3 ${per(first.s3, last.s3)} B/object; at ${f0(last.n)}: S3 ${f0(last.s3 / 1024)} MiB = ${(last.s3 / last.local).toFixed(2)}× local ${f0(last.local / 1024)} MiB`);
    }

    const hashRoot = join(work, "hash");
    const bytes = writeHashRoot(hashRoot, hashMiB);
    populateStore(server, hashRoot, "hash", BUCKET);
    const local = await runsOf(5, () => child("validate", hashRoot));
    const remote = await runsOf(5, () => child("validate", s3("hash"), server.endpoint));
    if (remote.some((r) => r.errors > 0) || local.some((r) => r.errors > 0)) throw new Error("the hashing root did not validate");
    const raw = median((await runsOf(5, () => child("get", s3("hash/shared/big"), server.endpoint))).map((r) => r.ms));
    const [lm, rm] = [median(local.map((r) => r.ms)), median(remote.map((r) => r.ms))];
    log(`  the same object drained by the SDK, no hashing: ${f0(bytes / 1e6 / (raw / 1000))} MB/s (the server's and the loopback's ceiling here)`);
    recordRow({
      bench: "s3", what: `streamed-GET hashing, one ${hashMiB} MiB object (median of 5)`, figure: `${f0(bytes / 1e6 / (rm / 1000))} MB/s`,
      baseline: `the SDK draining it, no hashing: ${f0(bytes / 1e6 / (raw / 1000))} MB/s`, ratio: `${(raw / rm).toFixed(2)}×`,
    });
    log(`  streamed-GET hashing, one ${hashMiB} MiB object: S3 ${f0(bytes / 1e6 / (rm / 1000))} MB/s vs local ${f0(bytes / 1e6 / (lm / 1000))} MB/s ` +
      `(${(lm / rm).toFixed(2)}×), peak RSS ${f0(Math.max(...remote.map((r) => r.peakRssKiB)) / 1024)} MiB vs ${f0(Math.max(...local.map((r) => r.peakRssKiB)) / 1024)} MiB`);
  } finally {
    for (const close of closers.reverse()) await close();
    rmSync(work, { recursive: true, force: true });
  }
}
