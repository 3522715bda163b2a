/** `ksnap inspect FILE [--json]`. */
import type { Command } from "commander";
import { decodeFile } from "../codec.js";
import { inFile } from "../errors.js";
import { snapshotToJsonText } from "../json/to-json.js";
import { DEFAULT_DECODE_LIMITS } from "../limits.js";
import { renderTree } from "../render-tree.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";

/** Adds `inspect` to `program`. */
export function registerInspect(program: Command): void {
  program.command("inspect")
    .description("print a snapshot file as a readable tree, or as its JSON form with --json")
    .argument("<file>", "a KSNAP metadata file")
    .option("--json", "print the JSON form (schemas/ksnap-v1.schema.json)")
    .action((file: string, opts: { json?: boolean }) => inspect(file, opts));
}

/** Prints `file` as a tree, or as its JSON form. Errors name the file. */
export async function inspect(file: string, opts: { json?: boolean }): Promise<void> {
  const bytes = await LOCAL_STORAGE.read(file, DEFAULT_DECODE_LIMITS.maxFileBytes, { followLinks: true });
  const decoded = inFile(file, () => decodeFile(bytes));
  process.stdout.write(opts.json
    ? snapshotToJsonText(decoded.snapshot, decoded.version)
    : renderTree(decoded.snapshot, decoded.version, file) + "\n");
}
