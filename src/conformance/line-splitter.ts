/**
 * Splits a byte stream into `\n`-ended lines, holding at most a bounded number
 * of bytes of the line being read. readline holds a line however long it gets:
 * an adapter that writes without a newline made the runner grow until V8's
 * string limit (`RangeError: Invalid string length`) and crash without a report.
 */

/** Called once for a line longer than the bound, with its first `maxBytes` bytes; the rest of the line is dropped. */
export type OnLongLine = (prefix: Buffer) => void;

/** Splits chunks into lines of at most `maxBytes` bytes (the newline, and a `\r` before it, excluded). */
export class LineSplitter {
  private chunks: Buffer[] = [];
  private length = 0;
  /** Inside a line that went over the bound: its bytes are dropped up to the next newline. */
  private dropping = false;

  constructor(private readonly maxBytes: number, private readonly onLine: (line: string) => void,
    private readonly onLongLine: OnLongLine) {}

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      this.append(chunk.subarray(start, newline < 0 ? chunk.length : newline));
      if (newline < 0) return;
      this.endLine();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts, as with readline. */
  end(): void {
    if (this.length > 0) this.endLine();
    this.dropping = false;
  }

  private append(bytes: Buffer): void {
    if (this.dropping || bytes.length === 0) return;
    if (this.length + bytes.length <= this.maxBytes) {
      this.chunks.push(bytes);
      this.length += bytes.length;
      return;
    }
    // Over the bound: report the line's start and keep nothing more of it, so memory stays bounded.
    const prefix = Buffer.concat([...this.chunks, bytes.subarray(0, this.maxBytes - this.length)]);
    this.chunks = [];
    this.length = 0;
    this.dropping = true;
    this.onLongLine(prefix);
  }

  private endLine(): void {
    const wasDropping = this.dropping;
    this.dropping = false;
    if (wasDropping) return;
    let line = Buffer.concat(this.chunks, this.length);
    this.chunks = [];
    this.length = 0;
    if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
    this.onLine(line.toString("utf8"));
  }
}
