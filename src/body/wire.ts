/**
 * Wire-level helpers on protobufjs's Reader. protobufjs reads 64-bit fields as
 * Long objects (its slowest path) and replaces invalid UTF-8 silently, so
 * 64-bit integers and strings are read here, straight into bigint and checked
 * strings. Nothing in this file knows a KSNAP message.
 */
import protobuf from "protobufjs/minimal.js";
import { isUtf8 } from "node:buffer";
import { KsnapError } from "../errors.js";

export type Reader = protobuf.Reader & { buf: FastBuffer; pos: number; len: number; view: DataView };

/** Node's Buffer method behind Buffer#toString("utf8", start, end), without its argument checks. */
type FastBuffer = Buffer & { utf8Slice(start: number, end: number): string };

/** Wire types ([protobuf encoding](https://protobuf.dev/programming-guides/encoding/#structure)). */
export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
const WT_SGROUP = 3;
const WT_EGROUP = 4;
const WT_I32 = 5;

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

/**
 * Reads a tag. A tag is a uint32 (field numbers end at 2^29 - 1): a varint of
 * 2^32 or more is MALFORMED_BODY, never cut to 32 bits (2^32 + 8 would become
 * field 1).
 */
export function readTag(r: Reader): number {
  const at = r.pos;
  highBitsSet = false;
  const tag = readUint32(r);
  if (highBitsSet) throw new KsnapError("MALFORMED_BODY", "tag of 2^32 or more: field numbers end at 2^29 - 1", { offset: at });
  return tag;
}

/**
 * Reads a varint as uint32 (truncated to 32 bits, as protobuf does). Varints
 * of up to 3 bytes take an inline path; longer, truncated or malformed ones go
 * through {@link readUint32Slow}, which enforces the 10-byte, 64-bit limit.
 */
export function readUint32(r: Reader): number {
  const buf = r.buf;
  const pos = r.pos;
  const len = r.len;
  if (pos < len) {
    const b0 = buf[pos]!;
    if (b0 < 0x80) {
      r.pos = pos + 1;
      return b0;
    }
    if (pos + 1 < len) {
      const b1 = buf[pos + 1]!;
      if (b1 < 0x80) {
        r.pos = pos + 2;
        return (b0 & 0x7f) | (b1 << 7);
      }
      if (pos + 2 < len) {
        const b2 = buf[pos + 2]!;
        if (b2 < 0x80) {
          r.pos = pos + 3;
          return (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14);
        }
      }
    }
  }
  return readUint32Slow(r);
}

/** Set by {@link readUint32Slow}: the varint just read had bits above the low 32 (the fast path never has). */
let highBitsSet = false;

/**
 * Reads a whole varint of at most 10 bytes and 64 bits (protobufjs's uint32
 * accepts longer ones) and returns its low 32 bits; `highBitsSet` tells
 * whether it had more, for lengths and bools, where truncation would misread.
 */
function readUint32Slow(r: Reader): number {
  const buf = r.buf;
  let pos = r.pos;
  let low = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= r.len) throw malformed(r, "varint runs past the end of the body");
    const b = buf[pos++]!;
    if (i < 4) low |= (b & 0x7f) << (7 * i);
    else if (i === 4) {
      low |= (b & 0x0f) << 28;
      if ((b & 0x70) !== 0) highBitsSet = true;
    } else if ((b & 0x7f) !== 0) highBitsSet = true;
    if (i === 9 && b > 1) break;
    if (b < 0x80) {
      r.pos = pos;
      return low >>> 0;
    }
  }
  throw malformed(r, "varint is longer than 10 bytes or overflows 64 bits");
}

/** Reads a bool varint: true for any non-zero value, whatever its width. */
export function readBool(r: Reader): boolean {
  highBitsSet = false;
  return readUint32(r) !== 0 || highBitsSet;
}

/**
 * Skips the value of a field of an unknown number, with the checks of a known
 * one: varints of at most 10 bytes and 64 bits, lengths compared whole (never
 * cut to 32 bits), and groups closed by the end tag of their own number.
 */
export function skipField(r: Reader, wireType: number, fieldNumber: number): void {
  switch (wireType) {
    case WT_VARINT: readUint32Slow(r); return;
    case WT_I64: skipFixed(r, 8); return;
    case WT_LEN: r.pos = readLengthEnd(r, r.len); return;
    case WT_SGROUP: skipGroup(r, fieldNumber); return;
    case WT_I32: skipFixed(r, 4); return;
    case WT_EGROUP: throw malformed(r, `end-group tag of field ${fieldNumber} without a start-group tag`);
    default: throw malformed(r, `wire type ${wireType} does not exist`);
  }
}

