/**
 * `ksnap report PATH -o report.html [--json] [--retain N] [--grace-period D] [--no-storage]`: a checkpoint root, a
 * snapshot or a Flink job directory as one self-contained HTML page (src/report/), or its data as JSON
 * (schemas/report-v1.schema.json). Problems in the history do not stop it: the page shows them first. Exit status 0
 * when the report is written, whatever it found; 1 only when the path holds nothing to report on.
 */
import { Option, type Command } from "commander";
import { collectReport } from "../report/collect-report.js";
import { storageFor } from "../storage/storage-for.js";
import { addEndpointOption, storageChoice } from "./endpoint-option.js";
import { formatBytes } from "../report/html-text.js";
import { pageAssets } from "../report/page-assets.js";
import { renderHtml } from "../report/render-html.js";
import { reportJson } from "../report/report-json.js";
import type { ReportData } from "../report/report-model.js";
import { writeAtomically } from "../storage/local-atomic-write.js";
import { parseGrace, parseRetain } from "./gc-command.js";
import { usageError } from "./usage-error.js";

/** The options as commander parses them. */
export interface ReportCommandOptions {
  output?: string;
  json?: boolean;
  retain: number;
  /** Milliseconds. */
  gracePeriod?: number;
  storage: boolean;
  kind?: "checkpoint" | "savepoint";
  jobUri?: string;
  /** For an `s3://` path: the S3-compatible server's URL. */
  endpoint?: string;
}

/** Adds `report` to `program`. */
export function registerReport(program: Command): void {
  const cmd = program.command("report")
    .description("write a self-contained HTML page about a checkpoint history: checkpoint sizes, file lifetimes, state per operator " +
      "and key group, validate's findings, gc's plan, savepoint contents")
    .argument("<path>", "a checkpoint root, a snapshot (its metadata file or folder), or a Flink job directory or _metadata")
    .option("-o, --output <file>", "where to write the page (or, with --json, the JSON); required for the page")
    .option("--json", "the report's data as JSON (schemas/report-v1.schema.json), on stdout unless -o is given")
    .option("--retain <n>", "the --retain of the gc dry run the report shows (default 1)", parseRetain, 1)
    .option("--grace-period <duration>", "the gc dry run's grace period for orphans: 3d (default), 12h, 0", parseGrace)
    .option("--no-storage", "do not read referenced files (existence, size, xxh64) nor savepoint data files")
    .addOption(new Option("--kind <kind>", "Flink input only: checkpoint or savepoint, for a _metadata without CheckpointProperties")
      .choices(["checkpoint", "savepoint"]))
    .option("--job-uri <uri>", "Flink input only: the path or URI Flink wrote the job directory under, when it is read here under another path");
  addEndpointOption(cmd).action(async (path: string, opts: ReportCommandOptions) => {
    await report(path, opts);
  });
}

/**
 * Makes the report of `path` and writes it (atomically) where `opts` say. Returns the data, for tests.
 * @throws KsnapError IO_ERROR when `path` cannot be read or holds no metadata file.
 */
export async function report(path: string, opts: ReportCommandOptions): Promise<ReportData> {
  if (opts.output === undefined && opts.json !== true) throw usageError("report: give the page's file with -o FILE (or --json for the data)");
  const flink = { ...(opts.kind === undefined ? {} : { kind: opts.kind }), ...(opts.jobUri === undefined ? {} : { jobUri: opts.jobUri }) };
  // The history may be on S3 (s3://bucket/prefix); the page is written locally.
  const data = await collectReport(path, {
    retain: opts.retain, storage: opts.storage, flink, store: storageFor(path, storageChoice(opts)),
    ...(opts.gracePeriod === undefined ? {} : { graceMs: opts.gracePeriod }),
  });
  const text = opts.json === true ? reportJson(data) : renderHtml(data, await pageAssets());
  if (opts.output === undefined) {
    process.stdout.write(text);
    return data;
  }
  const bytes = Buffer.from(text, "utf8");
  await writeAtomically(opts.output, bytes);
  const s = data.summary;
  const errors = s.errors > 0 ? `${s.errors} error(s), shown first` : "no error";
  process.stdout.write(`wrote ${opts.output} (${formatBytes(bytes.length)}): ${s.checkpoints} checkpoint(s), ${s.savepoints} savepoint(s), ` +
    `${s.files} file(s); ${errors}, ${s.warnings} warning(s)\n`);
  return data;
}
