/**
 * Snapshot semantics benchmark: validation of a long incremental history
 * (validateSnapshot over every checkpoint + validateHistory) and how its cost
 * scales with the history's length, SharedStateRegistry operations per second
 * over a long realistic sequence, and storage validation's hashing throughput
 * next to `xxhsum -H1` on the same files, with its peak RSS measured in a child
 * process. Medians of several runs; ratios are measured in the same run.
 */
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeSnapshot, encodeSnapshot } from "../../src/codec.js";
import { xxh64 } from "../../src/hash/xxh64.js";
import type { SharedFileRef, Snapshot } from "../../src/model.js";
import { SharedStateRegistry } from "../../src/registry/shared-state-registry.js";
import { METADATA_FILE } from "../../src/storage/snapshot-root.js";
import { type LocatedInput, validateHistory, validateSnapshot } from "../../src/validate/index.js";
import { countRefs, DEFAULT_HISTORY_SHAPE, HistoryGenerator, type HistoryShape } from "./history-fixture.js";
import { gc, loadAverage, median, spread } from "./measure.js";

export interface SemanticsBenchOptions {
  /** Checkpoints of the long history (the short one has half). Default 1000. */
  checkpoints?: number;
  /** History shape (refs per checkpoint, backends, new files per checkpoint). */
  shape?: Partial<HistoryShape>;
  /** Timed validation rounds (each validates both histories). Default 7. */
  runs?: number;
  /** Completed checkpoints per registry run. Default 1000. */
  registryCheckpoints?: number;
  /** Timed registry runs. Default 5. */
  registryRuns?: number;
  /** Checkpoints kept by retention in the registry runs. Default 3. */
  keepLatest?: number;
  /** Every n-th checkpoint id is an attempt that is aborted. Default 25. */
  abortEvery?: number;
  /** Storage files and their size in MiB. Default 8 of 128 MiB. */
  hashFiles?: number;
  hashFileMiB?: number;
  /** Timed hashing rounds (xxhsum and ours alternately). Default 5. */
  hashRuns?: number;
  /** Skip the hashing part (no `xxhsum`, no temporary files). */
  skipHashing?: boolean;
  log?: (line: string) => void;
}

export const GOAL_SCALING = 2.2;
export const GOAL_HASH_RATIO = 0.8;
export const GOAL_RSS_MIB = 256;

export interface SemanticsBenchResult {
  validate: { checkpoints: number; refs: number; medianMs: number; refsPerSec: number; halfCheckpoints: number; halfMedianMs: number; scaling: number };
  registry: { opsPerSec: number; byKind: Record<string, { ops: number; opsPerSec: number }> };
  hashing?: { bytes: number; oursMBs: number; xxhsumMBs: number; ratio: number; peakRssMiB: number };
}

const f0 = (x: number): string => Math.round(x).toString();
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const met = (ok: boolean): string => (ok ? "met" : "NOT met");

// ---------------------------------------------------------------- 1. validation

/** The history as a loader would give it: each checkpoint encoded and decoded (fresh objects and strings, as from disk). */
function buildHistory(checkpoints: number, shape: HistoryShape): LocatedInput[] {
  const gen = new HistoryGenerator(shape);
  const root = "/bench/checkpoints/job";
  const out: LocatedInput[] = [];
  for (let i = 1; i <= checkpoints; i++) {
    const id = BigInt(i);
    const { snapshot } = gen.next(id, id - 1n);
    out.push({ snapshot: decodeSnapshot(encodeSnapshot(snapshot)), root, metadataPath: `${root}/chk-${id}/${METADATA_FILE}` });
  }
  return out;
}

interface ValidationRun { ms: number; snapshotMs: number; historyMs: number; findings: number; first?: string }

