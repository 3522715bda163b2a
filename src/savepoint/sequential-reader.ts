/**
 * Reads a span of a file front to back in large chunks, the next chunk always
 * being read while the current one is used: a reader of many key groups makes
 * one file read per chunk instead of one per block, and rarely waits for one.
 * Memory: two chunks, plus a copy for a request that spans them.
 */

/** Reads `length` bytes at `position` exactly, or throws (the data file's positioned read). */
export type ExactRead = (position: number, length: number) => Promise<Uint8Array>;

/** Default chunk: 1 MiB, about eight canonical blocks (a 128 KiB block compresses to ~90 KiB of text-like state). */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/**
 * Serves reads of `[start, end)` in ascending order from chunks read ahead. A read
 * before the last one's position, or reaching past `end`, goes to the file directly.
 * The arrays returned are views of chunks that are never written again.
 */
export class SequentialReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart: number;
  private pending: { start: number; bytes: Promise<Uint8Array> } | undefined;

  constructor(private readonly readExact: ExactRead, start: number, private readonly end: number,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.chunkStart = start;
    this.prefetch(start);
  }

  /** `length` bytes at `position`. */
  async read(position: number, length: number): Promise<Uint8Array> {
    if (position < this.chunkStart || position + length > this.end) return this.readExact(position, length);
    const chunkEnd = this.chunkStart + this.chunk.length;
    if (position + length <= chunkEnd) return this.chunk.subarray(position - this.chunkStart, position - this.chunkStart + length);
    if (position >= chunkEnd) {
      await this.advanceTo(position);
      return this.read(position, length);
    }
    return this.spanning(position, length);
  }

  /** A read that starts in the current chunk and ends in later ones: copied together. */
  private async spanning(position: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = position + done;
      if (at >= this.chunkStart + this.chunk.length) await this.advanceTo(at);
      const from = at - this.chunkStart;
      const n = Math.min(length - done, this.chunk.length - from);
      out.set(this.chunk.subarray(from, from + n), done);
      done += n;
    }
    return out;
  }

  /** Makes the chunk holding `position` current (skipping chunks wholly before it) and starts reading the next. */
  private async advanceTo(position: number): Promise<void> {
    for (;;) {
      const next = this.pending ?? { start: this.chunkStart + this.chunk.length, bytes: this.readChunk(this.chunkStart + this.chunk.length) };
      this.pending = undefined;
      this.chunk = await next.bytes;
      this.chunkStart = next.start;
      this.prefetch(this.chunkStart + this.chunk.length);
      if (position < this.chunkStart + this.chunk.length || this.chunk.length === 0) return;
    }
  }

  private prefetch(start: number): void {
    if (start >= this.end) return;
    const bytes = this.readChunk(start);
    // Awaited by the read that needs it, which reports a failure; if reading stops first, nobody does.
    bytes.catch(() => undefined);
    this.pending = { start, bytes };
  }

  private readChunk(start: number): Promise<Uint8Array> {
    return start >= this.end ? Promise.resolve(new Uint8Array(0)) : this.readExact(start, Math.min(this.chunkBytes, this.end - start));
  }
}
