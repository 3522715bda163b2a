/**
 * Compresses a data file's blocks in worker threads while the writer's thread
 * keeps encoding entries, behind a synchronous API: blocks are copied into a
 * small ring of SharedArrayBuffer slots per worker, and when the writer needs a
 * slot back (ring full, end of a key group, end of the file) it blocks in
 * `Atomics.wait` until the worker is done with it. Frames come out in the order
 * the blocks went in; memory is bounded by the ring.
 */
import type { Worker } from "node:worker_threads";
import { SavepointDataError } from "./data-errors.js";
import {
  F_BLOCK, F_FRAME_LENGTH, F_KEY_GROUP, F_LENGTH, F_STATE, SLOT_DONE, SLOT_FAILED, SLOT_FREE, SLOT_STOP, SLOT_SUBMITTED,
  SlotLayout,
} from "./compress-layout.js";
import { encodeFrame } from "./frame.js";
import { lz4Implementations, type Lz4Implementation } from "./lz4-block.js";
import { copyBytes, sliceBytes } from "./shared-copy.js";
import { savepointWorkerFile, startWorker } from "./worker-start.js";

/** Slots per worker: one being compressed, one filled meanwhile, one whose frame waits to be written. */
export const SLOTS_PER_WORKER = 3;
/**
 * Blocks the writer's thread compresses itself while every worker is busy, at most, before it waits: memory stays
 * bounded (a frame is at most a block and its header) when a worker lags far behind.
 */
export const MAX_STOLEN_FRAMES = 4;
/** How long the writer waits for one block before it deems the worker dead. */
export const DEFAULT_WORKER_TIMEOUT_MS = 30_000;

/** Workers started and not yet exited, in this thread (tests check that none is left running). */
let liveWorkers = 0;

/** How many compression workers started by this thread have not exited yet. */
export function liveCompressionWorkers(): number {
  return liveWorkers;
}

/**
 * What waits to go out, in order: a block handed to a worker (`worker` ≥ 0),
 * or a frame made in this thread (an end marker, or a block compressed here
 * while the workers were busy: `stolen`) or a step to run once all before it
 * are written (`worker` -1), so key group ends need not wait.
 */
interface InFlight {
  worker: number;
  slot: number;
  keyGroup: number;
  block: number;
  ready?: Uint8Array | (() => void);
  stolen?: boolean;
}

/** Options of {@link CompressionPool.start}. */
export interface CompressionPoolOptions {
  workers: number;
  blockBytes: number;
  /** Names the file in errors. */
  label: string;
  /** Receives each frame, in order; the array is the callee's. */
  write: (frame: Uint8Array) => void;
  timeoutMs?: number;
}

/** Worker threads that turn blocks into frames, in order. */
export class CompressionPool {
  private readonly layouts: SlotLayout[] = [];
  /** The threads, for {@link close}; tests terminate one to check that a dead worker does not hang the writer. */
  readonly threads: Worker[] = [];
  private readonly inFlight: InFlight[] = [];
  private readonly started: Promise<void>[] = [];
  private submitted = 0;
  /** Frames this thread compressed ({@link submit}) that are not written yet. */
  private stolen = 0;
  /** Slots holding a block not yet written. */
  private busySlots = 0;
  private closed = false;
  /** Set when a worker failed or timed out: the ring is out of step, so the pool cannot be handed to another writer. */
  private broken = false;
  /** Names the file in errors; changes when a shared pool moves to the next writer ({@link bind}). */
  private label: string;
  /** The LZ4 compressor of every block, in the workers and in this thread: the one in use when the pool started. */
  readonly compressor: Lz4Implementation = lz4Implementations().compress;
  /** Receives each frame, in order; changes with {@link bind}. */
  private write: (frame: Uint8Array) => void;
  /** How long {@link drain} and {@link submit} wait for one block (worker startup included). */
  timeoutMs: number;

  private constructor(private readonly options: CompressionPoolOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS;
    this.label = options.label;
    this.write = options.write;
  }

  /** The largest block the slots hold. */
  get blockBytes(): number {
    return this.options.blockBytes;
  }

