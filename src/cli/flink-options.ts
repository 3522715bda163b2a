/** The `--job-dir`, `--kind` and `--job-uri` options of the commands that read Flink snapshots (`inspect`, `convert`, `validate`, `diff`, `plan-restore`). */
import { Option, type Command } from "commander";
import type { FlinkArgumentOptions } from "./flink-argument.js";

/** Adds `--job-dir DIR`, `--kind checkpoint|savepoint` and `--job-uri URI` to `cmd`. */
export function addFlinkOptions(cmd: Command, forWhat: string): Command {
  return cmd
    .option("--job-dir <dir>", `${forWhat}the snapshot root (Flink's job directory) holding the _metadata's folder; ` +
      "default: the parent of a chk-<n> folder, else the folder itself")
    .addOption(new Option("--kind <kind>", `${forWhat}checkpoint or savepoint, required when the _metadata has no CheckpointProperties`)
      .choices(["checkpoint", "savepoint"]))
    .option("--job-uri <uri>", `${forWhat}the path or URI Flink wrote the job directory under, when it is read here under another ` +
      "path (a copy, another mount): absolute paths under it are files of the job directory");
}

/** The Flink options out of a command's parsed options. */
export function flinkOptions(opts: { jobDir?: string; kind?: string; jobUri?: string }): FlinkArgumentOptions {
  const out: FlinkArgumentOptions = {};
  if (opts.jobDir !== undefined) out.jobDir = opts.jobDir;
  if (opts.jobUri !== undefined) out.jobUri = opts.jobUri;
  if (opts.kind === "checkpoint" || opts.kind === "savepoint") out.kind = opts.kind;
  return out;
}
