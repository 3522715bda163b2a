/**
 * Storage hashing as users meet it: `ksnap validate ROOT` as a whole process (start, module loading, decoding,
 * every check, hashing every file) against xxhsum on the same files, page cache warm, in alternated rounds:
 * - large files (default 8 × 128 MiB): `node dist/src/cli/bin.js validate ROOT` vs `xxhsum -H1 FILES`;
 * - many small files (default 100,000 × 4 KiB; env KSNAP_BENCH_SMALL_FILES): the same command vs
 *   `find ROOT -type f -print0 | xargs -0 xxhsum -H1`.
 * Each root is a KSNAP root whose one checkpoint refers to every file with the hash xxhsum printed, so a clean
 * report proves that both agree on every file. The CLI's peak RSS comes from a preloaded module (report-rss.ts).
 */
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type HashedFile, writeHashRoot } from "./hash-root-fixture.js";
import { median, spread } from "./measure.js";

/** One figure: ksnap's and the baseline's median wall times, and what every round printed. */
export interface HashingFigure {
  files: number;
  bytes: number;
  oursMs: number;
  theirsMs: number;
  /** theirs / ours: 1 is as fast as the baseline. */
  ratio: number;
  roundRatios: string;
  oursSpread: string;
  theirsSpread: string;
  peakRssMiB: number;
}

const BIN = fileURLToPath(new URL("../../src/cli/bin.js", import.meta.url));
const REPORT_RSS = fileURLToPath(new URL("./report-rss.js", import.meta.url));
const f0 = (x: number): string => Math.round(x).toString();
const f2 = (x: number): string => x.toFixed(2);

/** `ksnap validate root` in a fresh node: wall time from spawn to exit, and its peak RSS. */
function ksnapValidate(root: string): { ms: number; maxRssKiB: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", REPORT_RSS, BIN, "validate", root], { encoding: "utf8", maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0 || !/: no findings\n?$/.test(r.stdout)) throw new Error(`ksnap validate ${root} exited with ${r.status}: ${r.stdout.slice(0, 2000)}${r.stderr}`);
  const rss = /KSNAP_BENCH_MAX_RSS_KIB (\d+)/.exec(r.stderr);
  return { ms, maxRssKiB: rss ? Number(rss[1]) : NaN };
}

/** A command's wall time from spawn to exit, and the hashes it printed (`HASH  PATH` lines), by path. */
function xxhsumRun(command: string, args: readonly string[]): { ms: number; hashes: Map<string, bigint> } {
  const t0 = performance.now();
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} exited with ${r.status}: ${r.stderr}`);
  const hashes = new Map<string, bigint>();
  for (const line of r.stdout.split("\n")) {
    const m = /^([0-9a-f]{16}) {2}(.+)$/.exec(line);
    if (m) hashes.set(m[2]!, BigInt(`0x${m[1]}`));
  }
  return { ms, hashes };
}

/** Random bytes into `path`, `chunk` at a time. */
function writeRandomFile(path: string, bytes: number, chunk: Uint8Array): void {
  const fd = openSync(path, "w");
  try {
    for (let left = bytes; left > 0; left -= chunk.length) {
      randomFillSync(chunk);
      writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    }
  } finally {
    closeSync(fd);
  }
}

function readAll(path: string, chunk: Uint8Array): void {
  const fd = openSync(path, "r");
  try {
    while (readSync(fd, chunk, 0, chunk.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `count` random files of `bytes` each under `root/shared/`, reads them once (page cache warm), hashes them
 * with the baseline and writes the KSNAP root that refers to them. Returns the baseline's arguments.
 */
function buildRoot(root: string, count: number, bytes: number, small: boolean, log: (l: string) => void): { command: string; args: string[] } {
  const chunk = new Uint8Array(Math.min(bytes, 8 << 20));
  mkdirSync(join(root, "shared"), { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `shared/blob-${String(i).padStart(6, "0")}.bin`);
  const paths = names.map((n) => join(root, ...n.split("/")));
  const t0 = performance.now();
  for (const p of paths) {
    if (bytes <= chunk.length) {
      randomFillSync(chunk);
      writeFileSync(p, chunk.subarray(0, bytes));
    } else writeRandomFile(p, bytes, chunk);
  }
  if (!small) for (const p of paths) readAll(p, chunk);
  const baseline = small
    ? { command: "bash", args: ["-c", 'find "$1" -type f -print0 | xargs -0 xxhsum -H1', "find", root] }
    : { command: "xxhsum", args: ["-H1", ...paths] };
  // Its first run warms the page cache for the small files, and gives the hashes the snapshot records.
  const { hashes } = xxhsumRun(baseline.command, baseline.args);
  const files: HashedFile[] = names.map((path, i) => {
    const xxh64 = hashes.get(paths[i]!);
    if (xxh64 === undefined) throw new Error(`xxhsum did not hash ${paths[i]}`);
    return { path, size: BigInt(bytes), xxh64 };
  });
  writeHashRoot(root, files);
  log(`  wrote ${count} files of ${bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`} of random bytes and a KSNAP root referring to them under ${root} in ${f0(performance.now() - t0)} ms`);
  return baseline;
}

