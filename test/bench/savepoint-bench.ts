/**
 * Savepoint data file benchmark: write and read throughput in MB/s (10^6 bytes)
 * of logical state (key + namespace + user key + value bytes), against the `lz4`
 * CLI's in-memory benchmark (`lz4 -b1`, level 1) on the same logical bytes, and
 * the peak RSS of a writer and of a reader of a large file, each measured in a
 * fresh child process.
 *
 * Goals: write ≥ 0.5× lz4's compression speed, read ≥ 0.3× its decompression
 * speed, peak RSS < 256 MiB at 2 GiB. The large file is 2 GiB unless, at the
 * throughput just measured, that would take the bench past its budget: then the
 * largest power-of-two size that fits is used, and printed. The sorting writer's
 * peak RSS (entries of a key group buffered, up to 64 MiB encoded) is measured
 * too with `sortedRss` or KSNAP_BENCH_SAVEPOINT_SORTED=1.
 *
 * One method (issue 17): after a warm-up round, {@link ROUNDS} rounds; each runs
 * `lz4 -b1` once and every measurement once, in an order rotated every round,
 * and each measurement's ratio is taken against that round's lz4 run. Printed:
 * medians, spreads (fastest–slowest) and the ratios' medians and spreads, with
 * the load average before and after. Reads and writes are measured with each
 * LZ4 implementation (src/savepoint/lz4-block.ts): the native lz4-napi when
 * installed and the WebAssembly fallback, side by side.
 *
 * `lz4 -b1` compresses in memory, so the write goal compares it with the
 * writer's speed into a null sink (the codec alone); one write to a file on
 * disk (through the file system's synchronous writes) is printed beside it.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readDataFileInfo, readKeyGroupBatches } from "../../src/savepoint/index.js";
import { lz4Implementations, nativeLz4Available, useLz4, type Lz4Implementations } from "../../src/savepoint/lz4-block.js";
import { nativeLz4Problem } from "../../src/savepoint/lz4-native.js";
import { Lz4Baseline, type Lz4Bench } from "./lz4-baseline.js";
import { gc, median, spread } from "./measure.js";
import { recordRow } from "./summary-table.js";
import {
  batchLogicalBytes, BENCH_MAX_PARALLELISM, groupEntries, keysPerGroupFor, NullSink, writeBenchSavepoint,
} from "./savepoint-fixture.js";

const MiB = 1024 * 1024;
export const GOAL_WRITE_RATIO = 0.5;
export const GOAL_READ_RATIO = 0.3;
export const GOAL_PEAK_RSS_BYTES = 256 * MiB;
/** Measured rounds, after one warm-up round. */
export const ROUNDS = 5;

export interface SavepointBenchOptions {
  /** Logical bytes of the in-process throughput runs. Default 128 MiB. */
  throughputBytes?: number;
  /** Logical bytes of the RSS runs; default 2 GiB, reduced to fit `budgetMs`. Env KSNAP_BENCH_SAVEPOINT_MIB overrides. */
  rssBytes?: number;
  /** Also measure the peak RSS of the sorting (default) writer on the large file. Default false; env KSNAP_BENCH_SAVEPOINT_SORTED=1. */
  sortedRss?: boolean;
  /** Whole-bench time budget used to pick the RSS size. Default 150 s. */
  budgetMs?: number;
  /** Measured rounds (default {@link ROUNDS}). */
  rounds?: number;
  log?: (line: string) => void;
}

export interface ChildResult {
  ms: number;
  logicalBytes: number;
  fileBytes: number;
  rssBeforeKiB: number;
  maxRssKiB: number;
}

/** Seconds of each lz4 -b1 run (`-i1`: a second compressing, then one decompressing), one per round. */
const LZ4_SAMPLE_S = 1;

/** One measurement of a round: a read or a write, with the LZ4 implementations it runs with. */
interface Measurement {
  name: string;
  /** Which lz4 -b1 direction it is compared with. */
  versus: "compress" | "decompress";
  /** Counts toward the goal (the best such median is the goal's figure). */
  goal: boolean;
  lz4: Lz4Implementations;
  /** MB/s of logical bytes. */
  run: () => Promise<number>;
}

/** A measurement's rounds: MB/s and the ratio to the same round's lz4 -b1. */
export interface MeasuredFigure {
  name: string;
  versus: "compress" | "decompress";
  goal: boolean;
  lz4: Lz4Implementations;
  mbs: number[];
  ratios: number[];
  medianMBs: number;
  medianRatio: number | undefined;
}

