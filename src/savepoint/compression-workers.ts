/**
 * Compression workers shared by data writers that run one after another: a
 * backend writing many subtask files in a row starts the threads once instead
 * of once per file (each start loads the compressor: tens of milliseconds per
 * worker, more on a loaded machine).
 */
import { KsnapError } from "../errors.js";
import { CompressionPool } from "./compress-pool.js";
import { CANONICAL_BLOCK_BYTES, DATA_FORMAT_LIMITS } from "./data-format.js";

/** Upper bound of {@link CompressionWorkersOptions.workers} (and of the writer's `compressionWorkers`). */
export const MAX_COMPRESSION_WORKERS = 64;

/** Options of {@link CompressionWorkers.start}. */
export interface CompressionWorkersOptions {
  /** How many worker threads: 1..{@link MAX_COMPRESSION_WORKERS}. */
  workers: number;
  /**
   * The largest block the writers using the pool will cut (their `blockBytes`). Default (and canonical) 128 KiB.
   * Each worker holds 3 such blocks of shared memory.
   */
  blockBytes?: number;
}

/**
 * Worker threads that compress the blocks of one data file after another.
 * Pass it as the writer's `compressionWorkers` option: the writer uses it until
 * it finishes or aborts, then leaves it running for the next file. One writer
 * at a time: opening a second writer on a pool in use fails with INVALID_FIELD.
 * The threads do not keep the process alive; {@link close} ends them.
 *
 * @example
 * const workers = CompressionWorkers.start({ workers: 2 });
 * try {
 *   for (const subtask of subtasks) {
 *     const w = SavepointDataWriter.open(subtask.path, { ...subtask.options, compressionWorkers: workers });
 *     // beginKeyGroup / add / endKeyGroup …
 *     w.finish();
 *   }
 * } finally {
 *   workers.close();
 * }
 */
export class CompressionWorkers {
  /** The label of the file using the pool, if any. */
  private user: string | undefined;

  private constructor(
    /** @internal The threads and their shared memory (tests reach the threads through it). */
    readonly pool: CompressionPool,
  ) {}

  /** Starts the workers; they load the compressor in the background (see {@link whenReady}). */
  static start(options: CompressionWorkersOptions): CompressionWorkers {
    const { workers } = options;
    const blockBytes = options.blockBytes ?? CANONICAL_BLOCK_BYTES;
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_COMPRESSION_WORKERS) {
      throw new KsnapError("INVALID_FIELD", `workers ${workers} must be an integer in 1..${MAX_COMPRESSION_WORKERS}`, { field: "workers" });
    }
    if (!Number.isInteger(blockBytes) || blockBytes < 1 || blockBytes > DATA_FORMAT_LIMITS.maxBlockBytes) {
      throw new KsnapError("INVALID_FIELD", `blockBytes ${blockBytes} must be an integer in 1..${DATA_FORMAT_LIMITS.maxBlockBytes}`,
        { field: "blockBytes" });
    }
    return new CompressionWorkers(CompressionPool.start({ workers, blockBytes, label: "compression workers", write: () => undefined }));
  }

  /** How many worker threads the pool started. */
  get workers(): number {
    return this.pool.threads.length;
  }

  /** The largest block a writer using the pool may cut. */
  get blockBytes(): number {
    return this.pool.blockBytes;
  }

  /** True once {@link close} ran, or a worker failed (the writer using it got an IO_ERROR): the pool takes no more files. */
  get closed(): boolean {
    return this.pool.isClosed;
  }

  /** Resolves once every worker has loaded its compressor (optional: until then writers compress in their own thread). */
  whenReady(): Promise<void> {
    return this.pool.whenReady();
  }

  /** Ends the workers. Idempotent; a writer still using the pool fails at its next block. */
  close(): void {
    this.pool.close();
  }

  /**
   * @internal Called by the writer `label` when it opens: the pool, now sending its frames to `write`.
   * Throws INVALID_FIELD when the pool is closed, in use, or too small for `blockBytes`.
   */
  lease(label: string, blockBytes: number, write: (frame: Uint8Array) => void): CompressionPool {
    const refuse = (why: string) => new KsnapError("INVALID_FIELD", `${label}: compressionWorkers: ${why}`, { file: label, field: "compressionWorkers" });
    if (this.closed) throw refuse("the shared pool is closed");
    if (this.user !== undefined) throw refuse(`the shared pool is in use by ${this.user}; finish or abort that writer first`);
    if (blockBytes > this.blockBytes) throw refuse(`blockBytes ${blockBytes} exceeds the shared pool's ${this.blockBytes}`);
    this.user = label;
    this.pool.bind(label, write);
    return this.pool;
  }

  /** @internal Called by the writer that leased the pool when it finishes or aborts. */
  giveBack(): void {
    this.user = undefined;
    this.pool.release();
  }
}
