/**
 * Savepoint data file benchmark: write and read throughput in MB/s (10^6 bytes)
 * of logical state (key + namespace + user key + value bytes), next to the `lz4`
 * CLI's in-memory benchmark (`lz4 -b1`, level 1) on the same logical bytes, and
 * the peak RSS of a writer and of a reader of a large file, each measured in a
 * fresh child process.
 *
 * Goals: write ≥ 0.5× lz4's compression speed, read ≥ 0.3× its decompression
 * speed, peak RSS < 256 MiB at 2 GiB. The large file is 2 GiB unless, at the
 * throughput just measured, that would take the bench past ~2 minutes: then the
 * largest power-of-two size that fits is used, and printed. The sorting writer's
 * peak RSS (entries of a key group buffered, up to 64 MiB encoded) is measured
 * too with `sortedRss` or KSNAP_BENCH_SAVEPOINT_SORTED=1.
 *
 * lz4 runs several times between the bench's own runs (test/bench/lz4-baseline.ts),
 * and both sides count their best run, so a ratio is not skewed by the load
 * changing between the two. The load average before the bench and the share of
 * CPU time the hypervisor stole during it are printed with the figures.
 *
 * `lz4 -b1` compresses in memory, so the write goal compares it with the
 * writer's speed into a null sink (the codec alone); the speed to a file on
 * disk (through the file system's synchronous writes) is printed beside it.
 * Both with 0, 1 and 2 compression workers (`compressionWorkers`).
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readDataFileInfo, readKeyGroupBatches } from "../../src/savepoint/index.js";
import { Lz4Baseline, type Lz4Summary } from "./lz4-baseline.js";
import {
  batchLogicalBytes, BENCH_MAX_PARALLELISM, groupEntries, keysPerGroupFor, NullSink, writeBenchSavepoint,
} from "./savepoint-fixture.js";

const MiB = 1024 * 1024;
export const GOAL_WRITE_RATIO = 0.5;
export const GOAL_READ_RATIO = 0.3;
export const GOAL_PEAK_RSS_BYTES = 256 * MiB;

export interface SavepointBenchOptions {
  /** Logical bytes of the in-process throughput runs. Default 128 MiB. */
  throughputBytes?: number;
  /** Logical bytes of the RSS runs; default 2 GiB, reduced to fit `budgetMs`. Env KSNAP_BENCH_SAVEPOINT_MIB overrides. */
  rssBytes?: number;
  /** Also measure the peak RSS of the sorting (default) writer on the large file. Default false; env KSNAP_BENCH_SAVEPOINT_SORTED=1. */
  sortedRss?: boolean;
  /** Whole-bench time budget used to pick the RSS size. Default 115 s. */
  budgetMs?: number;
  log?: (line: string) => void;
}

export interface ChildResult {
  ms: number;
  logicalBytes: number;
  fileBytes: number;
  rssBeforeKiB: number;
  maxRssKiB: number;
}

/** Seconds over which each write is measured (its best run counts), as `lz4 -b1 -i2` reports its best over 2 s. */
const WRITE_WINDOW_S = 2;
/** Seconds of each lz4 -b1 sample (`-i1`: a second compressing, then one decompressing), taken between our runs. */
const LZ4_SAMPLE_S = 1;

/** The compression worker counts the writes are measured with. */
export const BENCH_WORKER_COUNTS = [0, 1, 2] as const;

/** Write throughput (MB/s of logical bytes) with one compression worker count. */
export interface WriteFigures {
  workers: number;
  /** Into a null sink: the codec's speed, comparable with lz4 -b1. */
  memoryPresortedMBs: number;
  memorySortedMBs: number;
  /** To a file in the bench's temporary folder (os.tmpdir()). */
  diskPresortedMBs: number;
  diskSortedMBs: number;
}

