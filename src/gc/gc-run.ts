/**
 * Garbage collection of a checkpoint root, end to end
 * ([spec](../../spec/ownership.md#garbage-collection-of-a-root)): validate the
 * whole root with validation's own rules (sizes, not hashes), refuse when a
 * listed rule fires, read the other roots that may refer to it, plan from the
 * whole history, list orphans, and delete only when asked, through the storage
 * seam. A Flink job directory is read through its conversion
 * ([spec](../../spec/flink.md#garbage-collection-of-a-job-directory)).
 */
import { KsnapError } from "../errors.js";
import type { FileRef } from "../model.js";
import { eachSegment } from "../snapshot-walk.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import { METADATA_FILE, SHARED_DIR } from "../storage/snapshot-root.js";
import { FLINK_METADATA_FILE, TASK_OWNED_DIR } from "../flink/find-metadata.js";
import { loadAnyTree } from "../flink/load-any-tree.js";
import type { TreeLoader } from "../validate/load-snapshots.js";
import { outsideReferences, type OutsideReferences } from "./gc-referenced-by.js";
import { describeKind, type Storage } from "../storage/storage.js";
import type { Finding } from "../validate/finding.js";
import type { StorageProgress } from "../validate/validate-storage.js";
import { validateTree } from "../validate/validate-path.js";
import { applyGc, type GcOutcome } from "./gc-apply.js";
import { rootHistory, type RootCheckpoint } from "./gc-history.js";
import { findOrphans, type Orphan } from "./gc-orphans.js";
import { planGc, type GcPlan } from "./gc-plan.js";
import { forEachLimited } from "../validate/run-limited.js";

/** Storage lookups in flight while the plan is read back from storage. */
const STAT_CONCURRENCY = 16;
import { refusesGc } from "./gc-refusals.js";

/** What the user asked for. */
export interface GcRequest {
  /** Number of latest checkpoints to keep, at least 1. */
  retain: number;
  /** Delete; otherwise only plan. */
  apply: boolean;
  /** Orphans modified less than this many milliseconds ago are kept. */
  graceMs: number;
  /**
   * Other roots, job directories and snapshots that may refer to this root's files (a job restored from one of its
   * checkpoints): every file of this root they refer to is kept. References from anywhere else cannot be seen.
   */
  referencedBy?: readonly string[];
}

/** The clock, the storage seam and progress, replaceable in tests and by the CLI. */
export interface GcEnvironment {
  now: number;
  store: Storage;
  onProgress: (progress: StorageProgress) => void;
  /**
   * How the root and the `referencedBy` paths are read: by default {@link loadAnyTree} (KSNAP, or Flink job
   * directories and snapshots, converted).
   */
  load: TreeLoader;
  /** The storage of each `referencedBy` path ({@link storageFor} in the CLI); by default `store`. */
  storeFor: (location: string) => Storage;
}

/** Everything a run found and did. `plan` is undefined when the run was refused. */
export interface GcReport {
  root: string;
  request: GcRequest;
  /**
   * Why the history is refused: validation's findings of a refusing rule
   * (spec/ownership.md lists them), or, should the rebuilt registry still refuse,
   * its error as a finding named by its code. Nothing is deleted when this is not empty.
   */
  problems: Finding[];
  plan: GcPlan | undefined;
  orphans: Orphan[];
  /** What was deleted; undefined on a dry run or a refusal. */
  outcome: GcOutcome | undefined;
  /** `flink` for a Flink job directory. */
  layout: "ksnap" | "flink";
  /** What the `referencedBy` paths refer to under the root; undefined when none was given or the run was refused first. */
  outside: OutsideReferences | undefined;
}

/**
 * Runs garbage collection of `root`.
 * @throws KsnapError IO_ERROR when `root` cannot be read or holds no checkpoint;
 *   LAYOUT_MISMATCH when it is a snapshot's folder rather than a checkpoint root.
 */
