/**
 * `ksnap gc ROOT --retain N [--apply] [--grace-period DURATION] [--json]`
 * ([spec](../../spec/ownership.md#garbage-collection-of-a-root)): deletes what
 * subsumed checkpoints and old orphans leave under a checkpoint root. A dry run
 * unless --apply; refuses (exit 1, nothing deleted) when the history is invalid.
 */
import { InvalidArgumentError, type Command } from "commander";
import { parseDuration } from "../gc/duration.js";
import { DEFAULT_GRACE_MS } from "../gc/gc-orphans.js";
import { gcRefusalText, gcReportJson, gcReportText } from "../gc/gc-report.js";
import { runGc, type GcEnvironment, type GcReport } from "../gc/gc-run.js";
import { progressBarFor } from "./progress-bar.js";
import { reportProblems } from "./exit-status.js";

/** The options as commander parses them. */
export interface GcOptions {
  retain: number;
  apply?: boolean;
  /** Milliseconds; 3 days when absent. */
  gracePeriod?: number;
  json?: boolean;
}

/** Adds `gc` to `program`. */
export function registerGc(program: Command): void {
  program.command("gc")
    .description("delete subsumed checkpoints, files no kept checkpoint refers to, and old orphans under a checkpoint root (dry run unless --apply)")
    .argument("<root>", "a checkpoint root: the folder holding shared/ and chk-<id>/")
    .requiredOption("--retain <n>", "keep the latest N checkpoints (N >= 1)", parseRetain)
    .option("--apply", "delete; without it, only print the plan")
    .option("--grace-period <duration>", "delete orphans only when modified longer ago than this: 3d (default), 12h, 90m, 1d12h, 0", parseGrace)
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
    report = await runGc(root, { retain: opts.retain, apply: opts.apply === true, graceMs: opts.gracePeriod ?? DEFAULT_GRACE_MS },
      { onProgress: (p) => bar.update(p), ...env });
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

function parseRetain(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1 (the latest checkpoint is always kept)");
  return n;
}

function parseGrace(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError("must be a duration such as 3d, 12h, 90m, 45s, 1d12h or 0");
  return ms;
}
