/**
 * Wire-level helpers on protobufjs's Reader. protobufjs reads 64-bit fields as
 * Long objects (its slowest path) and replaces invalid UTF-8 silently, so
 * 64-bit integers and strings are read here, straight into bigint and checked
 * strings. Nothing in this file knows a KSNAP message.
 */
import protobuf from "protobufjs/minimal.js";
import { isUtf8 } from "node:buffer";
import { KsnapError } from "../errors.js";

export type Reader = protobuf.Reader & { buf: Buffer; pos: number; len: number; view: DataView };

/** Wire types ([protobuf encoding](https://protobuf.dev/programming-guides/encoding/#structure)). */
export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;

/** A reader over `bytes`; offsets in its errors are relative to `bytes`. */
export function createReader(bytes: Uint8Array): Reader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = protobuf.Reader.create(buf) as Reader;
  r.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return r;
}

/** Error for malformed wire data at the reader's position. */
export function malformed(r: Reader, message: string): KsnapError {
  return new KsnapError("MALFORMED_BODY", message, { offset: r.pos });
}

/** Reads a tag; converts protobufjs's RangeError into a typed error. */
export function readTag(r: Reader): number {
  return readUint32(r);
}

/** Reads a varint as uint32 (truncated to 32 bits, as protobuf does). */
export function readUint32(r: Reader): number {
  const at = r.pos;
  try {
    return r.uint32();
  } catch (e) {
    throw wireError(at, e);
  }
}

/** Reads a bool varint. */
export function readBool(r: Reader): boolean {
  return readUint32(r) !== 0;
}

/** Skips a field of an unknown number. */
export function skipField(r: Reader, wireType: number): void {
  const at = r.pos;
  try {
    r.skipType(wireType);
  } catch (e) {
    throw wireError(at, e);
  }
}

/** Reads a length prefix and returns the end offset of the delimited bytes. */
export function readLengthEnd(r: Reader, end: number): number {
  const at = r.pos;
  const len = readUint32(r);
  if (len > end - r.pos) {
    throw new KsnapError("MALFORMED_BODY",
      `length ${len} exceeds the ${end - r.pos} bytes left in the enclosing message`, { offset: at });
  }
  return r.pos + len;
}

/** Reads a uint64 varint; values up to 2^49 take a fast path through a number. */
export function readUint64(r: Reader): bigint {
  const buf = r.buf;
  let pos = r.pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (pos >= r.len) throw malformed(r, "varint runs past the end of the body");
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      r.pos = pos;
      return BigInt(value);
    }
    scale *= 128;
  }
  return readUint64Slow(r);
}

function readUint64Slow(r: Reader): bigint {
  const buf = r.buf;
  let pos = r.pos;
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= r.len) throw malformed(r, "varint runs past the end of the body");
    const b = buf[pos++]!;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) {
      if (i === 9 && b > 1) break;
      r.pos = pos;
      return value;
    }
  }
  throw malformed(r, "varint is longer than 10 bytes or overflows 64 bits");
}

/** Reads a little-endian fixed64. */
export function readFixed64(r: Reader): bigint {
  const pos = r.pos;
  if (pos + 8 > r.len) throw malformed(r, `fixed64 needs 8 bytes, ${r.len - pos} left`);
  r.pos = pos + 8;
  return r.view.getBigUint64(pos, true);
}

/** Reads a length-delimited UTF-8 string of at most `maxBytes`; invalid UTF-8 is an error. */
export function readString(r: Reader, end: number, maxBytes: number, what: string): string {
  const at = r.pos;
  const stop = readLengthEnd(r, end);
  const start = r.pos;
  if (stop - start > maxBytes) {
    throw new KsnapError("INVALID_FIELD", `${what} is ${stop - start} bytes; at most ${maxBytes} are allowed`, { offset: at });
  }
  const s = r.buf.toString("utf8", start, stop);
  if (s.includes("\uFFFD") && !isUtf8(r.buf.subarray(start, stop))) {
    throw new KsnapError("MALFORMED_BODY", `${what} is not valid UTF-8`, { offset: start });
  }
  r.pos = stop;
  return s;
}

/** Fails unless a known field arrived with the wire type its declaration implies. */
export function expectWireType(r: Reader, tag: number, wanted: number, message: string): void {
  if ((tag & 7) !== wanted) {
    throw new KsnapError("MALFORMED_BODY",
      `field ${tag >>> 3} of ${message} has wire type ${tag & 7}, expected ${wanted}`, { offset: r.pos });
  }
}

function wireError(at: number, e: unknown): KsnapError {
  const why = e instanceof Error ? e.message : String(e);
  return new KsnapError("MALFORMED_BODY", `cannot read the wire data: ${why}`, { offset: at });
}