function validateAll(inputs: readonly LocatedInput[]): ValidationRun {
  gc();
  const t0 = performance.now();
  let findings = 0;
  let first: string | undefined;
  for (const l of inputs) {
    const f = validateSnapshot(l);
    findings += f.length;
    first ??= f[0] && `${f[0].rule} ${f[0].message}`;
  }
  const t1 = performance.now();
  const h = validateHistory(inputs);
  const t2 = performance.now();
  first ??= h[0] && `${h[0].rule} ${h[0].message}`;
  return { ms: t2 - t0, snapshotMs: t1 - t0, historyMs: t2 - t1, findings: findings + h.length, ...(first ? { first } : {}) };
}

function benchValidation(o: Required<Pick<SemanticsBenchOptions, "checkpoints" | "runs">> & { shape: HistoryShape }, log: (l: string) => void) {
  let t0 = performance.now();
  const full = buildHistory(o.checkpoints, o.shape);
  const half = full.slice(0, Math.floor(o.checkpoints / 2));
  const refs = full.reduce((n, l) => n + countRefs(l.snapshot), 0);
  const halfRefs = half.reduce((n, l) => n + countRefs(l.snapshot), 0);
  log(`semantics bench: built a history of ${full.length} checkpoints / ${refs} refs (${o.shape.operators * o.shape.subtasksPerOperator} backends), encoded and decoded, in ${f0(performance.now() - t0)} ms`);

  const check = (r: ValidationRun, what: string): void => {
    if (r.findings !== 0) throw new Error(`the ${what} history should be valid, but has ${r.findings} findings, first: ${r.first}`);
  };
  t0 = performance.now();
  const w1 = validateAll(half);
  const w2 = validateAll(full);
  check(w1, "short");
  check(w2, "long");
  log(`  warm-up: ${half.length} checkpoints ${f0(w1.ms)} ms, ${full.length} checkpoints ${f0(w2.ms)} ms`);
  const long: ValidationRun[] = [], short: ValidationRun[] = [];
  for (let i = 0; i < o.runs; i++) {
    // Alternate the order so that neither size always runs first.
    const a = i % 2 === 0 ? validateAll(full) : undefined;
    const b = validateAll(half);
    const c = a ?? validateAll(full);
    long.push(c); short.push(b);
    log(`  run ${i + 1}: ${full.length} checkpoints ${f0(c.ms)} ms (snapshots ${f0(c.snapshotMs)}, history ${f0(c.historyMs)}), ` +
      `${half.length} checkpoints ${f0(b.ms)} ms (snapshots ${f0(b.snapshotMs)}, history ${f0(b.historyMs)})`);
  }
  const medianMs = median(long.map((r) => r.ms));
  const halfMedianMs = median(short.map((r) => r.ms));
  return {
    checkpoints: full.length, refs, medianMs, refsPerSec: refs / (medianMs / 1000),
    halfCheckpoints: half.length, halfRefs, halfMedianMs,
    snapshotMs: median(long.map((r) => r.snapshotMs)), historyMs: median(long.map((r) => r.historyMs)),
    halfSnapshotMs: median(short.map((r) => r.snapshotMs)), halfHistoryMs: median(short.map((r) => r.historyMs)),
    scaling: medianMs / halfMedianMs,
    spreadMs: spread(long.map((r) => r.ms)), halfSpreadMs: spread(short.map((r) => r.ms)),
    /** Ratio within each round, less sensitive to load that drifts between rounds. */
    roundScaling: median(long.map((r, i) => r.ms / short[i]!.ms)),
  };
}

// ---------------------------------------------------------------- 2. registry

const KINDS = ["startPending", "recordUpload", "complete", "abort", "subsume", "discardPlan", "markDeleted"] as const;
type Kind = (typeof KINDS)[number];

interface RegistryRun { ms: Record<Kind, number>; ops: Record<Kind, number>; filesDeleted: number; refs: number; completed: number }

