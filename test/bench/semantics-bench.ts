/**
 * Snapshot semantics benchmark: validation of a long incremental history
 * (validateSnapshot over every checkpoint + validateHistory) and how its cost
 * scales with the history's length, SharedStateRegistry operations per second
 * over a long realistic sequence, and storage hashing as a process: `ksnap validate` next to `xxhsum -H1` on the
 * same files, large and small ([hashing-bench.ts](./hashing-bench.ts)). Medians of several runs; ratios are measured
 * in the same run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSnapshot, encodeSnapshot } from "../../src/codec.js";
import { SharedStateRegistry } from "../../src/registry/shared-state-registry.js";
import { METADATA_FILE } from "../../src/storage/snapshot-root.js";
import { type LocatedInput, validateHistory, validateSnapshot } from "../../src/validate/index.js";
import { countRefs, DEFAULT_HISTORY_SHAPE, HistoryGenerator, type HistoryShape } from "./history-fixture.js";
import { benchHashing, type HashingFigure } from "./hashing-bench.js";
import { gc, loadAverage, median, spread } from "./measure.js";
import { recordRow } from "./summary-table.js";

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
  /** Large storage files and their size in MiB. Default 8 of 128 MiB. */
  hashFiles?: number;
  hashFileMiB?: number;
  /** Small storage files and their size in KiB. Default 100,000 (env KSNAP_BENCH_SMALL_FILES) of 4 KiB. */
  smallFiles?: number;
  smallFileKiB?: number;
  /** Timed hashing rounds of each figure (xxhsum and ours alternately). Default 5. */
  hashRuns?: number;
  /** Skip the hashing part (no `xxhsum`, no temporary files). */
  skipHashing?: boolean;
  log?: (line: string) => void;
}

export const GOAL_SCALING = 2.2;
export const GOAL_HASH_RATIO = 0.8;
export const GOAL_SMALL_FILES_RATIO = 0.5;
export const GOAL_RSS_MIB = 256;