export interface SavepointBenchResult {
  logicalBytes: number;
  fileBytes: number;
  figures: MeasuredFigure[];
  /** Each round's lz4 -b1 run. */
  lz4Runs: Lz4Bench[];
  /** The best median write ratio (into memory) and the read ratio with the default implementations: the goals' figures. */
  writeRatio: number | undefined;
  readRatio: number | undefined;
  /** The same with the WebAssembly LZ4 forced (KSNAP_LZ4=wasm). */
  wasmWriteRatio: number | undefined;
  wasmReadRatio: number | undefined;
  rssLogicalBytes: number;
  rssWrite: ChildResult;
  rssWriteWorkers: ChildResult;
  rssRead: ChildResult;
  rssReadWasm: ChildResult;
  rssReadWorker: ChildResult;
  rssWriteSorted: ChildResult | undefined;
  totalMs: number;
  /** os.loadavg() (1, 5 and 15 minutes) when the bench started and when it ended. */
  loadAverage: number[];
  loadAverageAfter: number[];
  /** The share of CPU time the hypervisor gave to other machines during the bench (/proc/stat's steal); undefined off Linux. */
  stolenShare: number | undefined;
}

const mbs = (bytes: number, ms: number) => bytes / ms / 1000;
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const loads = (l: number[]) => l.map(f2).join("/");
const WASM: Lz4Implementations = { compress: "wasm", decompress: "wasm" };