/** One registry run: `checkpoints` completed checkpoints, with aborted attempts in between. */
function registryRun(checkpoints: number, keepLatest: number, abortEvery: number, shape: HistoryShape): RegistryRun {
  const gen = new HistoryGenerator(shape);
  const reg = new SharedStateRegistry();
  const ms = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const ops = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const timed = <T>(kind: Kind, n: number, fn: () => T): T => {
    const t0 = performance.now();
    const r = fn();
    ms[kind] += performance.now() - t0;
    ops[kind] += n;
    return r;
  };
  let id = 0n, base = 0n, completed = 0, filesDeleted = 0, refs = 0;
  gc();
  while (completed < checkpoints) {
    id++;
    if (abortEvery > 0 && completed > 0 && id % BigInt(abortEvery) === 0n) {
      const uploads = gen.abortedUploads(id);
      timed("startPending", 1, () => reg.startPending(id));
      timed("recordUpload", uploads.length, () => { for (const f of uploads) reg.recordUpload(id, f); });
      timed("abort", 1, () => reg.abort(id));
      continue;
    }
    const { snapshot, uploads } = gen.next(id, base);
    refs += countRefs(snapshot);
    timed("startPending", 1, () => reg.startPending(id));
    timed("recordUpload", uploads.length, () => { for (const f of uploads) reg.recordUpload(id, f); });
    timed("complete", 1, () => reg.complete(id, snapshot));
    timed("subsume", 1, () => reg.subsume({ keepLatest }));
    const plan = timed("discardPlan", 1, () => reg.discardPlan());
    const paths = plan.map((f) => f.path);
    timed("markDeleted", 1, () => reg.markDeleted(paths));
    filesDeleted += paths.length;
    base = id;
    completed++;
  }
  if (reg.retainedCheckpoints().length !== Math.min(keepLatest, checkpoints) || reg.discardPlan().length !== 0 || reg.pendingSnapshots().length !== 0) {
    throw new Error("registry run ended in an unexpected state");
  }
  return { ms, ops, filesDeleted, refs, completed };
}

function benchRegistry(o: { registryCheckpoints: number; registryRuns: number; keepLatest: number; abortEvery: number; shape: HistoryShape }, log: (l: string) => void) {
  const w = registryRun(Math.min(200, o.registryCheckpoints), o.keepLatest, o.abortEvery, o.shape);
  const total = (r: RegistryRun): { ops: number; ms: number } => ({
    ops: KINDS.reduce((n, k) => n + r.ops[k], 0), ms: KINDS.reduce((n, k) => n + r.ms[k], 0),
  });
  log(`  warm-up: ${w.completed} checkpoints, ${total(w).ops} ops in ${f0(total(w).ms)} ms`);
  const runs: RegistryRun[] = [];
  for (let i = 0; i < o.registryRuns; i++) {
    const r = registryRun(o.registryCheckpoints, o.keepLatest, o.abortEvery, o.shape);
    runs.push(r);
    const t = total(r);
    log(`  run ${i + 1}: ${r.completed} checkpoints (${r.refs} refs), ${t.ops} ops in ${f0(t.ms)} ms; ` +
      KINDS.map((k) => `${k} ${f1(r.ms[k])} ms`).join(", ") + `; ${r.filesDeleted} files deleted`);
  }
  const r0 = runs[0]!;
  const byKind = Object.fromEntries(KINDS.map((k) => [k, {
    ops: r0.ops[k], opsPerSec: median(runs.map((r) => r.ops[k] / (r.ms[k] / 1000))), medianMs: median(runs.map((r) => r.ms[k])),
  }])) as Record<Kind, { ops: number; opsPerSec: number; medianMs: number }>;
  const opsPerSec = median(runs.map((r) => total(r).ops / (total(r).ms / 1000)));
  const refsPerSecComplete = median(runs.map((r) => r.refs / (r.ms.complete / 1000)));
  return { opsPerSec, byKind, refsPerSecComplete, filesDeleted: r0.filesDeleted, completed: r0.completed, totalOps: total(r0).ops };
}

// ---------------------------------------------------------------- 3. hashing

