/**
 * Cuts a key group's content into blocks of a fixed size and emits their
 * frames, then the end marker ([spec](../../spec/savepoint-data.md#block-size)).
 * Memory: one block buffer, whatever the key group's size.
 */
import { encodeFrame } from "./frame.js";

/**
 * Handles one full (or last, partial) block: `content` is a view of the
 * cutter's buffer, valid only during the call.
 */
export type BlockHandler = (keyGroup: number, block: number, content: Uint8Array) => void;

/** Turns content bytes into frames, one key group at a time. */
export class BlockCutter {
  /** The block being filled; {@link used} bytes of it hold content. Callers may encode into it directly ({@link advance}). */
  readonly buffer: Uint8Array;
  private filled = 0;
  private keyGroup = -1;
  private block = 0;
  private readonly handleBlock: BlockHandler;

  /**
   * `emit` receives every frame in order. With `handleBlock`, data blocks go
   * to it instead (to be compressed elsewhere, e.g. in worker threads) and only
   * end markers go to `emit`; the caller then keeps the frames in order.
   */
  constructor(blockBytes: number, private readonly emit: (frame: Uint8Array) => void, handleBlock?: BlockHandler) {
    this.buffer = new Uint8Array(blockBytes);
    this.handleBlock = handleBlock ?? ((keyGroup, block, content) => this.emit(encodeFrame(keyGroup, block, content)));
  }

  /** Starts key group `keyGroup`: frames are numbered from 0 again. */
  begin(keyGroup: number): void {
    this.keyGroup = keyGroup;
    this.block = 0;
    this.filled = 0;
  }

  /** Bytes of {@link buffer} filled. */
  get used(): number {
    return this.filled;
  }

  /** Bytes left in the current block. */
  get room(): number {
    return this.buffer.length - this.filled;
  }

  /** Appends content; every full block is emitted at once. */
  write(bytes: Uint8Array): void {
    this.writeRange(bytes, 0, bytes.length);
  }

  /** Appends `bytes[start..end)`, without a view per call (the sorted writer appends entry by entry from its arena). */
  writeRange(bytes: Uint8Array, start: number, end: number): void {
    let at = start;
    while (at < end) {
      const n = Math.min(this.buffer.length - this.filled, end - at);
      this.buffer.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.buffer.length) this.flush();
    }
  }

  /** The caller wrote `n` bytes (at most {@link room}) into {@link buffer} at {@link used}. */
  advance(n: number): void {
    this.filled += n;
    if (this.filled === this.buffer.length) this.flush();
  }

  /** Emits the last, partial block and the end marker. */
  end(): void {
    if (this.filled > 0) this.flush();
    this.emit(encodeFrame(this.keyGroup, this.block, new Uint8Array(0)));
  }

  private flush(): void {
    this.handleBlock(this.keyGroup, this.block++, this.buffer.subarray(0, this.filled));
    this.filled = 0;
  }
}
