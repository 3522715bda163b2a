/**
 * `ksnap validate PATH [--json] [--no-storage] [--strict]` ([spec](../../spec/validation.md#command-line)). PATH may
 * be a Flink `_metadata` or the snapshot folder holding one: it is converted ([flink-argument.ts](./flink-argument.ts))
 * and the converted snapshot is validated against its files: sizes only, without KS-W105 (Flink records no hash),
 * and every other file in the snapshot's folder is KS-W098 ([spec](../../spec/flink.md#the-converter)). A Flink job
 * directory is validated as a history, its checkpoints converted together ([spec](../../spec/flink.md#job-directories)).
 */
import type { Command } from "commander";
import type { Finding, ValidationResult } from "../validate/finding.js";
import { progressBarFor } from "./progress-bar.js";
import { renderJsonChunks, renderText } from "../validate/render-report.js";
import { writeStandardOutputChunks } from "./standard-streams.js";
import { validateLocated, validateTree } from "../validate/validate-path.js";
import { loadAnyTree } from "../flink/load-any-tree.js";
import { escapeControls } from "../quote.js";
import { reportProblems } from "./exit-status.js";
import { FLINK_METADATA_FILE, findFlinkMetadata, noteLines, readFlinkArgument, type FlinkArgumentOptions } from "./flink-argument.js";
import { addFlinkOptions, flinkOptions } from "./flink-options.js";
import { addEndpointOption, storageChoice } from "./endpoint-option.js";
import { storageFor, type StorageChoice } from "../storage/storage-for.js";

/** What `validate` accepts; commander turns `--no-storage` into `storage: false`. */
export interface ValidateCommandOptions extends FlinkArgumentOptions, StorageChoice {
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
  const cmd = program.command("validate")
    .description("check snapshots against the validation rules (spec/validation.md): structure, paths, files on storage, history")
    .argument("<path>", "a metadata file, a snapshot folder, or a checkpoint root holding chk-*/ folders; or a Flink _metadata, or the folder holding it")
    .option("--json", "print the report as JSON: {findings, summary}")
    .option("--no-storage", "do not read referenced files (existence, size, xxh64)")
    .option("--strict", "exit with status 1 on warnings too (except KS-W113 and KS-W115, normal once checkpoints are subsumed)");
  addEndpointOption(addFlinkOptions(cmd, "Flink input only: "))
    .action(async (path: string, opts: Omit<ValidateCommandOptions, "kind"> & { kind?: string }) => {
      const { json, storage, strict } = opts;
      await validateCommand(path, { ...flinkOptions(opts), ...storageChoice(opts), ...defined({ json, storage, strict }) });
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
    const store = storageFor(path, opts);
    const flinkPath = await findFlinkMetadata(path, store);
    if (flinkPath === undefined) {
      const flink = { ...(opts.kind === undefined ? {} : { kind: opts.kind }), ...(opts.jobUri === undefined ? {} : { jobUri: opts.jobUri }) };
      const validated = await validateTree(path, {
        store, storage, onProgress: (p) => bar.update(p), load: (p, s) => loadAnyTree(p, s, { ...flink, strayFiles: storage }),
      });
      result = validated.result;
      for (const n of validated.tree.notes ?? []) io.stderr.write(`ksnap: note: ${n.file}: ${escapeControls(n.message)}${n.field === undefined ? "" : ` (${n.field})`}\n`);
    } else {
      const flink = await readFlinkArgument(flinkPath, opts, store);
      io.stderr.write(noteLines(flink));
      result = await validateLocated({ snapshot: flink.snapshot, root: flink.root, metadataPath: flinkPath },
        { store, storage, warnUnhashed: false, unreferencedBesides: FLINK_METADATA_FILE, onProgress: (p) => bar.update(p) });
    }
  } finally {
    bar.stop();
  }
  if (opts.json) await writeStandardOutputChunks(renderJsonChunks(result), io.stdout);
  else io.stdout.write(renderText(result, storage));
  const { errors } = result.summary;
  if (errors > 0 || (opts.strict && result.findings.some(failsStrict))) reportProblems();
  return result;
}

/** `o` without its undefined members. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
