/** `ksnap inspect FILE [--json]`: FILE is a metadata file, the snapshot folder holding one, or `-` for standard input. */
import type { Command } from "commander";
import { snapshotToJsonText } from "../json/to-json.js";
import { renderTree } from "../render-tree.js";
import { readSnapshotArgument } from "./snapshot-argument.js";
import { writeStandardOutput } from "./standard-streams.js";

/** Adds `inspect` to `program`. */
export function registerInspect(program: Command): void {
  program.command("inspect")
    .description("print a snapshot file as a readable tree, or as its JSON form with --json")
    .argument("<file>", "a KSNAP metadata file, the snapshot folder holding it, or - for standard input")
    .option("--json", "print the JSON form (schemas/ksnap-v1.schema.json)")
    .action((file: string, opts: { json?: boolean }) => inspect(file, opts));
}

/** Prints the snapshot `file` names as a tree, or as its JSON form. Errors name the file. */
export async function inspect(file: string, opts: { json?: boolean }): Promise<void> {
  const { snapshot, version, metadataPath } = await readSnapshotArgument(file);
  await writeStandardOutput(opts.json
    ? snapshotToJsonText(snapshot, version)
    : renderTree(snapshot, version, metadataPath) + "\n");
}
