/**
 * `ksnap convert FLINK_SNAPSHOT -o OUT.ksnap [--job-dir DIR] [--kind checkpoint|savepoint]`: a Flink `_metadata`
 * (or the folder holding it) to a KSNAP metadata file, written atomically through the storage seam
 * ([spec](../../spec/flink.md#rules-of-the-mapping)); conversion notes go to stderr.
 */
import type { Command } from "commander";
import { encodeSnapshot } from "../codec.js";
import { inFile } from "../errors.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import { noteLines, readFlinkArgument, requireFlinkMetadata, type FlinkArgumentOptions } from "./flink-argument.js";
import { addFlinkOptions, flinkOptions } from "./flink-options.js";
import { STANDARD_STREAM, writeStandardOutput } from "./standard-streams.js";

/** Adds `convert` to `program`. */
export function registerConvert(program: Command): void {
  const cmd = program.command("convert")
    .description("convert an Apache Flink _metadata (V2-V6) to a KSNAP metadata file")
    .argument("<flink-snapshot>", "a Flink _metadata file, or the snapshot folder holding it")
    .requiredOption("-o, --output <out>", "where to write the KSNAP file (written atomically), or - for standard output");
  addFlinkOptions(cmd, "")
    .action((file: string, opts: { output: string; jobDir?: string; kind?: string }) => convert(file, { ...flinkOptions(opts), output: opts.output }));
}

/** Reads, converts, encodes and writes; notes on stderr. Nothing is written when the conversion fails. */
export async function convert(file: string, opts: FlinkArgumentOptions & { output: string }): Promise<void> {
  const flink = await readFlinkArgument(await requireFlinkMetadata(file), opts);
  const bytes = inFile(flink.metadataPath, () => encodeSnapshot(flink.snapshot));
  process.stderr.write(noteLines(flink));
  if (opts.output === STANDARD_STREAM) await writeStandardOutput(bytes);
  else await LOCAL_STORAGE.write(opts.output, bytes);
}