function skipFixed(r: Reader, bytes: number): void {
  if (r.pos + bytes > r.len) throw malformed(r, `fixed${bytes * 8} needs ${bytes} bytes, ${r.len - r.pos} left`);
  r.pos += bytes;
}

/**
 * Skips a group (deprecated, but valid wire data) up to the end-group tag of
 * `fieldNumber`; an end tag of another number is MALFORMED_BODY. Iterative, with
 * a stack of the open groups, so that nesting cannot exhaust the call stack.
 */
function skipGroup(r: Reader, fieldNumber: number): void {
  const open = [fieldNumber];
  while (open.length > 0) {
    const at = r.pos;
    if (at >= r.len) throw malformed(r, `group ${open[open.length - 1]} has no end-group tag`);
    const tag = readTag(r);
    const n = tag >>> 3, wireType = tag & 7;
    if (n === 0) throw new KsnapError("MALFORMED_BODY", "field number 0 is not allowed", { offset: at });
    if (wireType === WT_SGROUP) open.push(n);
    else if (wireType !== WT_EGROUP) skipField(r, wireType, n);
    else if (n === open[open.length - 1]) open.pop();
    else {
      throw new KsnapError("MALFORMED_BODY", `end-group tag of field ${n} closes the group of field ${open[open.length - 1]}`,
        { offset: at });
    }
  }
}

/** Reads a length prefix and returns the end offset of the delimited bytes. */
export function readLengthEnd(r: Reader, end: number): number {
  const at = r.pos;
  highBitsSet = false;
  const len = readUint32(r);
  if (highBitsSet || len > end - r.pos) {
    const shown = highBitsSet ? "of 2^32 or more" : String(len);
    throw new KsnapError("MALFORMED_BODY",
      `length ${shown} exceeds the ${end - r.pos} bytes left in the enclosing message`, { offset: at });
  }
  return r.pos + len;
}

/** Reads a uint64 varint; values up to 2^49 take a fast path through a number. */
export function readUint64(r: Reader): bigint {
  const value = readSmallVarint(r);
  return value < 0 ? readUint64Slow(r) : BigInt(value);
}

/** Recently read values of {@link readUint64Repeated}, by their low 10 bits. */
const RECENT = 1024;
const recentNumbers = new Float64Array(RECENT).fill(-1);
const recentBigints: bigint[] = new Array<bigint>(RECENT).fill(0n);

/**
 * Like {@link readUint64}, for fields whose values repeat (such as the origin
 * checkpoint of shared files): a value read recently is returned as the same
 * bigint instead of a new one, which saves an allocation and its GC work.
 */
export function readUint64Repeated(r: Reader): bigint {
  const value = readSmallVarint(r);
  return value < 0 ? readUint64Slow(r) : repeatedBigInt(value);
}

/** `BigInt(value)` (0 <= value < 2^53), the same bigint as last time when `value` was converted recently. */
export function repeatedBigInt(value: number): bigint {
  const slot = (value >>> 0) & (RECENT - 1);
  if (recentNumbers[slot] === value) return recentBigints[slot]!;
  const big = BigInt(value);
  recentNumbers[slot] = value;
  recentBigints[slot] = big;
  return big;
}

/** A varint of at most 7 bytes (< 2^49) as a number; -1 (reading nothing) for a longer one. */
function readSmallVarint(r: Reader): number {
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
      return value;
    }
    scale *= 128;
  }
  return -1;
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

/**
 * Reads a length-delimited UTF-8 string of at most `maxBytes`; invalid UTF-8 is an error. `what` names the string
 * in messages, `field` is its name in the error's field path (the caller adds the enclosing path).
 */
export function readString(r: Reader, end: number, maxBytes: number, what: string, field: string): string {
  const at = r.pos;
  const stop = readLengthEnd(r, end);
  const start = r.pos;
  if (stop - start > maxBytes) {
    throw new KsnapError("INVALID_FIELD", `${what} is ${stop - start} bytes; at most ${maxBytes} are allowed`, { offset: at, field });
  }
  // utf8Slice is what Buffer#toString("utf8", start, stop) calls after checking its arguments.
  const s = stop === start ? "" : r.buf.utf8Slice(start, stop);
  if (s.includes("\uFFFD") && !isUtf8(r.buf.subarray(start, stop))) {
    throw new KsnapError("MALFORMED_BODY", `${what} is not valid UTF-8`, { offset: start, field });
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
