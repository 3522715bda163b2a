/** `ksnap inspect FILE [--json]`. */
import { decodeFile } from "../codec.js";
import { inFile } from "../errors.js";
import { readFileBounded } from "../io/files.js";
import { snapshotToJsonText } from "../json/to-json.js";
import { DEFAULT_DECODE_LIMITS } from "../limits.js";
import { renderTree } from "../render-tree.js";

/** Prints `file` as a tree, or as its JSON form. Errors name the file. */
export function inspectCommand(file: string, opts: { json?: boolean }): void {
  const bytes = readFileBounded(file, DEFAULT_DECODE_LIMITS.maxFileBytes);
  const decoded = inFile(file, () => decodeFile(bytes));
  process.stdout.write(opts.json
    ? snapshotToJsonText(decoded.snapshot, decoded.version)
    : renderTree(decoded.snapshot, decoded.version, file) + "\n");
}
