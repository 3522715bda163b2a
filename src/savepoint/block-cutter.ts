/**
 * Cuts a key group's content into blocks of a fixed size and emits their
 * frames, then the end marker ([spec](../../spec/savepoint-data.md#block-size)).
 * Memory: one block buffer, whatever the key group's size.
 */
import { encodeFrame } from "./frame.js";

/** Turns content bytes into frames, one key group at a time. */
export class BlockCutter {
  private readonly buffer: Uint8Array;
  private used = 0;
  private keyGroup = -1;
  private block = 0;

  constructor(blockBytes: number, private readonly emit: (frame: Uint8Array) => void) {
    this.buffer = new Uint8Array(blockBytes);
  }

  /** Starts key group `keyGroup`: frames are numbered from 0 again. */
  begin(keyGroup: number): void {
    this.keyGroup = keyGroup;
    this.block = 0;
    this.used = 0;
  }

  /** Appends content; every full block is emitted at once. */
  write(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(this.buffer.length - this.used, bytes.length - at);
      this.buffer.set(bytes.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
      if (this.used === this.buffer.length) this.flush();
    }
  }

  /** Emits the last, partial block and the end marker. */
  end(): void {
    if (this.used > 0) this.flush();
    this.emit(encodeFrame(this.keyGroup, this.block, new Uint8Array(0)));
  }

  private flush(): void {
    this.emit(encodeFrame(this.keyGroup, this.block++, this.buffer.subarray(0, this.used)));
    this.used = 0;
  }
}
