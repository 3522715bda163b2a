/**
 * `ksnap convert FLINK_SNAPSHOT -o OUT.ksnap [--job-dir DIR] [--kind checkpoint|savepoint]`: a Flink `_metadata`
 * (or the folder holding it) to a KSNAP metadata file, written atomically through the storage seam
 * ([spec](../../spec/flink.md#rules-of-the-mapping)); conversion notes go to stderr.
 */
import type { Command } from "commander";
import { encodeSnapshot } from "../codec.js";
import { inFile } from "../errors.js";
import { storageFor, type StorageChoice } from "../storage/storage-for.js";
import { addEndpointOption, storageChoice } from "./endpoint-option.js";
import { noteLines, readFlinkArgument, requireFlinkMetadata, type FlinkArgumentOptions } from "./flink-argument.js";
import { addFlinkOptions, flinkOptions } from "./flink-options.js";
import { STANDARD_STREAM, writeStandardOutput } from "./standard-streams.js";

/** Adds `convert` to `program`. */
export function registerConvert(program: Command): void {
  const cmd = program.command("convert")
    .description("convert an Apache Flink _metadata (V2-V6) to a KSNAP metadata file")
    .argument("<flink-snapshot>", "a Flink _metadata file, or the snapshot folder holding it")
    .requiredOption("-o, --output <out>", "where to write the KSNAP file (written atomically), or - for standard output");
  addEndpointOption(addFlinkOptions(cmd, ""))
    .action((file: string, opts: { output: string; jobDir?: string; kind?: string; endpoint?: string }) =>
      convert(file, { ...flinkOptions(opts), ...storageChoice(opts), output: opts.output }));
}

/** Reads, converts, encodes and writes; notes on stderr. Nothing is written when the conversion fails. */
export async function convert(file: string, opts: FlinkArgumentOptions & StorageChoice & { output: string }): Promise<void> {
  const storage = storageFor(file, opts);
  const flink = await readFlinkArgument(await requireFlinkMetadata(file, storage), opts, storage);
  const bytes = inFile(flink.metadataPath, () => encodeSnapshot(flink.snapshot));
  process.stderr.write(noteLines(flink));
  if (opts.output === STANDARD_STREAM) await writeStandardOutput(bytes);
  // An s3:// output is one PUT, as atomic as the local temporary file and rename.
  else await storageFor(opts.output, opts).write(opts.output, bytes);
}
