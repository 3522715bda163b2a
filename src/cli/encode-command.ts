/** `ksnap encode FILE.json -o OUT`; `-` reads the JSON from standard input, `-o -` writes the bytes to standard output. */
import type { Command } from "commander";
import { encodeSnapshot } from "../codec.js";
import { inFile } from "../errors.js";
import { snapshotFromJsonBytes } from "../json/from-json.js";
import { MAX_JSON_INPUT_BYTES } from "../limits.js";
import { storageFor, type StorageChoice } from "../storage/storage-for.js";
import { addEndpointOption, storageChoice } from "./endpoint-option.js";
import { inputLabel, readInput, STANDARD_STREAM, writeStandardOutput } from "./standard-streams.js";

/** Adds `encode` to `program`. */
export function registerEncode(program: Command): void {
  addEndpointOption(program.command("encode"))
    .description("encode the JSON form as a canonical KSNAP 1.0 file")
    .argument("<file>", "the JSON form, as `inspect --json` prints it, or - for standard input (at most 256 MiB, UTF-8)")
    .requiredOption("-o, --output <out>", "where to write the binary file (written atomically), or - for standard output")
    .action((file: string, opts: { output: string; endpoint?: string }) => encode(file, { output: opts.output, ...storageChoice(opts) }));
}

/**
 * Reads the JSON form, checks it, writes the canonical file atomically
 * ([spec](../../spec/ownership.md#temporary-files)). The input is refused over
 * {@link MAX_JSON_INPUT_BYTES} before it is read (LIMIT_EXCEEDED), and when it is
 * not UTF-8 (INVALID_JSON at the byte). The output replaces only a regular file
 * (or writes through to a character device such as `/dev/null`); a link, a
 * folder or a FIFO there is refused, IO_ERROR.
 */
export async function encode(file: string, opts: StorageChoice & { output: string }): Promise<void> {
  const json = await readInput(file, MAX_JSON_INPUT_BYTES);
  const bytes = inFile(inputLabel(file), () => encodeSnapshot(snapshotFromJsonBytes(json)));
  if (opts.output === STANDARD_STREAM) await writeStandardOutput(bytes);
  // An s3:// output is one PUT, as atomic as the local temporary file and rename.
  else await storageFor(opts.output, opts).write(opts.output, bytes);
}
