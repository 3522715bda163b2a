/**
 * `-` on the command line (README, "Command line"): standard input where a file
 * is read, standard output where `-o` names the output. Standard input is not
 * storage, so it is read here rather than through the storage seam, and with
 * the same limit as the file it stands for: never unbounded.
 */
import { KsnapError } from "../errors.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";

/** The argument that names standard input or output. */
export const STANDARD_STREAM = "-";

/** How standard input is named in messages. */
export const STDIN_LABEL = "<stdin>";

/** What `path` is called in messages: `<stdin>` for `-`. */
export function inputLabel(path: string): string {
  return path === STANDARD_STREAM ? STDIN_LABEL : path;
}

/**
 * The bytes of the file the user named, or of standard input for `-`. Over
 * `maxBytes` is LIMIT_EXCEEDED: refused before reading for a file, as soon as
 * the limit is passed for standard input (which is not read further).
 */
export async function readInput(path: string, maxBytes: number, stdin: NodeJS.ReadableStream = process.stdin): Promise<Uint8Array> {
  if (path !== STANDARD_STREAM) return LOCAL_STORAGE.read(path, maxBytes, { followLinks: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of stdin) {
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
      total += bytes.length;
      if (total > maxBytes) {
        throw new KsnapError("LIMIT_EXCEEDED", `standard input is over the limit of ${maxBytes} bytes`, { file: STDIN_LABEL });
      }
      chunks.push(bytes);
    }
  } catch (e) {
    if (e instanceof KsnapError) throw e;
    throw new KsnapError("IO_ERROR", `cannot read: ${e instanceof Error ? e.message : String(e)}`, { file: STDIN_LABEL });
  }
  return Buffer.concat(chunks, total);
}

/**
 * Writes each chunk as {@link writeStandardOutput} does, the next one once the stream takes it: output made as it is
 * written (inspect --json, validate --json) is held back by a slow reader rather than made ahead of it.
 */
export async function writeStandardOutputChunks(chunks: Iterable<Uint8Array | string>, stdout: NodeJS.WritableStream = process.stdout): Promise<void> {
  for (const chunk of chunks) await writeStandardOutput(chunk, stdout);
}

/**
 * Writes `bytes` to standard output; when the stream's buffer is full, resolves
 * once it drains, so a slow pipe holds the command back instead of growing memory.
 * A closed pipe ends the process (see broken-pipe.ts) or rejects with EPIPE.
 */
export function writeStandardOutput(bytes: Uint8Array | string, stdout: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (stdout.write(bytes)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (e?: Error) => {
      stdout.off("drain", done);
      stdout.off("error", done);
      if (e) reject(e); else resolve();
    };
    stdout.once("drain", done);
    stdout.once("error", done);
  });
}
