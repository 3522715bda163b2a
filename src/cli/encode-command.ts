/** `ksnap encode FILE.json -o OUT`. */
import type { Command } from "commander";
import { encodeSnapshot } from "../codec.js";
import { inFile } from "../errors.js";
import { readTextBounded, writeFileAtomic } from "../io/files.js";
import { snapshotFromJsonText } from "../json/from-json.js";
import { DEFAULT_DECODE_LIMITS } from "../limits.js";

/** Adds `encode` to `program`. */
export function registerEncode(program: Command): void {
  program.command("encode")
    .description("encode the JSON form as a canonical KSNAP 1.0 file")
    .argument("<file>", "the JSON form, as `inspect --json` prints it")
    .requiredOption("-o, --output <out>", "where to write the binary file (written atomically)")
    .action((file: string, opts: { output: string }) => encode(file, opts));
}

/** Reads the JSON form, checks it, writes the canonical file atomically. */
export function encode(file: string, opts: { output: string }): void {
  const text = readTextBounded(file, DEFAULT_DECODE_LIMITS.maxFileBytes * 4);
  const bytes = inFile(file, () => encodeSnapshot(snapshotFromJsonText(text)));
  writeFileAtomic(opts.output, bytes);
}
