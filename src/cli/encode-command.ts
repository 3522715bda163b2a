/** `ksnap encode FILE.json -o OUT`. */
import { encodeSnapshot } from "../codec.js";
import { inFile } from "../errors.js";
import { readTextBounded, writeFileAtomic } from "../io/files.js";
import { snapshotFromJsonText } from "../json/from-json.js";
import { DEFAULT_DECODE_LIMITS } from "../limits.js";

/** Reads the JSON form, checks it, writes the canonical file atomically. */
export function encodeCommand(file: string, opts: { output: string }): void {
  const text = readTextBounded(file, DEFAULT_DECODE_LIMITS.maxFileBytes * 4);
  const bytes = inFile(file, () => encodeSnapshot(snapshotFromJsonText(text)));
  writeFileAtomic(opts.output, bytes);
}