export interface SemanticsBenchResult {
  validate: { checkpoints: number; refs: number; medianMs: number; refsPerSec: number; halfCheckpoints: number; halfMedianMs: number; scaling: number };
  registry: { opsPerSec: number; byKind: Record<string, { ops: number; opsPerSec: number }> };
  hashing?: { large: HashingFigure; small: HashingFigure };
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
    log("semantics bench: storage hashing as a process (node dist/src/cli/bin.js validate ROOT) vs xxhsum -H1 on the same files, page cache warm");
    const dir = mkdtempSync(join(tmpdir(), "ksnap-bench-hash-"));
    try {
      h = benchHashing(dir, {
        hashFiles: options.hashFiles ?? 8, hashFileMiB: options.hashFileMiB ?? 128,
        smallFiles: options.smallFiles ?? Number(process.env.KSNAP_BENCH_SMALL_FILES ?? 100_000), smallFileKiB: options.smallFileKiB ?? 4,
        rounds: options.hashRuns ?? 5,
      }, log);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  log("");
  log(`semantics: ${shape.operators * shape.subtasksPerOperator} backends, ${v.refs / v.checkpoints} refs per checkpoint, medians of ${options.runs ?? 7} runs after warm-up; ${f1((performance.now() - started) / 1000)} s in all`);
  log(`load average (1, 5, 15 min): ${loadBefore.map(f2).join(" ")} before, ${loadAverage().map(f2).join(" ")} after`);
  log(`validate ${v.checkpoints} checkpoints / ${v.refs} refs: ${f0(v.medianMs)} ms (${v.spreadMs}; ${f0(v.refsPerSec)} refs/s; snapshots ${f0(v.snapshotMs)} ms, history ${f0(v.historyMs)} ms)`);
  log(`validate ${v.halfCheckpoints} checkpoints / ${v.halfRefs} refs: ${f0(v.halfMedianMs)} ms (${v.halfSpreadMs}; ${f0(v.halfRefs / (v.halfMedianMs / 1000))} refs/s; snapshots ${f0(v.halfSnapshotMs)} ms, history ${f0(v.halfHistoryMs)} ms)`);
  log(`validate scaling ${v.checkpoints} vs ${v.halfCheckpoints}: ${f2(v.scaling)}× (goal ≤ ${GOAL_SCALING}, ${met(v.scaling <= GOAL_SCALING)}; median of per-round ratios ${f2(v.roundScaling)}×)`);
  log(`registry: ${f0(r.opsPerSec)} ops/s (${r.totalOps} ops over ${r.completed} checkpoints, keep latest ${keepLatest}; ` +
    KINDS.map((k) => `${k} ${f0(r.byKind[k].opsPerSec)}/s`).join(", ") + `; complete ${f0(r.refsPerSecComplete)} refs/s; ${r.filesDeleted} files deleted)`);
  recordRow({
    bench: "semantics", what: `validate a history of ${v.checkpoints.toLocaleString("en")} checkpoints, ${v.refs.toLocaleString("en")} refs, metadata and history only (in process)`,
    figure: `${f0(v.medianMs)} ms (${v.spreadMs}), ${f0(v.refsPerSec)} refs/s`,
    baseline: `${v.halfCheckpoints} checkpoints: ${f0(v.halfMedianMs)} ms (${v.halfSpreadMs})`,
    ratio: `${f2(v.scaling)}× (per-round ${f2(v.roundScaling)}×)`, goal: `scaling ≤ ${GOAL_SCALING}×`, met: v.scaling <= GOAL_SCALING,
  });
  recordRow({
    bench: "semantics", what: `SharedStateRegistry over ${r.completed} checkpoints (keep latest ${keepLatest})`,
    figure: `${f0(r.opsPerSec)} ops/s; complete ${f0(r.refsPerSecComplete)} refs/s`,
  });
  if (h !== undefined) {
    const { large, small } = h;
    log(`hashing, ${large.files} files of ${f0(large.bytes / large.files / (1 << 20))} MiB: ksnap validate ${f0(large.oursMs)} ms (${large.oursSpread}; ${f0(large.bytes / 1e6 / (large.oursMs / 1000))} MB/s) ` +
      `vs xxhsum -H1 ${f0(large.theirsMs)} ms (${large.theirsSpread}): ratio ${f2(large.ratio)} (rounds ${large.roundRatios}; goal ≥ ${GOAL_HASH_RATIO}, ${met(large.ratio >= GOAL_HASH_RATIO)}); ` +
      `peak RSS ${f1(large.peakRssMiB)} MiB (goal < ${GOAL_RSS_MIB}, ${met(large.peakRssMiB < GOAL_RSS_MIB)})`);
    log(`hashing, ${small.files} files of ${f0(small.bytes / small.files / 1024)} KiB: ksnap validate ${f0(small.oursMs)} ms (${small.oursSpread}; ${f0(small.files / (small.oursMs / 1000))} files/s) ` +
      `vs find | xargs xxhsum -H1 ${f0(small.theirsMs)} ms (${small.theirsSpread}): ratio ${f2(small.ratio)} (rounds ${small.roundRatios}; goal ≥ ${GOAL_SMALL_FILES_RATIO}, ${met(small.ratio >= GOAL_SMALL_FILES_RATIO)}); ` +
      `peak RSS ${f1(small.peakRssMiB)} MiB (goal < ${GOAL_RSS_MIB}, ${met(small.peakRssMiB < GOAL_RSS_MIB)})`);
    recordRow({
      bench: "semantics", what: `\`ksnap validate ROOT\` as a process, ${large.files} × ${f0(large.bytes / large.files / (1 << 20))} MiB, page cache warm`,
      figure: `${f0(large.oursMs)} ms (${large.oursSpread})`, baseline: `xxhsum -H1: ${f0(large.theirsMs)} ms (${large.theirsSpread})`,
      ratio: `${f2(large.ratio)}× (rounds ${large.roundRatios})`, goal: `≥ ${GOAL_HASH_RATIO}×`, met: large.ratio >= GOAL_HASH_RATIO,
    });
    recordRow({
      bench: "semantics", what: `the same, ${small.files.toLocaleString("en")} × ${f0(small.bytes / small.files / 1024)} KiB`,
      figure: `${f0(small.oursMs)} ms (${small.oursSpread})`, baseline: `find | xargs xxhsum -H1: ${f0(small.theirsMs)} ms (${small.theirsSpread})`,
      ratio: `${f2(small.ratio)}× (rounds ${small.roundRatios})`, goal: `≥ ${GOAL_SMALL_FILES_RATIO}×`, met: small.ratio >= GOAL_SMALL_FILES_RATIO,
    });
    const peak = Math.max(large.peakRssMiB, small.peakRssMiB);
    recordRow({ bench: "semantics", what: "peak RSS of those `validate` processes", figure: `${f1(peak)} MiB`, goal: `< ${GOAL_RSS_MIB} MiB`, met: peak < GOAL_RSS_MIB });
  }
  return {
    validate: { checkpoints: v.checkpoints, refs: v.refs, medianMs: v.medianMs, refsPerSec: v.refsPerSec, halfCheckpoints: v.halfCheckpoints, halfMedianMs: v.halfMedianMs, scaling: v.scaling },
    registry: { opsPerSec: r.opsPerSec, byKind: Object.fromEntries(KINDS.map((k) => [k, { ops: r.byKind[k].ops, opsPerSec: r.byKind[k].opsPerSec }])) },
    ...(h ? { hashing: h } : {}),
  };
}
