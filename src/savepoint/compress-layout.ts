/**
 * The shared memory between a {@link CompressionPool} and one compression
 * worker: a control array of Int32 (slot states and block positions, waited on
 * with `Atomics.wait`) and a byte area holding, per slot, the block's content
 * and the frame the worker made of it. Both sides import this module so they
 * agree on the layout.
 */
import { FRAME_HEADER_BYTES } from "./data-format.js";
import type { Lz4Implementation } from "./lz4-block.js";

/** Slot states. A slot goes FREE → SUBMITTED (main) → DONE or FAILED (worker) → FREE (main). */
export const SLOT_FREE = 0;
export const SLOT_SUBMITTED = 1;
export const SLOT_DONE = 2;
export const SLOT_FAILED = 3;
/** Set by the main thread on every slot when the pool closes: the worker returns. */
export const SLOT_STOP = 4;

/** Int32 fields of one slot: state, key group, block number, content length, frame length. */
const SLOT_FIELDS = 5;
export const F_STATE = 0;
export const F_KEY_GROUP = 1;
export const F_BLOCK = 2;
export const F_LENGTH = 3;
export const F_FRAME_LENGTH = 4;
/** Int32 holding the length of the worker's error message (UTF-8, in the error area). */
const ERROR_LENGTH_INDEX = 0;
/** Int32 set to 1 by the worker once its compressor is loaded. */
const READY_INDEX = 1;
const CONTROL_HEADER = 2;
/** Room for a worker's error message; longer ones are cut. */
export const ERROR_BYTES = 1024;

/** What a worker receives as `workerData`. */
export interface WorkerShared {
  control: SharedArrayBuffer;
  bytes: SharedArrayBuffer;
  slots: number;
  blockBytes: number;
  /** The LZ4 compressor of the pool (the writer's thread uses the same one for the blocks it compresses itself). */
  compressor: Lz4Implementation;
}

/** Typed views of one worker's shared memory, with the offsets of each slot's fields and areas. */
export class SlotLayout {
  readonly control: Int32Array;
  readonly bytes: Uint8Array;
  /** A frame is at most its header plus the content (stored raw when LZ4 does not shrink it). */
  readonly frameBytes: number;
  private readonly slotBytes: number;

  constructor(readonly shared: WorkerShared) {
    this.control = new Int32Array(shared.control);
    this.bytes = new Uint8Array(shared.bytes);
    this.frameBytes = FRAME_HEADER_BYTES + shared.blockBytes;
    this.slotBytes = slotBytes(shared.blockBytes);
  }

  /** Allocates the shared memory of `slots` slots for blocks of up to `blockBytes`. */
  static allocate(slots: number, blockBytes: number, compressor: Lz4Implementation): SlotLayout {
    return new SlotLayout({
      compressor,
      control: new SharedArrayBuffer(4 * (CONTROL_HEADER + SLOT_FIELDS * slots)),
      bytes: new SharedArrayBuffer(ERROR_BYTES + slotBytes(blockBytes) * slots),
      slots,
      blockBytes,
    });
  }

  /** Index in {@link control} of `field` of slot `slot`. */
  field(slot: number, field: number): number {
    return CONTROL_HEADER + SLOT_FIELDS * slot + field;
  }

  /** Byte offset of slot `slot`'s content. */
  contentOffset(slot: number): number {
    return ERROR_BYTES + this.slotBytes * slot;
  }

  /** Byte offset of slot `slot`'s frame. */
  frameOffset(slot: number): number {
    return this.contentOffset(slot) + align8(this.shared.blockBytes);
  }

  /** Stores a worker's error message (cut to {@link ERROR_BYTES}). */
  setError(message: string): void {
    const encoded = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
    this.bytes.set(encoded, 0);
    Atomics.store(this.control, ERROR_LENGTH_INDEX, encoded.length);
  }

  /** Called by the worker once it can compress. */
  setReady(): void {
    Atomics.store(this.control, READY_INDEX, 1);
  }

  /** True once the worker has loaded its compressor: until then a block given to it would wait. */
  isReady(): boolean {
    return Atomics.load(this.control, READY_INDEX) === 1;
  }

  /** The worker's error message, empty if none. */
  error(): string {
    const length = Atomics.load(this.control, ERROR_LENGTH_INDEX);
    return new TextDecoder().decode(this.bytes.slice(0, length));
  }
}

/** A slot: the content, then the frame, each starting 8-byte aligned so [copyBytes](./shared-copy.ts) can copy them wide. */
function slotBytes(blockBytes: number): number {
  return align8(blockBytes) + align8(FRAME_HEADER_BYTES + blockBytes);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