interface ChildResult { ms: number; cpuMs: number; filesChecked: number; findings: number; firstFinding?: string; rssBeforeKiB: number; maxRssKiB: number }

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

function readWhole(path: string, chunk: Uint8Array): void {
  const fd = openSync(path, "r");
  try {
    while (readSync(fd, chunk, 0, chunk.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

/** `xxhsum -H1 files`: wall time from spawn to exit, and the hashes it printed. */
function xxhsum(files: readonly string[]): { ms: number; hashes: Map<string, bigint> } {
  const t0 = performance.now();
  const r = spawnSync("xxhsum", ["-H1", ...files], { encoding: "utf8", maxBuffer: 1 << 24 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`xxhsum exited with ${r.status}: ${r.stderr}`);
  const hashes = new Map<string, bigint>();
  for (const line of r.stdout.split("\n")) {
    const m = /^([0-9a-f]{16}) {2}(.+)$/.exec(line);
    if (m) hashes.set(m[2]!, BigInt(`0x${m[1]}`));
  }
  return { ms, hashes };
}

/** User + system time of `xxhsum -H1 files` (bash's `times`, 10 ms resolution): a loaded machine disturbs it less than wall time. */
function xxhsumCpuMs(files: readonly string[]): number {
  const r = spawnSync("bash", ["-c", 'xxhsum -H1 "$@" >/dev/null; s=$?; times; exit $s', "xxhsum", ...files], { encoding: "utf8" });
  if (r.status !== 0) return NaN;
  // The second line of `times` is the children's: "0m0.110s 0m0.090s".
  const children = r.stdout.trim().split("\n").at(-1) ?? "";
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return secs.length === 2 ? (secs[0]! + secs[1]!) * 1000 : NaN;
}

function runChild(metadataPath: string): ChildResult {
  const child = fileURLToPath(new URL("./semantics-storage-child.js", import.meta.url));
  const r = spawnSync(process.execPath, [child, metadataPath], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`storage child exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

function benchHashing(o: { hashFiles: number; hashFileMiB: number; hashRuns: number }, log: (l: string) => void) {
  const root = mkdtempSync(join(tmpdir(), "ksnap-bench-hash-"));
  try {
    const fileBytes = o.hashFileMiB * 1024 * 1024;
    const chunk = new Uint8Array(8 * 1024 * 1024);
    mkdirSync(join(root, "shared"));
    const names = Array.from({ length: o.hashFiles }, (_, i) => `shared/blob-${String(i).padStart(4, "0")}.bin`);
    const paths = names.map((n) => join(root, ...n.split("/")));
    let t0 = performance.now();
    for (const p of paths) writeRandomFile(p, fileBytes, chunk);
    log(`  wrote ${o.hashFiles} files of ${o.hashFileMiB} MiB of random bytes under ${root} in ${f0(performance.now() - t0)} ms`);
    t0 = performance.now();
    for (const p of paths) readWhole(p, chunk);
    log(`  warmed the page cache (read every file once) in ${f0(performance.now() - t0)} ms`);

    // Reference hashes from xxhsum; the snapshot records them, so a clean storage check proves that both agree.
    const { hashes } = xxhsum(paths);
    const folder = "chk-1/op-a/0";
    const meta = new TextEncoder().encode("MANIFEST of the hashing bench\n");
    mkdirSync(join(root, ...folder.split("/")), { recursive: true });
    writeFileSync(join(root, ...folder.split("/"), "MANIFEST"), meta);
    const sharedFiles: SharedFileRef[] = names.map((path, i) => ({
      id: `blob/${String(i).padStart(4, "0")}`, path, size: BigInt(fileBytes), xxh64: hashes.get(paths[i]!)!, originCheckpointId: 1n,
    }));
    if (sharedFiles.some((f) => f.xxh64 === undefined)) throw new Error("xxhsum did not hash every file");
    const metaFile = { id: "blob/meta", path: `${folder}/MANIFEST`, size: BigInt(meta.length), xxh64: xxh64(meta) };
    const total = BigInt(fileBytes * o.hashFiles) + metaFile.size;
    const snapshot: Snapshot = {
      snapshotId: 1n, kind: "checkpoint", snapshotDir: "chk-1", jobId: "", timestampMillis: 0n,
      properties: { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" },
      maxParallelism: 128, operators: [{ operatorId: "op-a", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [{
        type: "incremental", backendId: "blob", keyGroups: { start: 0, count: 128 }, folder, checkpointId: 1n, baseCheckpointId: 0n,
        sharedFiles, privateFiles: [], metaFile, stateSize: total, checkpointedSize: total,
      }] }] }],
    };
    const metadataPath = join(root, "chk-1", METADATA_FILE);
    writeFileSync(metadataPath, encodeSnapshot(snapshot));

    const bytes = Number(total);
    const ours: ChildResult[] = [], theirs: number[] = [], theirsCpu: number[] = [];
    for (let i = 0; i < o.hashRuns; i++) {
      const x = xxhsum(paths).ms;
      const xc = xxhsumCpuMs(paths);
      const c = runChild(metadataPath);
      if (c.findings !== 0 || c.filesChecked !== o.hashFiles + 1) throw new Error(`storage check found ${c.findings} problems (${c.filesChecked} files): ${c.firstFinding}`);
      theirs.push(x); theirsCpu.push(xc); ours.push(c);
      log(`  run ${i + 1}: xxhsum -H1 ${f0(x)} ms (${f0(bytes / 1e6 / (x / 1000))} MB/s, CPU ${f0(xc)} ms), ` +
        `validateStorage ${f0(c.ms)} ms (${f0(bytes / 1e6 / (c.ms / 1000))} MB/s, CPU ${f0(c.cpuMs)} ms), ` +
        `child RSS ${f1(c.rssBeforeKiB / 1024)} MiB before, peak ${f1(c.maxRssKiB / 1024)} MiB`);
    }
    const oursMs = median(ours.map((c) => c.ms));
    const xxhsumMs = median(theirs);
    const oursMBs = bytes / 1e6 / (oursMs / 1000);
    const xxhsumMBs = bytes / 1e6 / (xxhsumMs / 1000);
    return {
      bytes, files: o.hashFiles, fileMiB: o.hashFileMiB, oursMBs, xxhsumMBs, ratio: oursMBs / xxhsumMBs,
      roundRatios: spread(ours.map((c, i) => theirs[i]! / c.ms), 2),
      oursCpuMs: median(ours.map((c) => c.cpuMs)), xxhsumCpuMs: median(theirsCpu),
      peakRssMiB: Math.max(...ours.map((c) => c.maxRssKiB)) / 1024, baseRssMiB: median(ours.map((c) => c.rssBeforeKiB)) / 1024,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- all

/** Runs the semantics benchmark and prints a summary block; returns the figures. */
export async function runSemanticsBench(options: SemanticsBenchOptions = {}): Promise<SemanticsBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const shape = { ...DEFAULT_HISTORY_SHAPE, ...options.shape };
  if (!(globalThis as { gc?: unknown }).gc) log("note: run node with --expose-gc for GC between phases");
  const started = performance.now();
  const loadBefore = loadAverage();

  log("semantics bench: validation (validateSnapshot over every checkpoint + validateHistory; no storage)");
  const v = benchValidation({ checkpoints: options.checkpoints ?? 1000, runs: options.runs ?? 7, shape }, log);
  gc();

  log("semantics bench: SharedStateRegistry (startPending, recordUpload, complete, subsume, discardPlan + markDeleted; aborted attempts)");
  const keepLatest = options.keepLatest ?? 3;
  const r = benchRegistry({
    registryCheckpoints: options.registryCheckpoints ?? 1000, registryRuns: options.registryRuns ?? 5,
    keepLatest, abortEvery: options.abortEvery ?? 25, shape,
  }, log);
  gc();

  let h: ReturnType<typeof benchHashing> | undefined;
  if (!options.skipHashing) {
    log("semantics bench: storage hashing (validateStorage in a child process, defaults) vs xxhsum -H1");
    h = benchHashing({ hashFiles: options.hashFiles ?? 8, hashFileMiB: options.hashFileMiB ?? 128, hashRuns: options.hashRuns ?? 5 }, log);
  }

  log("");
  log(`semantics: ${shape.operators * shape.subtasksPerOperator} backends, ${v.refs / v.checkpoints} refs per checkpoint, medians of ${options.runs ?? 7} runs after warm-up; ${f1((performance.now() - started) / 1000)} s in all`);
  log(`load average (1, 5, 15 min): ${loadBefore.map(f2).join(" ")} before, ${loadAverage().map(f2).join(" ")} after`);
  log(`validate ${v.checkpoints} checkpoints / ${v.refs} refs: ${f0(v.medianMs)} ms (${v.spreadMs}; ${f0(v.refsPerSec)} refs/s; snapshots ${f0(v.snapshotMs)} ms, history ${f0(v.historyMs)} ms)`);
  log(`validate ${v.halfCheckpoints} checkpoints / ${v.halfRefs} refs: ${f0(v.halfMedianMs)} ms (${v.halfSpreadMs}; ${f0(v.halfRefs / (v.halfMedianMs / 1000))} refs/s; snapshots ${f0(v.halfSnapshotMs)} ms, history ${f0(v.halfHistoryMs)} ms)`);
  log(`validate scaling ${v.checkpoints} vs ${v.halfCheckpoints}: ${f2(v.scaling)}× (goal ≤ ${GOAL_SCALING}, ${met(v.scaling <= GOAL_SCALING)}; median of per-round ratios ${f2(v.roundScaling)}×)`);
  log(`registry: ${f0(r.opsPerSec)} ops/s (${r.totalOps} ops over ${r.completed} checkpoints, keep latest ${keepLatest}; ` +
    KINDS.map((k) => `${k} ${f0(r.byKind[k].opsPerSec)}/s`).join(", ") + `; complete ${f0(r.refsPerSecComplete)} refs/s; ${r.filesDeleted} files deleted)`);
  if (h !== undefined) {
    log(`hashing: ${f0(h.oursMBs)} MB/s vs xxhsum ${f0(h.xxhsumMBs)} MB/s: ratio ${f2(h.ratio)} (rounds ${h.roundRatios}; goal ≥ ${GOAL_HASH_RATIO}, ${met(h.ratio >= GOAL_HASH_RATIO)}; ${h.files} files of ${h.fileMiB} MiB, page cache warm; ` +
      `CPU ${f0(h.oursCpuMs)} ms vs ${f0(h.xxhsumCpuMs)} ms)`);
    log(`storage validation peak RSS: ${f1(h.peakRssMiB)} MiB (goal < ${GOAL_RSS_MIB}, ${met(h.peakRssMiB < GOAL_RSS_MIB)}; ${f1(h.baseRssMiB)} MiB before the check)`);
  }
  return {
    validate: { checkpoints: v.checkpoints, refs: v.refs, medianMs: v.medianMs, refsPerSec: v.refsPerSec, halfCheckpoints: v.halfCheckpoints, halfMedianMs: v.halfMedianMs, scaling: v.scaling },
    registry: { opsPerSec: r.opsPerSec, byKind: Object.fromEntries(KINDS.map((k) => [k, { ops: r.byKind[k].ops, opsPerSec: r.byKind[k].opsPerSec }])) },
    ...(h ? { hashing: { bytes: h.bytes, oursMBs: h.oursMBs, xxhsumMBs: h.xxhsumMBs, ratio: h.ratio, peakRssMiB: h.peakRssMiB } } : {}),
  };
}