export async function runSavepointBench(options: SavepointBenchOptions = {}): Promise<SavepointBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const start = performance.now();
  const loadStart = loadavg();
  const cpuStart = cpuTimes();
  const dir = mkdtempSync(join(tmpdir(), "ksnap-bench-savepoint-"));
  const defaults = lz4Implementations();
  try {
    log("savepoint data files (spec/savepoint-data.md): 128 key groups; value, list and map state; text-like values");
    const native = nativeLz4Available();
    log(`  LZ4: default ${describe(defaults)}; native (lz4-napi) ${native ? "installed" : `not used: ${nativeLz4Problem()}`}; ` +
      "the WebAssembly fallback (lz4-wasm-nodejs) measured beside it");
    const throughputBytes = options.throughputBytes ?? 128 * MiB;
    const keys = keysPerGroupFor(throughputBytes);
    const file = join(dir, "throughput.ksvd");
    const presorted = writeBenchSavepoint(file, keys, true, true);
    const logical = presorted.logical;
    const fileBytes = Number(presorted.result.handle.dataFile.size);
    log(`  ${f1(logical / MiB)} MiB logical in ${f1(fileBytes / MiB)} MiB of file (ratio ${f2(logical / fileBytes)}), ` +
      `${keys} keys × ${BENCH_MAX_PARALLELISM} key groups`);
    const lz4 = new Lz4Baseline(writeLogicalFile(dir, keys), LZ4_SAMPLE_S);
    const measurements = plan(file, dir, keys, defaults, native);
    const rounds = options.rounds ?? ROUNDS;
    const figures = measurements.map((m): MeasuredFigure => ({
      name: m.name, versus: m.versus, goal: m.goal, lz4: m.lz4, mbs: [], ratios: [], medianMBs: 0, medianRatio: undefined,
    }));
    const lz4Runs: Lz4Bench[] = [];
    // Round 0 warms up (JIT, workers' code, page cache) and is not counted.
    for (let round = 0; round <= rounds; round++) {
      const order = [-1, ...measurements.keys()];
      const rotated = order.map((_, i) => order[(i + round) % order.length]!);
      let base: Lz4Bench | undefined;
      const results: number[] = [];
      for (const i of rotated) {
        if (i < 0) { base = lz4.sample(); continue; }
        const m = measurements[i]!;
        useLz4(m.lz4);
        gc();
        results[i] = await m.run();
      }
      useLz4(defaults);
      if (round === 0) continue;
      if (base !== undefined) lz4Runs.push(base);
      results.forEach((x, i) => {
        figures[i]!.mbs.push(x);
        if (base !== undefined) figures[i]!.ratios.push(x / (measurements[i]!.versus === "compress" ? base.compressMBs : base.decompressMBs));
      });
    }
    for (const f of figures) {
      f.medianMBs = median(f.mbs);
      f.medianRatio = f.ratios.length > 0 ? median(f.ratios) : undefined;
    }
    if (lz4.unavailable !== undefined) log(`  lz4 -b1 unavailable (${lz4.unavailable}): install the Debian package lz4 for the ratios`);
    else {
      log(`  lz4 -b1 on the same ${f1(lz4Runs[0]!.bytes / MiB)} MiB of logical bytes, one run per round: compress median ` +
        `${f1(median(lz4Runs.map((r) => r.compressMBs)))} MB/s (${spread(lz4Runs.map((r) => r.compressMBs))}), decompress ` +
        `${f1(median(lz4Runs.map((r) => r.decompressMBs)))} MB/s (${spread(lz4Runs.map((r) => r.decompressMBs))}), ratio ${f2(lz4Runs[0]!.ratio)}`);
    }
    log(`  medians of ${rounds} rounds (spread fastest–slowest); ratio to the same round's lz4 -b1 (median, spread):`);
    const lz4Median = (versus: MeasuredFigure["versus"]) =>
      median(lz4Runs.map((r) => versus === "compress" ? r.compressMBs : r.decompressMBs));
    for (const f of figures) {
      const ratio = f.medianRatio === undefined ? "" : `: ${f2(f.medianRatio)}× of lz4 ${f.versus} (rounds ${spread(f.ratios, 2)})`;
      log(`    ${f.name.padEnd(52)} ${f1(f.medianMBs).padStart(6)} MB/s (${spread(f.mbs)})${ratio}`);
      const goal = f.versus === "compress" ? GOAL_WRITE_RATIO : GOAL_READ_RATIO;
      recordRow({
        bench: "savepoint", what: f.name, figure: `${f1(f.medianMBs)} MB/s (${spread(f.mbs)})`,
        ...(lz4Runs.length === 0 ? {} : { baseline: `lz4 -b1 ${f.versus}: ${f1(lz4Median(f.versus))} MB/s` }),
        ...(f.medianRatio === undefined ? {} : { ratio: `${f2(f.medianRatio)}× (rounds ${spread(f.ratios, 2)})` }),
        ...(f.goal ? { goal: `≥ ${goal}×`, ...(f.medianRatio === undefined ? {} : { met: f.medianRatio >= goal }) } : {}),
      });
    }
    const goalRatio = (versus: MeasuredFigure["versus"], lz4Set: Lz4Implementations) => {
      // A write is the compressor's, a read the decoder's.
      const xs = figures.filter((f) => f.goal && f.versus === versus && f.lz4[versus] === lz4Set[versus] && f.medianRatio !== undefined);
      return xs.length === 0 ? undefined : Math.max(...xs.map((f) => f.medianRatio!));
    };
    const writeRatio = goalRatio("compress", defaults);
    const readRatio = goalRatio("decompress", defaults);
    const wasmWriteRatio = goalRatio("compress", WASM);
    const wasmReadRatio = goalRatio("decompress", WASM);
    const verdict = (x: number | undefined, goal: number) => x === undefined ? "n/a" : `${f2(x)}× ${x >= goal ? "ok" : "BELOW GOAL"}`;
    log(`  write/lz4 compress (best into memory; goal ≥ ${GOAL_WRITE_RATIO}×): default LZ4 ${verdict(writeRatio, GOAL_WRITE_RATIO)}, ` +
      `WebAssembly ${verdict(wasmWriteRatio, GOAL_WRITE_RATIO)}`);
    log(`  read/lz4 decompress (goal ≥ ${GOAL_READ_RATIO}×): default LZ4 (${defaults.decompress}) ${verdict(readRatio, GOAL_READ_RATIO)}, ` +
      `WebAssembly ${verdict(wasmReadRatio, GOAL_READ_RATIO)}`);

    const withSorted = options.sortedRss ?? process.env.KSNAP_BENCH_SAVEPOINT_SORTED === "1";
    const rate = (name: string) => figures.find((f) => f.name === name)?.medianMBs ?? 100;
    const rates = { presorted: rate(WRITE_IN_THREAD), sorted: rate(WRITE_SORTED), read: rate(READ_WASM) };
    const rssBytes = pickRssBytes(options, performance.now() - start, rates, withSorted, log);
    const big = join(dir, "rss.ksvd");
    const rssKeys = keysPerGroupFor(rssBytes);
    const rssWrite = runChild(["write", big, String(rssKeys), "1"]);
    const rssWriteWorkers = runChild(["write", big, String(rssKeys), "1", "2"]);
    const rssRead = runChild(["read", big]);
    const rssReadWasm = runChild(["read", big], { KSNAP_LZ4: "wasm" });
    const rssReadWorker = runChild(["read", big, "worker"]);
    const runs: [string, ChildResult][] = [["write (presorted)", rssWrite], ["write (presorted, 2 compression workers)", rssWriteWorkers],
      [`read (${defaults.decompress} LZ4)`, rssRead], ["read (KSNAP_LZ4=wasm)", rssReadWasm],
      [`read (${defaults.decompress} LZ4, decode worker)`, rssReadWorker]];
    if (withSorted) runs.push(["write (sorted by the writer)", runChild(["write", big, String(rssKeys), "0"])]);
    for (const [what, r] of runs) {
      const peak = r.maxRssKiB * 1024;
      recordRow({
        bench: "savepoint", what: `peak RSS, ${what}, ${f1(r.logicalBytes / MiB)} MiB logical`, figure: `${f1(peak / MiB)} MiB`,
        goal: `< ${GOAL_PEAK_RSS_BYTES / MiB} MiB${r.logicalBytes < 2047 * MiB ? " at 2 GiB (smaller file here)" : ""}`,
        met: peak < GOAL_PEAK_RSS_BYTES,
      });
      log(`  peak RSS, ${what} of ${f1(r.logicalBytes / MiB)} MiB logical (${f1(r.fileBytes / MiB)} MiB file): ` +
        `${f1(peak / MiB)} MiB (${f1(r.rssBeforeKiB / 1024)} MiB at start; goal < ${GOAL_PEAK_RSS_BYTES / MiB} MiB) ` +
        `${peak < GOAL_PEAK_RSS_BYTES ? "ok" : "OVER GOAL"}, ${f1(mbs(r.logicalBytes, r.ms))} MB/s`);
    }
    const totalMs = performance.now() - start;
    const stolenShare = stolenSince(cpuStart);
    const loadEnd = loadavg();
    log(`  savepoint bench took ${f1(totalMs / 1000)} s; load average (1/5/15 min) ${loads(loadStart)} before, ${loads(loadEnd)} after; ` +
      `CPU time stolen by the hypervisor during it: ${stolenShare === undefined ? "unknown" : `${f1(stolenShare * 100)}%`}`);
    return {
      logicalBytes: logical, fileBytes, figures, lz4Runs, writeRatio, readRatio, wasmWriteRatio, wasmReadRatio,
      rssLogicalBytes: rssWrite.logicalBytes, rssWrite, rssWriteWorkers, rssRead, rssReadWasm, rssReadWorker, rssWriteSorted: runs[5]?.[1], totalMs,
      loadAverage: loadStart, loadAverageAfter: loadEnd, stolenShare,
    };
  } finally {
    useLz4(defaults);
    rmSync(dir, { recursive: true, force: true });
  }
}

