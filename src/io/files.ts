/**
 * File input and output with typed errors: reads are bounded by a limit before
 * anything is allocated; writes go to a temporary file renamed into place, so a
 * crash never leaves a half-written snapshot under the final name.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { KsnapError } from "../errors.js";

/** Reads `path` whole, refusing files larger than `maxBytes` before reading them. */
export function readFileBounded(path: string, maxBytes: number): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new KsnapError("IO_ERROR", "not a regular file", { file: path });
    size = st.size;
  } catch (e) {
    throw ioError(e, "cannot read", path);
  }
  if (size > maxBytes) {
    throw new KsnapError("LIMIT_EXCEEDED", `file is ${size} bytes, over the limit of ${maxBytes}`, { file: path });
  }
  try {
    return readFileSync(path);
  } catch (e) {
    throw ioError(e, "cannot read", path);
  }
}

/** Reads a text file (JSON input) with the same bound. */
export function readTextBounded(path: string, maxBytes: number): string {
  return Buffer.from(readFileBounded(path, maxBytes)).toString("utf8");
}

/** Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError(e, "cannot write", path);
  }
}

function ioError(e: unknown, what: string, file: string): KsnapError {
  if (e instanceof KsnapError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file or folder" : code === "EACCES" ? "permission denied"
    : code === "EISDIR" ? "is a folder" : e instanceof Error ? e.message : String(e);
  return new KsnapError("IO_ERROR", `${what}: ${why}`, { file });
}
