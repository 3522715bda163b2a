/**
 * Where a {@link SavepointDataWriter} puts its bytes. Writes are synchronous, so
 * the writer's memory never holds more than the block it is writing: there is
 * no queue to grow when the destination is slow.
 */
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import type { AtomicWriter, Storage } from "../storage/storage.js";

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
 * Writes through the storage seam's atomic writer ({@link Storage.writer}): a
 * temporary file beside `path`, renamed into place on {@link DataSink.close},
 * so an interrupted write never leaves a partial data file under the name a
 * handle refers to ([spec](../../spec/savepoint-data.md#storage),
 * [temporary files](../../spec/ownership.md#temporary-files)).
 */
export class AtomicFileSink implements DataSink {
  private readonly writer: AtomicWriter;

  constructor(readonly path: string, storage: Storage = LOCAL_STORAGE) {
    this.writer = storage.writer(path);
  }

  write(bytes: Uint8Array): void {
    this.writer.write(bytes);
  }

  close(): void {
    this.writer.close();
  }

  abort(): void {
    this.writer.abort();
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