const WRITE_IN_THREAD = "write into memory, in-thread (WebAssembly LZ4)";
const WRITE_SORTED = "write into memory, sorted by the writer, 2 workers";
const READ_WASM = "read (WebAssembly LZ4)";

/**
 * What each round measures. Writes compress with the default compressor (WebAssembly: faster than lz4-napi's, and
 * the one of the released vectors) and once with the native one when installed; reads with each decoder.
 */
function plan(file: string, dir: string, keys: number, defaults: Lz4Implementations, native: boolean): Measurement[] {
  const write = (target: () => string | NullSink, presorted: boolean, workers: number) => async () => {
    const r = writeBenchSavepoint(target(), keys, presorted, true, workers);
    return mbs(r.logical, r.ms);
  };
  const memory = () => new NullSink();
  const nativeSet: Lz4Implementations = { compress: "native", decompress: "native" };
  const list: Measurement[] = [
    { name: WRITE_IN_THREAD, versus: "compress", goal: true, lz4: WASM, run: write(memory, true, 0) },
    { name: "write into memory, 2 compression workers (WebAssembly)", versus: "compress", goal: true, lz4: WASM, run: write(memory, true, 2) },
    { name: WRITE_SORTED, versus: "compress", goal: true, lz4: WASM, run: write(memory, false, 2) },
    { name: "write to disk, 2 compression workers", versus: "compress", goal: false, lz4: WASM, run: write(() => join(dir, "disk.ksvd"), true, 2) },
    { name: READ_WASM, versus: "decompress", goal: true, lz4: WASM, run: () => timeRead(file) },
    { name: "read (WebAssembly LZ4, decode worker)", versus: "decompress", goal: true, lz4: WASM, run: () => timeRead(file, true) },
  ];
  if (native) {
    list.push(
      { name: "write into memory, 2 workers, native compressor", versus: "compress", goal: true, lz4: nativeSet, run: write(memory, true, 2) },
      { name: "read (native LZ4, lz4-napi)", versus: "decompress", goal: true, lz4: { ...defaults, decompress: "native" }, run: () => timeRead(file) },
      { name: "read (native LZ4, decode worker)", versus: "decompress", goal: true, lz4: { ...defaults, decompress: "native" },
        run: () => timeRead(file, true) },
    );
  }
  return list;
}

