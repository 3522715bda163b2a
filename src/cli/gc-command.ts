/**
 * `ksnap gc ROOT --retain N [--apply] [--grace-period DURATION] [--referenced-by PATH…] [--json]`
 * ([spec](../../spec/ownership.md#garbage-collection-of-a-root)): deletes what
 * subsumed checkpoints and old orphans leave under a checkpoint root or a Flink
 * job directory ([spec](../../spec/flink.md#garbage-collection-of-a-job-directory)).
 * A dry run unless --apply; refuses (exit 1, nothing deleted) when the history is invalid.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { loadAnyTree } from "../flink/load-any-tree.js";
import type { SnapshotKind } from "../model.js";
import { parseDuration } from "../gc/duration.js";
import { DEFAULT_GRACE_MS } from "../gc/gc-orphans.js";
import { gcRefusalText, gcReportJson, gcReportText } from "../gc/gc-report.js";
import { runGc, type GcEnvironment, type GcReport } from "../gc/gc-run.js";
import { progressBarFor } from "./progress-bar.js";
import { reportProblems } from "./exit-status.js";
import { addEndpointOption, storageChoice } from "./endpoint-option.js";
import { storageFor, type StorageChoice } from "../storage/storage-for.js";

/** The options as commander parses them. */
export interface GcOptions extends StorageChoice {
  retain: number;
  apply?: boolean;
  /** Milliseconds; 3 days when absent. */
  gracePeriod?: number;
  json?: boolean;
  /** Other roots, job directories and snapshots that may refer to this root's files. */
  referencedBy?: string[];
  /** Flink: the kind of a `_metadata` without CheckpointProperties outside a `chk-<n>` folder. */
  kind?: SnapshotKind;
  /** Flink: the path or URI Flink wrote the job directory under, when it is read here under another one. */
  jobUri?: string;
}

/** Adds `gc` to `program`. */
export function registerGc(program: Command): void {
  addEndpointOption(program.command("gc"))
    .description("delete subsumed checkpoints, files no kept checkpoint refers to, and old orphans under a checkpoint root (dry run unless --apply)")
    .argument("<root>", "a checkpoint root: the folder holding shared/ and chk-<id>/; or a Flink job directory (chk-<n>/_metadata, shared/, taskowned/)")
    .requiredOption("--retain <n>", "keep the latest N checkpoints (N >= 1)", parseRetain)
    .option("--apply", "delete; without it, only print the plan")
    .option("--grace-period <duration>", "delete orphans only when modified longer ago than this: 3d (default), 12h, 90m, 1d12h, 0", parseGrace)
    .option("--referenced-by <paths...>", "other roots, Flink job directories or snapshots that may use this root's files " +
      "(a job restored or started from one of its checkpoints): every file of this root they refer to is kept; " +
      "references from anywhere else cannot be seen")
    .addOption(new Option("--kind <kind>", "Flink input only: checkpoint or savepoint, for a _metadata without CheckpointProperties outside chk-<n>/")
      .choices(["checkpoint", "savepoint"]))
    .option("--job-uri <uri>", "Flink input only: the path or URI Flink wrote the job directory under, when it is read here under another path")
    .option("--json", "print the report as JSON")
    .action(async (root: string, opts: GcOptions) => {
      await gc(root, opts);
    });
}

/**
 * Runs gc on `root` and prints its report. Exit status 1 (through
 * reportProblems) when the history is refused, a delete failed or storage
 * refused a delete.
 * @throws KsnapError IO_ERROR when `root` cannot be read or holds no metadata file.
 */
export async function gc(root: string, opts: GcOptions, env: Partial<GcEnvironment> = {}): Promise<GcReport> {
  const bar = progressBarFor(process.stderr);
  let report: GcReport;
  try {
    const flink = { ...(opts.kind === undefined ? {} : { kind: opts.kind }), ...(opts.jobUri === undefined ? {} : { jobUri: opts.jobUri }) };
    report = await runGc(root, {
      retain: opts.retain, apply: opts.apply === true, graceMs: opts.gracePeriod ?? DEFAULT_GRACE_MS, referencedBy: opts.referencedBy ?? [],
    }, {
      store: storageFor(root, storageChoice(opts)), storeFor: (path) => storageFor(path, storageChoice(opts)),
      onProgress: (p) => bar.update(p), load: (path, store) => loadAnyTree(path, store, flink), ...env,
    });
  } finally {
    bar.stop();
  }
  const refused = report.problems.length > 0;
  if (opts.json) process.stdout.write(gcReportJson(report));
  else if (refused) process.stderr.write(gcRefusalText(report));
  else process.stdout.write(gcReportText(report));
  if (refused || (report.outcome?.failed.length ?? 0) > 0 || report.outcome?.stopped !== undefined) reportProblems();
  return report;
}

/** `--retain N`: a whole number of at least 1 (also `report`'s). */
export function parseRetain(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1 (the latest checkpoint is always kept)");
  return n;
}

/** `--grace-period D` in milliseconds (also `report`'s). */
export function parseGrace(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError("must be a duration such as 3d, 12h, 90m, 45s, 1d12h or 0");
  return ms;
}
