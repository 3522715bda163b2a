/**
 * Where a {@link SavepointDataWriter} puts its bytes. Writes are synchronous, so
 * the writer's memory never holds more than the block it is writing: there is
 * no queue to grow when the destination is slow.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { KsnapError } from "../errors.js";

/** A synchronous destination for a data file. */
export interface DataSink {
  /** Appends `bytes` (the writer does not reuse them afterwards). */
  write(bytes: Uint8Array): void;
  /** The file is complete: make it durable and visible under its final name. */
  close(): void;
  /** The file is abandoned: discard what was written. Never throws. */
  abort(): void;
}

/**
 * Writes to a temporary file beside `path` and renames it into place on
 * {@link DataSink.close}, so an interrupted write never leaves a partial data
 * file under the name a handle refers to ([spec](../../spec/savepoint-data.md#storage)).
 */
export class AtomicFileSink implements DataSink {
  private readonly tmp: string;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      this.fd = openSync(this.tmp, "wx", 0o644);
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
      fsyncSync(fd);
      this.fd = undefined;
      closeSync(fd);
      renameSync(this.tmp, this.path);
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
    rmSync(this.tmp, { force: true });
  }

  private openFd(): number {
    if (this.fd === undefined) throw new KsnapError("IO_ERROR", "the file is already closed", { file: this.path });
    return this.fd;
  }
}

/** Collects the file in memory (tests, vectors, small files). */
export class MemorySink implements DataSink {
  private readonly chunks: Uint8Array[] = [];
  /** The complete file once closed. */
  bytes: Uint8Array | undefined;

  write(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }

  close(): void {
    this.bytes = new Uint8Array(Buffer.concat(this.chunks));
    this.chunks.length = 0;
  }

  abort(): void {
    this.chunks.length = 0;
  }
}

function ioError(e: unknown, what: string, file: string): KsnapError {
  if (e instanceof KsnapError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such folder" : code === "EACCES" ? "permission denied"
    : code === "ENOSPC" ? "no space left on the device" : e instanceof Error ? e.message : String(e);
  return new KsnapError("IO_ERROR", `${what} ${file}: ${why}`, { file });
}