  /** True once {@link close} ran, or a worker failed and {@link release} closed the pool. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Hands the pool to the next file: its frames go to `write`, errors name `label`. Only between files (nothing
   * in flight); the count of blocks submitted carries on, since each worker walks its slots in a fixed order.
   */
  bind(label: string, write: (frame: Uint8Array) => void): void {
    this.label = label;
    this.write = write;
  }

  /**
   * Ends a file's use of a pool that stays running. Blocks still in flight (an aborted file) are waited for
   * and dropped, so the next file finds every slot free; if a worker failed, or does not answer within
   * {@link timeoutMs}, the pool is closed instead. Never throws.
   */
  release(): void {
    if (this.closed) return;
    try {
      if (this.broken) throw new Error("a worker failed");
      for (const f of this.inFlight) {
        if (f.worker < 0) continue;
        const layout = this.layouts[f.worker]!;
        this.await(f, layout);
        Atomics.store(layout.control, layout.field(f.slot, F_STATE), SLOT_FREE);
      }
      this.inFlight.length = 0;
      this.busySlots = 0;
      this.stolen = 0;
    } catch {
      this.close();
    }
    this.bind(this.options.label, () => undefined);
  }

  /** Starts `options.workers` workers; they load the compressor while the writer begins encoding. */
  static start(options: CompressionPoolOptions): CompressionPool {
    const pool = new CompressionPool(options);
    const file = workerFile();
    try {
      for (let i = 0; i < options.workers; i++) pool.spawn(file);
    } catch (e) {
      pool.close();
      throw e;
    }
    return pool;
  }

  /**
   * Hands block `block` of `keyGroup` to the next worker. When every slot is busy, or that worker is still
   * loading its compressor, this thread compresses the block itself rather than wait (up to
   * {@link MAX_STOLEN_FRAMES} frames queued behind blocks in workers), and waits only beyond that.
   */
  submit(keyGroup: number, block: number, content: Uint8Array): void {
    const n = this.layouts.length;
    if (this.busySlots === n * SLOTS_PER_WORKER) this.writeDone();
    const busy = this.busySlots === n * SLOTS_PER_WORKER || !this.layouts[this.submitted % n]!.isReady();
    if (busy && this.stolen < MAX_STOLEN_FRAMES) {
      // On a machine with as many cores as threads, waiting here would leave this thread's core idle; while the
      // workers start (tens of milliseconds), a small file is written as fast as without them.
      this.stolen++;
      this.inFlight.push({ worker: -1, slot: -1, keyGroup, block, ready: encodeFrame(keyGroup, block, content, this.compressor), stolen: true });
      this.writeDone();
      return;
    }
    while (this.busySlots === n * SLOTS_PER_WORKER) this.writeOldest();
    const worker = this.submitted % n;
    const slot = Math.floor(this.submitted / n) % SLOTS_PER_WORKER;
    this.submitted++;
    const layout = this.layouts[worker]!;
    copyBytes(layout.bytes, layout.contentOffset(slot), content);
    const c = layout.control;
    c[layout.field(slot, F_KEY_GROUP)] = keyGroup;
    c[layout.field(slot, F_BLOCK)] = block;
    c[layout.field(slot, F_LENGTH)] = content.length;
    Atomics.store(c, layout.field(slot, F_STATE), SLOT_SUBMITTED);
    Atomics.notify(c, layout.field(slot, F_STATE));
    this.inFlight.push({ worker, slot, keyGroup, block });
    this.busySlots++;
    this.writeDone();
  }

  /** Resolves once every worker has loaded its compressor, or is gone. */
  whenReady(): Promise<void> {
    // The threads are unref'd so that a forgotten writer cannot keep the process alive; one that is awaited must.
    for (const thread of this.threads) thread.ref();
    return Promise.all(this.started).then(() => {
      for (const thread of this.threads) thread.unref();
    });
  }

  /** How many workers have loaded their compressor (blocks go to a worker only once it has). */
  readyWorkers(): number {
    return this.layouts.filter((layout) => layout.isReady()).length;
  }

  /** Queues `frame` (made in this thread) after the blocks submitted so far. */
  enqueueFrame(frame: Uint8Array): void {
    this.inFlight.push({ worker: -1, slot: -1, keyGroup: -1, block: -1, ready: frame });
    this.writeDone();
  }

