/** `ksnap encode FILE.json -o OUT`. */
import type { Command } from "commander";
import { encodeSnapshot } from "../codec.js";
import { inFile } from "../errors.js";
import { snapshotFromJsonText } from "../json/from-json.js";
import { DEFAULT_DECODE_LIMITS } from "../limits.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";

/** Adds `encode` to `program`. */
export function registerEncode(program: Command): void {
  program.command("encode")
    .description("encode the JSON form as a canonical KSNAP 1.0 file")
    .argument("<file>", "the JSON form, as `inspect --json` prints it")
    .requiredOption("-o, --output <out>", "where to write the binary file (written atomically)")
    .action((file: string, opts: { output: string }) => encode(file, opts));
}

/**
 * Reads the JSON form, checks it, writes the canonical file atomically
 * ([spec](../../spec/ownership.md#temporary-files)). The output replaces only a
 * regular file (or writes through to a character device such as `/dev/null`);
 * a link, a folder or a FIFO there is refused, IO_ERROR.
 */
export async function encode(file: string, opts: { output: string }): Promise<void> {
  // The JSON form spells bytes in hex and numbers in decimal: up to 4× the binary limit.
  const json = await LOCAL_STORAGE.read(file, DEFAULT_DECODE_LIMITS.maxFileBytes * 4, { followLinks: true });
  const bytes = inFile(file, () => encodeSnapshot(snapshotFromJsonText(Buffer.from(json).toString("utf8"))));
  await LOCAL_STORAGE.write(opts.output, bytes);
}
