/**
 * Garbage collection of a checkpoint root, end to end
 * ([spec](../../spec/ownership.md#garbage-collection-of-a-root)): read the
 * whole history, refuse if it is invalid, plan from all of it, list orphans,
 * and delete only when asked.
 */
import { KsnapError } from "../errors.js";
import { applyGc, NODE_DELETE_OPS, type DeleteOps, type GcOutcome } from "./gc-apply.js";
import { escapingPathProblems, missingFileProblems } from "./gc-disk-checks.js";
import { readRootHistory, type RootHistory } from "./gc-history.js";
import { findOrphans, type Orphan } from "./gc-orphans.js";
import { planGc, type GcPlan } from "./gc-plan.js";
import { historyProblems } from "./history-checks.js";
import { referencedPaths } from "../snapshot-walk.js";

/** What the user asked for. */
export interface GcRequest {
  /** Number of latest checkpoints to keep, at least 1. */
  retain: number;
  /** Delete; otherwise only plan. */
  apply: boolean;
  /** Orphans modified less than this many milliseconds ago are kept. */
  graceMs: number;
}

/** The clock and the deletions, replaceable in tests. */
export interface GcEnvironment {
  now: number;
  ops: DeleteOps;
}

/** Everything a run found and did. `plan` is undefined when the run was refused. */
export interface GcReport {
  root: string;
  request: GcRequest;
  /** Why the history is refused; empty when it is valid. Nothing is deleted when it is not empty. */
  problems: KsnapError[];
  plan: GcPlan | undefined;
  orphans: Orphan[];
  /** What was deleted; undefined on a dry run or a refusal. */
  outcome: GcOutcome | undefined;
}

/**
 * Runs garbage collection of `root`.
 * @throws KsnapError IO_ERROR when `root` cannot be read or holds no metadata file.
 */
export function runGc(root: string, request: GcRequest, env: Partial<GcEnvironment> = {}): GcReport {
  const report: GcReport = { root, request, problems: [], plan: undefined, orphans: [], outcome: undefined };
  const history = readRootHistory(root);
  report.problems = validityProblems(history, request.retain);
  if (report.problems.length > 0) return report;
  try {
    report.plan = planGc(history.checkpoints, { keepLatest: request.retain });
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    report.problems = [e];
    return report;
  }
  report.orphans = findOrphans(root, knownPaths(history), env.now ?? Date.now(), request.graceMs);
  if (request.apply) report.outcome = applyGc(root, history.checkpoints, report.plan, report.orphans, env.ops ?? NODE_DELETE_OPS);
  return report;
}

function validityProblems(history: RootHistory, retain: number): KsnapError[] {
  if (history.problems.length > 0) return history.problems;
  const entries = history.checkpoints.map((c) => ({ snapshot: c.snapshot, file: c.file }));
  const problems = historyProblems(entries, history.userFolders);
  const retained = history.checkpoints.slice(Math.max(0, history.checkpoints.length - retain));
  return [...problems, ...escapingPathProblems(history.root, history.checkpoints), ...missingFileProblems(history.root, retained)];
}

// Every path a checkpoint's metadata refers to, subsumed ones included (their
// files are in the plan, not orphans), and the metadata files themselves.
function knownPaths(history: RootHistory): Set<string> {
  const known = new Set<string>();
  for (const c of history.checkpoints) {
    known.add(c.metadata);
    for (const p of referencedPaths(c.snapshot)) known.add(p);
  }
  return known;
}
