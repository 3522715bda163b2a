/**
 * A growable big-endian byte sink with the methods of Java's DataOutputStream that Flink's `_metadata` writer uses.
 */
export class DataOutput {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Java `writeByte`: the low 8 bits. */
  byte(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.len, v & 0xff);
    this.len += 1;
    return this;
  }

  /** Java `writeInt`: 4 bytes, big-endian two's complement. */
  int(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.len, v | 0);
    this.len += 4;
    return this;
  }

  /** Java `writeLong`: 8 bytes, big-endian two's complement. */
  long(v: number | bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.len, BigInt(v));
    this.len += 8;
    return this;
  }

  /** Java `writeBoolean`: one byte, 1 or 0. */
  bool(v: boolean): this {
    return this.byte(v ? 1 : 0);
  }

  /** Raw bytes, as Java `write(byte[])`. */
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Java `writeUTF`: u16 byte length, then modified UTF-8 ({@link modifiedUtf8}). */
  utf(s: string): this {
    const b = modifiedUtf8(s);
    if (b.length > 0xffff) throw new RangeError(`writeUTF: ${b.length} bytes exceed 65535`);
    this.ensure(2);
    this.view.setUint16(this.len, b.length);
    this.len += 2;
    return this.bytes(b);
  }

  /** The bytes written so far (a copy). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const ASCII = /^[\u0001-\u007f]*$/;

/**
 * Java's modified UTF-8 of a string, as `DataOutputStream.writeUTF` writes it (without the length): each UTF-16
 * code unit is encoded on its own, so U+0000 becomes `C0 80` and a character above U+FFFF becomes its two
 * surrogates, three bytes each (six in all).
 */
export function modifiedUtf8(s: string): Uint8Array {
  if (ASCII.test(s)) return new Uint8Array(Buffer.from(s, "latin1")); // U+0001..U+007F are their own bytes
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) out.push(c);
    else if (c <= 0x7ff) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