/**
 * One figure: a warm-up of each, then `rounds` rounds of `ksnap validate` and the baseline, the order rotated each
 * round so that neither always runs first.
 */
function measure(root: string, count: number, bytes: number, rounds: number, baseline: { command: string; args: string[] }, label: string, log: (l: string) => void): HashingFigure {
  ksnapValidate(root);
  xxhsumRun(baseline.command, baseline.args);
  const ours: { ms: number; maxRssKiB: number }[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let o, t;
    if (i % 2 === 0) {
      o = ksnapValidate(root);
      t = xxhsumRun(baseline.command, baseline.args).ms;
    } else {
      t = xxhsumRun(baseline.command, baseline.args).ms;
      o = ksnapValidate(root);
    }
    ours.push(o);
    theirs.push(t);
    log(`  ${label} round ${i + 1}: ksnap validate ${f0(o.ms)} ms (peak RSS ${f0(o.maxRssKiB / 1024)} MiB), baseline ${f0(t)} ms: ${f2(t / o.ms)}×`);
  }
  const oursMs = median(ours.map((o) => o.ms));
  const theirsMs = median(theirs);
  return {
    files: count, bytes: count * bytes, oursMs, theirsMs, ratio: theirsMs / oursMs, roundRatios: spread(ours.map((o, i) => theirs[i]! / o.ms), 2),
    oursSpread: spread(ours.map((o) => o.ms)), theirsSpread: spread(theirs), peakRssMiB: Math.max(...ours.map((o) => o.maxRssKiB)) / 1024,
  };
}

/** Options of {@link benchHashing}. */
export interface HashingBenchOptions {
  /** Large files and their size in MiB. Default 8 of 128 MiB. */
  hashFiles: number;
  hashFileMiB: number;
  /** Small files and their size in KiB. Default 100,000 (env KSNAP_BENCH_SMALL_FILES) of 4 KiB. */
  smallFiles: number;
  smallFileKiB: number;
  /** Timed rounds of each figure. Default 5. */
  rounds: number;
}

/** Both figures, their roots built under `dir` (which the caller removes). */
export function benchHashing(dir: string, o: HashingBenchOptions, log: (l: string) => void): { large: HashingFigure; small: HashingFigure } {
  const bigRoot = join(dir, "large");
  const large = measure(bigRoot, o.hashFiles, o.hashFileMiB << 20, o.rounds, buildRoot(bigRoot, o.hashFiles, o.hashFileMiB << 20, false, log), "large files", log);
  const smallRoot = join(dir, "small");
  const small = measure(smallRoot, o.smallFiles, o.smallFileKiB << 10, o.rounds, buildRoot(smallRoot, o.smallFiles, o.smallFileKiB << 10, true, log), "small files", log);
  return { large, small };
}