function describe(s: Lz4Implementations): string {
  return `compress ${s.compress}, decompress ${s.decompress}`;
}

/** MB/s of logical bytes reading every key group of `path` (with `decodeWorker`: decoding in a worker thread). */
async function timeRead(path: string, decodeWorker = false): Promise<number> {
  const t0 = performance.now();
  const info = await readDataFileInfo(path);
  let n = 0;
  const handle = { keyGroups: info.keyGroups, offsets: info.offsets, dataFile: { size: info.size } };
  for await (const batch of readKeyGroupBatches(path, handle, undefined, {}, { decodeWorker })) {
    n += batchLogicalBytes(batch);
  }
  if (n === 0) throw new Error("read nothing");
  return mbs(n, performance.now() - t0);
}

/** 2 GiB (or the override) unless the writes and read at the rates measured would pass the budget; then halved until it fits. */
function pickRssBytes(o: SavepointBenchOptions, elapsedMs: number, rates: { presorted: number; sorted: number; read: number },
  withSorted: boolean, log: (l: string) => void): number {
  const env = process.env.KSNAP_BENCH_SAVEPOINT_MIB;
  if (env !== undefined) return Number(env) * MiB;
  if (o.rssBytes !== undefined) return o.rssBytes;
  const budget = o.budgetMs ?? 150_000;
  // Two presorted writes (0 and 2 workers; the latter priced as the former, an upper bound), three reads (priced at the
  // WebAssembly one) and maybe a sorted write, each in a child process (+5% for process start and GC).
  const cost = (bytes: number) => 1.05 * (2 * bytes / rates.presorted + 3 * bytes / rates.read + (withSorted ? bytes / rates.sorted : 0)) / 1000;
  let bytes = 2048 * MiB;
  while (bytes > 64 * MiB && elapsedMs + cost(bytes) > budget) bytes /= 2;
  if (bytes < 2048 * MiB) {
    log(`  RSS runs at ${bytes / MiB} MiB, not 2048 MiB: at the rates above 2 GiB would take ~${f1(cost(2048 * MiB) / 1000)} s ` +
      "(set KSNAP_BENCH_SAVEPOINT_MIB=2048 to force it)");
  }
  return bytes;
}

function runChild(args: string[], env: Record<string, string> = {}): ChildResult {
  const child = fileURLToPath(new URL("./savepoint-bench-child.js", import.meta.url));
  const r = spawnSync(process.execPath, [child, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`savepoint bench child (${args[0]}) exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

/** Writes the bench's logical bytes (key, namespace, user key, value of each entry, canonical order): lz4 -b1's input. */
function writeLogicalFile(dir: string, keys: number): string {
  const path = join(dir, "logical.bin");
  const fd = openSync(path, "w");
  try {
    const chunk = Buffer.alloc(8 * MiB);
    let at = 0;
    const put = (b: Uint8Array) => {
      if (at + b.length > chunk.length) { writeSync(fd, chunk, 0, at); at = 0; }
      chunk.set(b, at);
      at += b.length;
    };
    for (let kg = 0; kg < BENCH_MAX_PARALLELISM; kg++) {
      for (const e of groupEntries(kg, keys, true)) {
        put(e.key); put(e.namespace); if (e.userKey) put(e.userKey); put(e.value);
      }
    }
    writeSync(fd, chunk, 0, at);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** The machine's CPU time counters (/proc/stat's first line, in clock ticks), or undefined where there is none. */
function cpuTimes(): { steal: number; total: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "latin1").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user).
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return fields.length >= 8 ? { steal: fields[7]!, total } : undefined;
  } catch {
    return undefined;
  }
}

/** The share of CPU time stolen (given to other virtual machines) since `start`. */
function stolenSince(start: ReturnType<typeof cpuTimes>): number | undefined {
  const end = cpuTimes();
  if (start === undefined || end === undefined || end.total === start.total) return undefined;
  return (end.steal - start.steal) / (end.total - start.total);
}