  /** Runs `step` once every frame queued so far is written (e.g. to note a key group's offset). */
  afterQueued(step: () => void): void {
    this.inFlight.push({ worker: -1, slot: -1, keyGroup: -1, block: -1, ready: step });
    this.writeDone();
  }

  /** Writes the frames already made, so the sink is written while workers compress, not in bursts. */
  private writeDone(): void {
    while (this.inFlight.length > 0 && this.isDone(this.inFlight[0]!)) this.writeOldest();
  }

  /** Writes every frame still in flight, waiting for the workers. */
  drain(): void {
    while (this.inFlight.length > 0) this.writeOldest();
  }

  /** Stops and terminates the workers. Idempotent; never throws. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const layout of this.layouts) {
      for (let slot = 0; slot < SLOTS_PER_WORKER; slot++) {
        Atomics.store(layout.control, layout.field(slot, F_STATE), SLOT_STOP);
        Atomics.notify(layout.control, layout.field(slot, F_STATE));
      }
    }
    // The stop flag ends a waiting worker; terminate ends one busy or stuck.
    for (const thread of this.threads) thread.terminate().catch(() => undefined);
    this.inFlight.length = 0;
  }

  private spawn(file: URL): void {
    const layout = SlotLayout.allocate(SLOTS_PER_WORKER, this.options.blockBytes, this.compressor);
    const thread = startWorker(file, layout.shared);
    liveWorkers++;
    thread.once("exit", () => liveWorkers--);
    // Settled when the worker can compress, or when it is gone (its failure surfaces when a block needs it).
    this.started.push(new Promise<void>((resolve) => {
      thread.once("message", () => resolve());
      thread.once("exit", () => resolve());
    }));
    // Errors arrive through the shared memory (or as a timeout); this listener only keeps an 'error' event from crashing the process.
    thread.on("error", () => undefined);
    // A writer never finished nor aborted must not keep the process alive.
    thread.unref();
    this.layouts.push(layout);
    this.threads.push(thread);
  }

  private isDone(f: InFlight): boolean {
    if (f.worker < 0) return true;
    const layout = this.layouts[f.worker]!;
    return Atomics.load(layout.control, layout.field(f.slot, F_STATE)) === SLOT_DONE;
  }

  /** Waits for the oldest block's frame, writes it and frees its slot. */
  private writeOldest(): void {
    const f = this.inFlight[0]!;
    if (f.worker < 0) {
      this.inFlight.shift();
      if (typeof f.ready === "function") f.ready();
      else {
        if (f.stolen === true) this.stolen--;
        this.write(f.ready!);
      }
      return;
    }
    const layout = this.layouts[f.worker]!;
    this.await(f, layout);
    const length = layout.control[layout.field(f.slot, F_FRAME_LENGTH)]!;
    const start = layout.frameOffset(f.slot);
    // A copy: the slot is reused, and sinks may keep the arrays they are given.
    const frame = sliceBytes(layout.bytes, start, start + length);
    Atomics.store(layout.control, layout.field(f.slot, F_STATE), SLOT_FREE);
    this.inFlight.shift();
    this.busySlots--;
    this.write(frame);
  }

  private await(f: InFlight, layout: SlotLayout): void {
    const at = layout.field(f.slot, F_STATE);
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const state = Atomics.load(layout.control, at);
      if (state === SLOT_DONE) return;
      if (state === SLOT_FAILED) {
        this.broken = true;
        throw this.error(f, `compression worker ${f.worker} failed: ${layout.error()}`);
      }
      const left = deadline - performance.now();
      if (left <= 0 || state === SLOT_STOP || state === SLOT_FREE) {
        this.broken = true;
        throw this.error(f, `compression worker ${f.worker} did not compress the block within ${this.timeoutMs} ms ` +
          "(it died or is starved); retry with compressionWorkers: 0");
      }
      Atomics.wait(layout.control, at, state, left);
    }
  }

  private error(f: InFlight, detail: string): SavepointDataError {
    return new SavepointDataError("IO_ERROR", detail, { file: this.label, keyGroup: f.keyGroup, block: f.block });
  }
}

/** The compression worker's module (compress-worker.js beside this one). */
function workerFile(): URL {
  return savepointWorkerFile("compress-worker", "compressionWorkers: 0");
}
