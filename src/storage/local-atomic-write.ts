/**
 * Atomic writes on the local file system ([spec](../../spec/ownership.md#temporary-files)):
 * a temporary file in the same folder, named so that validation reports it and
 * garbage collection removes it if a crash leaves it behind; fsync of the file,
 * rename into place, fsync of the folder so the rename itself survives a crash.
 * The one implementation of an atomic write: metadata files, savepoint data
 * files and reports all go through it.
 */
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { KsnapError } from "../errors.js";
import { ioError } from "./errno.js";
import { tempName, type AtomicWriter } from "./storage.js";

/** What the destination is, which decides how it is written. */
type Destination = "new" | "replace" | "device";

/**
 * Writes one file atomically, synchronously (the savepoint writer's API is
 * synchronous so that a slow disk holds the producer back). A character device
 * (`/dev/null`) is written through; a symbolic link, a folder or any other
 * special file is refused rather than replaced.
 */
export class LocalAtomicWriter implements AtomicWriter {
  private readonly tmp: string | undefined;
  private fd: number | undefined;

  constructor(readonly path: string) {
    const destination = destinationOf(path);
    this.tmp = destination === "device" ? undefined : join(dirname(path), tempName(basename(path), randomBytes(6).toString("hex")));
    try {
      this.fd = this.tmp === undefined ? openSync(path, "w") : openSync(this.tmp, "wx", 0o644);
    } catch (e) {
      throw ioError(e, "cannot create", path);
    }
  }

  write(bytes: Uint8Array): void {
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.openFd(), bytes, done, bytes.length - done);
    } catch (e) {
      throw ioError(e, "cannot write", this.path);
    }
  }

  close(): void {
    try {
      const fd = this.openFd();
      if (this.tmp !== undefined) fsyncSync(fd);
      this.fd = undefined;
      closeSync(fd);
      if (this.tmp === undefined) return;
      renameSync(this.tmp, this.path);
      syncFolder(dirname(this.path));
    } catch (e) {
      this.abort();
      throw ioError(e, "cannot write", this.path);
    }
  }

  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // Already failing: the temporary file is removed below either way.
      }
      this.fd = undefined;
    }
    // Never throws: it runs inside the callers' catch, whose error is the one to report.
    if (this.tmp !== undefined) {
      try {
        rmSync(this.tmp, { force: true });
      } catch {
        // Nothing more to do: a leftover temporary file is named so that validate reports it and gc removes it.
      }
    }
  }

  private openFd(): number {
    if (this.fd === undefined) throw new KsnapError("IO_ERROR", "the file is already closed", { file: this.path });
    return this.fd;
  }
}

/** Writes `bytes` to `path` atomically (see {@link LocalAtomicWriter}). */
export async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const writer = new LocalAtomicWriter(path);
  try {
    writer.write(bytes);
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  }
}

function destinationOf(path: string): Destination {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "new";
    throw ioError(e, "cannot write", path);
  }
  if (st.isFile()) return "replace";
  if (st.isCharacterDevice()) return "device";
  const what = st.isSymbolicLink() ? "a symbolic link" : st.isDirectory() ? "a folder" : "a special file";
  throw new KsnapError("IO_ERROR", `cannot write: it is ${what}, and ksnap replaces only a regular file`, { file: path });
}

// A rename is durable only once the folder holding it is; some file systems
// refuse to open a folder for fsync, which costs durability, not correctness.
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, "r");
    fsyncSync(fd);
  } catch {
    // Not supported here (for example on some network file systems).
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
