/** `ksnap validate PATH [--json] [--no-storage] [--strict]` ([spec](../../spec/validation.md#command-line)). */
import type { Command } from "commander";
import type { Finding, ValidationResult } from "../validate/finding.js";
import { progressBarFor } from "./progress-bar.js";
import { renderJson, renderText } from "../validate/render-report.js";
import { validatePath } from "../validate/validate-path.js";
import { reportProblems } from "./exit-status.js";

/** What `validate` accepts; commander turns `--no-storage` into `storage: false`. */
export interface ValidateCommandOptions {
  json?: boolean;
  storage?: boolean;
  strict?: boolean;
}

/** Where the command writes: the report to `stdout`, the progress bar to `stderr` (a TTY only). */
export interface ValidateCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Warnings every healthy root has once its old checkpoints are subsumed: `--strict` does not fail on them. */
const NORMAL_AFTER_SUBSUMPTION = new Set(["KS-W113", "KS-W115"]);

/** True when `f` makes `validate --strict` fail ([spec](../../spec/validation.md#command-line)). */
function failsStrict(f: Finding): boolean {
  return f.severity === "warning" && !NORMAL_AFTER_SUBSUMPTION.has(f.rule);
}

/** Adds `validate` to `program`. */
export function registerValidate(program: Command): void {
  program.command("validate")
    .description("check snapshots against the validation rules (spec/validation.md): structure, paths, files on storage, history")
    .argument("<path>", "a metadata file, a snapshot folder, or a checkpoint root holding chk-*/ folders")
    .option("--json", "print the report as JSON: {findings, summary}")
    .option("--no-storage", "do not read referenced files (existence, size, xxh64)")
    .option("--strict", "exit with status 1 on warnings too (except KS-W113 and KS-W115, normal once checkpoints are subsumed)")
    .action(async (path: string, opts: ValidateCommandOptions) => {
      await validateCommand(path, opts);
    });
}

/**
 * Validates `path`, prints the report, and makes the CLI exit 1 when there are
 * errors (or, with `strict`, warnings other than KS-W113 and KS-W115). Returns the result for callers and tests.
 */
export async function validateCommand(
  path: string, opts: ValidateCommandOptions, io: ValidateCommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<ValidationResult> {
  const storage = opts.storage ?? true;
  // The bar starts on the first progress report, which only the storage check sends.
  const bar = progressBarFor(io.stderr);
  let result: ValidationResult;
  try {
    result = await validatePath(path, { storage, onProgress: (p) => bar.update(p) });
  } finally {
    bar.stop();
  }
  io.stdout.write(opts.json ? renderJson(result) : renderText(result, storage));
  const { errors } = result.summary;
  if (errors > 0 || (opts.strict && result.findings.some(failsStrict))) reportProblems();
  return result;
}