export async function runGc(root: string, request: GcRequest, env: Partial<GcEnvironment> = {}): Promise<GcReport> {
  const store = env.store ?? LOCAL_STORAGE;
  const load = env.load ?? ((path: string, s: Storage) => loadAnyTree(path, s));
  const report: GcReport = {
    root, request, problems: [], plan: undefined, orphans: [], outcome: undefined, layout: "ksnap", outside: undefined,
  };
  await checkRoot(store, root);
  const { result, tree } = await validateTree(root, {
    store, hashes: false, warnUnhashed: false, load, ...(env.onProgress ? { onProgress: env.onProgress } : {}),
  });
  report.layout = tree.layout ?? "ksnap";
  report.problems = result.findings.filter((f) => refusesGc(f.rule));
  if (report.problems.length > 0) return report;
  const history = rootHistory(root, tree, store);
  if (history.checkpoints.length === 0) {
    throw new KsnapError("IO_ERROR", "no checkpoint of this root under this folder: it is not a checkpoint root", { file: root });
  }
  const sources = request.referencedBy ?? [];
  const keep = new Set<string>();
  if (sources.length > 0) {
    report.outside = await outsideReferences(store, root, tree.folder!.real, sources, load, env.storeFor ?? (() => store));
    report.problems = report.outside.problems;
    if (report.problems.length > 0) return report;
    for (const p of report.outside.paths.keys()) keep.add(p);
  }
  try {
    report.plan = planGc(history.checkpoints, { keepLatest: request.retain }, keep);
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    // Validation's rules are meant to catch all the registry refuses; the property tests check it.
    report.problems = [{ rule: e.code, severity: "error", location: { ...(e.file ? { file: e.file } : {}), ...(e.field ? { field: e.field } : {}) }, message: e.message }];
    return report;
  }
  await plannedOnStorage(store, root, history.checkpoints, report.plan);
  const folders = report.layout === "flink" ? [SHARED_DIR, TASK_OWNED_DIR] : [SHARED_DIR];
  report.orphans = await findOrphans(store, root, tree.folder!.scan, history, env.now ?? Date.now(), request.graceMs, { folders, keep });
  if (request.apply) report.outcome = await applyGc(store, tree.folder!.real, history.checkpoints, report.plan, report.orphans, keep);
  return report;
}

/**
 * The planned files as storage holds them at planning time, for the check just before each delete: the
 * modification time of each, and each physical file of segments (1.1) with its size on storage (its size is not
 * recorded, so the registry plans it with size 0, and the report would understate the bytes gc frees).
 */
async function plannedOnStorage(store: Storage, root: string, checkpoints: readonly RootCheckpoint[], plan: GcPlan): Promise<void> {
  const physical = new Set(checkpoints.flatMap((c) => [...eachSegment(c.snapshot)].map((s) => s.ref.path)));
  plan.modifiedMs = new Map();
  await forEachLimited(plan.files, STAT_CONCURRENCY, async (f, i) => {
    const info = await store.info(store.locate(root, f.path));
    if (info?.kind !== "file") return;
    plan.modifiedMs!.set(f.path, info.modifiedMs);
    if (physical.has(f.path)) plan.files[i] = { ...f, size: info.size };
  });
}

async function checkRoot(store: Storage, root: string): Promise<void> {
  const info = await store.infoFollowing(root);
  if (info === undefined) throw store.missing(root);
  if (info.kind !== "folder") {
    const what = info.kind === "other" ? `it is ${describeKind(info)}, not a folder` : "is not a folder";
    throw new KsnapError("IO_ERROR", `${what}: gc takes a checkpoint root`, { file: root });
  }
  for (const name of [METADATA_FILE, FLINK_METADATA_FILE]) {
    if (await store.info(store.child(root, name)) !== undefined) {
      throw new KsnapError("LAYOUT_MISMATCH",
        `the folder holds ${name} itself, so it is a snapshot's folder, not a checkpoint root`, { file: store.child(root, name) });
    }
  }
}
