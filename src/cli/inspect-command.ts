/**
 * `ksnap inspect FILE [--json]`: FILE is a metadata file, the snapshot folder holding one, or `-` for standard input.
 * A Flink `_metadata` (or a folder holding one) is converted first ([flink-argument.ts](./flink-argument.ts)): the
 * tree gets a header line with Flink's metadata version and checkpoint type; `--json` prints the converted
 * snapshot's JSON form alone (which `ksnap encode` accepts); conversion notes go to stderr.
 */
import type { Command } from "commander";
import { snapshotToJsonChunks } from "../json/to-json.js";
import { renderTree } from "../render-tree.js";
import { findFlinkMetadata, flinkHeader, noteLines, readFlinkDecoded, type FlinkArgumentOptions } from "./flink-argument.js";
import { addFlinkOptions, flinkOptions } from "./flink-options.js";
import { addEndpointOption, storageChoice } from "./endpoint-option.js";
import { storageFor, type StorageChoice } from "../storage/storage-for.js";
import { readSnapshotArgument } from "./snapshot-argument.js";
import { STANDARD_STREAM, writeStandardOutput, writeStandardOutputChunks } from "./standard-streams.js";

/** Options of `inspect`. */
export interface InspectOptions extends FlinkArgumentOptions, StorageChoice {
  json?: boolean;
}

/** Adds `inspect` to `program`. */
export function registerInspect(program: Command): void {
  const cmd = program.command("inspect")
    .description("print a snapshot file (KSNAP, or a Flink _metadata converted) as a readable tree, or as its JSON form with --json")
    .argument("<file>", "a KSNAP metadata file, a Flink _metadata, the snapshot folder holding either, or - for standard input (KSNAP only)")
    .option("--json", "print the JSON form (schemas/ksnap-v1.schema.json)");
  addEndpointOption(addFlinkOptions(cmd, "Flink input only: "))
    .action((file: string, opts: { json?: boolean; jobDir?: string; kind?: string; endpoint?: string }) =>
      inspect(file, { ...flinkOptions(opts), ...storageChoice(opts), json: opts.json }));
}

/** Prints the snapshot `file` names as a tree, or as its JSON form. Errors name the file. */
export async function inspect(file: string, opts: InspectOptions): Promise<void> {
  const storage = storageFor(file, opts);
  const flinkPath = file === STANDARD_STREAM ? undefined : await findFlinkMetadata(file, storage);
  if (flinkPath !== undefined) {
    // Through the codec, so that what is printed is what `ksnap convert` would write (canonical form, version).
    const { flink, decoded } = await readFlinkDecoded(flinkPath, opts, storage);
    process.stderr.write(noteLines(flink));
    if (opts.json === true) await writeStandardOutputChunks(snapshotToJsonChunks(decoded.snapshot, decoded.version));
    else await writeStandardOutput(`${flinkHeader(flink)}\n${renderTree(decoded.snapshot, decoded.version, flinkPath)}\n`);
    return;
  }
  const { snapshot, version, metadataPath } = await readSnapshotArgument(file, opts);
  // The JSON form is written as it is made: for a large snapshot it is several times the file's size.
  if (opts.json === true) await writeStandardOutputChunks(snapshotToJsonChunks(snapshot, version));
  else await writeStandardOutput(renderTree(snapshot, version, metadataPath) + "\n");
}