export interface SavepointBenchResult {
  logicalBytes: number;
  fileBytes: number;
  writePresortedMBs: number;
  writeSortedMBs: number;
  readMBs: number;
  /** lz4 -b1 sampled before the read and after each worker count's writes: the best of its runs. */
  lz4: Lz4Summary | undefined;
  /** Best write into memory (any worker count) / lz4 -b1 compress: the goal's ratio. */
  writeRatio: number | undefined;
  /** Best write to disk (any worker count) / lz4 -b1 compress, for information. */
  diskWriteRatio: number | undefined;
  readRatio: number | undefined;
  writes: WriteFigures[];
  rssLogicalBytes: number;
  rssWrite: ChildResult;
  rssWriteWorkers: ChildResult;
  rssRead: ChildResult;
  rssWriteSorted: ChildResult | undefined;
  totalMs: number;
  /** os.loadavg() (1, 5 and 15 minutes) when the bench started: how busy the machine was before it. */
  loadAverage: number[];
  /** The share of CPU time the hypervisor gave to other machines during the bench (/proc/stat's steal); undefined off Linux. */
  stolenShare: number | undefined;
}

const mbs = (bytes: number, ms: number) => bytes / ms / 1000;
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const loads = (l: number[]) => l.map(f2).join("/");

export async function runSavepointBench(options: SavepointBenchOptions = {}): Promise<SavepointBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const start = performance.now();
  const loadStart = loadavg();
  const cpuStart = cpuTimes();
  const dir = mkdtempSync(join(tmpdir(), "ksnap-bench-savepoint-"));
  try {
    log("savepoint data files (spec/savepoint-data.md): 128 key groups; value, list and map state; text-like values");
    const throughputBytes = options.throughputBytes ?? 128 * MiB;
    const keys = keysPerGroupFor(throughputBytes);
    const file = join(dir, "throughput.ksvd");

    writeBenchSavepoint(join(dir, "warmup.ksvd"), Math.max(1, keys >> 4), true, true);
    let t0 = performance.now();
    const presorted = writeBenchSavepoint(file, keys, true, true);
    // Wall time with the entries' generation, as the child (which streams them) will take.
    const presortedWallMs = performance.now() - t0;
    t0 = performance.now();
    const sorted = writeBenchSavepoint(file, keys, false, true);
    const sortedWallMs = performance.now() - t0;
    const logical = presorted.logical;
    const fileBytes = Number(presorted.result.handle.dataFile.size);
    const lz4 = new Lz4Baseline(writeLogicalFile(dir, keys), LZ4_SAMPLE_S);
    lz4.sample();
    const readMs = Math.min(await timeRead(file), await timeRead(file));
    const write = { presorted: mbs(logical, presorted.ms), sorted: mbs(sorted.logical, sorted.ms) };
    const readMBs = mbs(logical, readMs);
    log(`  ${f1(logical / MiB)} MiB logical in ${f1(fileBytes / MiB)} MiB of file (ratio ${f2(logical / fileBytes)}), ` +
      `${keys} keys × ${BENCH_MAX_PARALLELISM} key groups`);
    log(`  write: ${f1(write.presorted)} MB/s presorted (streamed), ${f1(write.sorted)} MB/s sorted by the writer (to disk, in-thread)`);
    log(`  read:  ${f1(readMBs)} MB/s (all key groups, every block verified)`);
    const writes = measureWrites(dir, keys, write, log, () => lz4.sample());
    const base = lz4.summary();
    if (base === undefined) log(`  lz4 -b1 unavailable (${lz4.unavailable}): install the Debian package lz4 for the ratios`);
    const best = (pick: (w: WriteFigures) => number) => Math.max(...writes.map(pick));
    const bestMemory = best((w) => Math.max(w.memoryPresortedMBs, w.memorySortedMBs));
    const bestDisk = best((w) => Math.max(w.diskPresortedMBs, w.diskSortedMBs));
    const writeRatio = base ? bestMemory / base.compressMBs : undefined;
    const diskWriteRatio = base ? bestDisk / base.compressMBs : undefined;
    const readRatio = base ? readMBs / base.decompressMBs : undefined;
    if (base && writeRatio !== undefined && readRatio !== undefined) {
      log(`  lz4 -b1 on the same ${f1(base.bytes / MiB)} MiB of logical bytes, best of ${base.runs} runs taken between ours: ` +
        `compress ${f1(base.compressMBs)} MB/s (slowest run ${f1(base.slowestCompressMBs)}), ` +
        `decompress ${f1(base.decompressMBs)} MB/s (slowest ${f1(base.slowestDecompressMBs)}), ratio ${f2(base.ratio)}`);
      logRatios(writes, base, log);
      log(`  write/lz4 compress:   ${f2(writeRatio)}× (best into memory; goal ≥ ${GOAL_WRITE_RATIO}×) ` +
        `${writeRatio >= GOAL_WRITE_RATIO ? "ok" : "BELOW GOAL"}; to disk ${f2(diskWriteRatio!)}× (not a goal: see the note above)`);
      log(`  read/lz4 decompress:  ${f2(readRatio)}× (goal ≥ ${GOAL_READ_RATIO}×) ${readRatio >= GOAL_READ_RATIO ? "ok" : "BELOW GOAL"}`);
    }

    const withSorted = options.sortedRss ?? process.env.KSNAP_BENCH_SAVEPOINT_SORTED === "1";
    const wallRates = { presorted: mbs(logical, presortedWallMs), sorted: mbs(logical, sortedWallMs), read: readMBs };
    const rssBytes = pickRssBytes(options, performance.now() - start, wallRates, withSorted, log);
    const big = join(dir, "rss.ksvd");
    const rssKeys = keysPerGroupFor(rssBytes);
    const rssWrite = runChild(["write", big, String(rssKeys), "1"]);
    const rssWriteWorkers = runChild(["write", big, String(rssKeys), "1", "2"]);
    const rssRead = runChild(["read", big]);
    const runs: [string, ChildResult][] = [["write (presorted)", rssWrite], ["write (presorted, 2 compression workers)", rssWriteWorkers],
      ["read", rssRead]];
    if (withSorted) runs.push(["write (sorted by the writer)", runChild(["write", big, String(rssKeys), "0"])]);
    for (const [what, r] of runs) {
      const peak = r.maxRssKiB * 1024;
      log(`  peak RSS, ${what} of ${f1(r.logicalBytes / MiB)} MiB logical (${f1(r.fileBytes / MiB)} MiB file): ` +
        `${f1(peak / MiB)} MiB (${f1(r.rssBeforeKiB / 1024)} MiB at start; goal < ${GOAL_PEAK_RSS_BYTES / MiB} MiB) ` +
        `${peak < GOAL_PEAK_RSS_BYTES ? "ok" : "OVER GOAL"}, ${f1(mbs(r.logicalBytes, r.ms))} MB/s`);
    }
    const totalMs = performance.now() - start;
    const stolenShare = stolenSince(cpuStart);
    log(`  savepoint bench took ${f1(totalMs / 1000)} s; load average before it (1/5/15 min) ${loads(loadStart)}; ` +
      `CPU time stolen by the hypervisor during it: ${stolenShare === undefined ? "unknown" : `${f1(stolenShare * 100)}%`}`);
    return {
      logicalBytes: logical, fileBytes, writePresortedMBs: write.presorted, writeSortedMBs: write.sorted, readMBs, lz4: base,
      writeRatio, diskWriteRatio, readRatio, writes, rssLogicalBytes: rssWrite.logicalBytes, rssWrite, rssWriteWorkers, rssRead,
      rssWriteSorted: runs[3]?.[1], totalMs,
      loadAverage: loadStart, stolenShare,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The write throughput with each worker count, into a null sink and to disk
 * (the best of runs over 2 s, as lz4 -b1 -i2 measures). Without workers, to disk,
 * reuses `disk0` (the figures printed above). `between` runs after each worker
 * count (the lz4 baseline's samples).
 */
function measureWrites(dir: string, keys: number, disk0: { presorted: number; sorted: number },
  log: (l: string) => void, between: () => void): WriteFigures[] {
  const file = join(dir, "workers.ksvd");
  // The best of runs over at least WRITE_WINDOW_S seconds (2 runs at least, 6 at most).
  const rate = (target: () => string | NullSink, presorted: boolean, workers: number) => {
    let best = 0;
    const t0 = performance.now();
    for (let run = 0; run < 6 && (run < 2 || performance.now() - t0 < WRITE_WINDOW_S * 1000); run++) {
      const r = writeBenchSavepoint(target(), keys, presorted, true, workers);
      best = Math.max(best, mbs(r.logical, r.ms));
    }
    return best;
  };
  // Worker startup and the workers' code paths warmed up once, as the in-thread path is by the warmup write above.
  writeBenchSavepoint(new NullSink(), Math.max(1, keys >> 4), true, true, 2);
  const writes = BENCH_WORKER_COUNTS.map((workers): WriteFigures => {
    const figures = {
      workers,
      memoryPresortedMBs: rate(() => new NullSink(), true, workers),
      memorySortedMBs: rate(() => new NullSink(), false, workers),
      diskPresortedMBs: workers === 0 ? disk0.presorted : rate(() => file, true, workers),
      diskSortedMBs: workers === 0 ? disk0.sorted : rate(() => file, false, workers),
    };
    between();
    return figures;
  });
  const row = (pick: (w: WriteFigures) => string) => writes.map((w) => `${w.workers}: ${pick(w)}`).join(", ");
  log("  write by compression workers (MB/s, presorted / sorted by the writer):");
  log(`    into memory (null sink): ${row((w) => `${f1(w.memoryPresortedMBs)} / ${f1(w.memorySortedMBs)}`)}`);
  log(`    to disk (${dir}):  ${row((w) => `${f1(w.diskPresortedMBs)} / ${f1(w.diskSortedMBs)}`)}`);
  log("    note: lz4 -b1 compresses in memory, so the goal compares it with the null sink; to disk adds the file " +
    "system's synchronous writes and the final fsync (this folder's storage, not the codec)");
  return writes;
}

/** Each worker count's best write into memory and to disk, as a ratio of lz4 -b1's compression speed. */
function logRatios(writes: WriteFigures[], lz4: Lz4Summary, log: (l: string) => void): void {
  const ratio = (x: number) => `${f2(x / lz4.compressMBs)}×`;
  for (const w of writes) {
    log(`  write/lz4 compress, ${w.workers} compression workers: into memory ${ratio(Math.max(w.memoryPresortedMBs, w.memorySortedMBs))}, ` +
      `to disk ${ratio(Math.max(w.diskPresortedMBs, w.diskSortedMBs))}`);
  }
}

async function timeRead(path: string): Promise<number> {
  const t0 = performance.now();
  const info = await readDataFileInfo(path);
  let n = 0;
  for await (const batch of readKeyGroupBatches(path, { keyGroups: info.keyGroups, offsets: info.offsets, dataFile: { size: info.size } })) {
    n += batchLogicalBytes(batch);
  }
  if (n === 0) throw new Error("read nothing");
  return performance.now() - t0;
}

/** 2 GiB (or the override) unless the writes and read at the rates measured would pass the budget; then halved until it fits. */
function pickRssBytes(o: SavepointBenchOptions, elapsedMs: number, rates: { presorted: number; sorted: number; read: number },
  withSorted: boolean, log: (l: string) => void): number {
  const env = process.env.KSNAP_BENCH_SAVEPOINT_MIB;
  if (env !== undefined) return Number(env) * MiB;
  if (o.rssBytes !== undefined) return o.rssBytes;
  const budget = o.budgetMs ?? 115_000;
  // Two presorted writes (0 and 2 workers; the latter priced as the former, an upper bound), a read and maybe a sorted
  // write, each in a child process (+5% for process start and GC).
  const cost = (bytes: number) => 1.05 * (2 * bytes / rates.presorted + bytes / rates.read + (withSorted ? bytes / rates.sorted : 0)) / 1000;
  let bytes = 2048 * MiB;
  while (bytes > 64 * MiB && elapsedMs + cost(bytes) > budget) bytes /= 2;
  if (bytes < 2048 * MiB) {
    log(`  RSS runs at ${bytes / MiB} MiB, not 2048 MiB: at the rates above 2 GiB would take ~${f1(cost(2048 * MiB) / 1000)} s ` +
      "(set KSNAP_BENCH_SAVEPOINT_MIB=2048 to force it)");
  }
  return bytes;
}

function runChild(args: string[]): ChildResult {
  const child = fileURLToPath(new URL("./savepoint-bench-child.js", import.meta.url));
  const r = spawnSync(process.execPath, [child, ...args], { encoding: "utf8" });
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
