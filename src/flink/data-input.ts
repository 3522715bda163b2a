/**
 * A bounds-checked reader of Java `DataOutputStream` bytes (big-endian): every read names what it reads, and
 * running out of bytes is TRUNCATED at the offset where the read started, never a RangeError.
 */
import { KsnapError } from "../errors.js";
import type { FlinkReadLimits } from "./flink-limits.js";
import { decodeModifiedUtf8 } from "./modified-utf8.js";

export class DataInput {
  pos = 0;
  /** Current nesting depth of handles, checked against `limits.maxHandleDepth`. */
  depth = 0;
  private readonly view: DataView;
  /** The same bytes as a Buffer, for its native `latin1Slice` (ASCII strings). */
  private readonly buf: Buffer & { latin1Slice(start: number, end: number): string };

  constructor(readonly bytes: Uint8Array, readonly limits: FlinkReadLimits) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as DataInput["buf"];
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws TRUNCATED unless `n` more bytes remain. */
  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new KsnapError("TRUNCATED", `${what} needs ${n} bytes, only ${this.remaining} remain`, { offset: this.pos });
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  i32(what: string): number {
    const at = this.pos;
    if (at + 4 > this.bytes.length) this.need(4, what);
    this.pos = at + 4;
    return this.view.getInt32(at);
  }

  u16(what: string): number {
    return this.fixed(2, what, (at) => this.view.getUint16(at));
  }

  i64(what: string): bigint {
    const at = this.pos;
    if (at + 8 > this.bytes.length) this.need(8, what);
    this.pos = at + 8;
    return this.view.getBigInt64(at);
  }

  f32(what: string): number {
    return this.fixed(4, what, (at) => this.view.getFloat32(at));
  }

  f64(what: string): number {
    return this.fixed(8, what, (at) => this.view.getFloat64(at));
  }

  private fixed<T>(n: number, what: string, get: (at: number) => T): T {
    this.need(n, what);
    const v = get(this.pos);
    this.pos += n;
    return v;
  }

  /** A Java boolean: one byte, 0 or 1 (anything else is INVALID_FIELD: Java writes only these). */
  bool(what: string): boolean {
    const at = this.pos;
    const b = this.u8(what);
    if (b > 1) throw new KsnapError("INVALID_FIELD", `${what}: boolean byte ${b}, expected 0 or 1`, { offset: at });
    return b === 1;
  }

  /**
   * A count (i32) of elements of at least `minBytesEach` bytes each: negative is INVALID_FIELD, and more than the
   * remaining bytes can hold is TRUNCATED, so no list is ever sized by the input alone.
   */
  count(what: string, minBytesEach: number): number {
    const at = this.pos;
    const n = this.i32(what);
    if (n < 0) throw new KsnapError("INVALID_FIELD", `${what} is ${n}, expected a count ≥ 0`, { offset: at });
    if (n * minBytesEach > this.remaining) {
      throw new KsnapError("TRUNCATED",
        `${what} ${n} needs at least ${n * minBytesEach} bytes, only ${this.remaining} remain`, { offset: at });
    }
    return n;
  }

  /** `n` bytes, copied (the AST does not keep the input alive). */
  bytesOf(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** An i32 length followed by that many bytes. */
  lengthPrefixed(what: string): Uint8Array {
    const n = this.count(`${what} length`, 1);
    return this.bytesOf(n, what);
  }

  /**
   * Java `readUTF`: a u16 length and modified UTF-8 ([modified-utf8.ts](./modified-utf8.ts)). Strings of ASCII
   * bytes 01–7F, which modified UTF-8 writes as themselves, are sliced natively; any other byte takes the strict
   * decoder.
   */
  utf(what: string): string {
    const at = this.pos;
    const bytes = this.bytes;
    if (at + 2 > bytes.length) this.need(2, `${what} length`);
    const n = (bytes[at]! << 8) | bytes[at + 1]!;
    const start = at + 2;
    const end = start + n;
    if (end > bytes.length) {
      this.pos = start;
      this.need(n, what);
    }
    this.pos = end;
    let i = start;
    while (i < end) {
      const b = bytes[i]!;
      if (b === 0 || b > 0x7f) break;
      i++;
    }
    return i === end ? this.buf.latin1Slice(start, end) : decodeModifiedUtf8(bytes, start, n, what);
  }

  /** Runs `fn` one handle level deeper; beyond `limits.maxHandleDepth` it is LIMIT_EXCEEDED. */
  nested<T>(what: string, fn: () => T): T {
    if (this.depth >= this.limits.maxHandleDepth) {
      throw new KsnapError("LIMIT_EXCEEDED", `${what} nested deeper than ${this.limits.maxHandleDepth} handles`, { offset: this.pos });
    }
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }
}
