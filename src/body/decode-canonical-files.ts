/**
 * The fast path of the body's hot loop: a FileRef or SharedFileRef laid out exactly as the canonical encoder
 * writes it (fields 1-5 in order, one-byte tags and string lengths, no local name, no unknown field). A metadata
 * file holds millions of these, and reading one here costs no field dispatch and no wire-type checks, only the
 * allocations the model needs (the object, two strings and the bigints). Anything else, valid or not, is left
 * to the general reader in decode-files.ts, which then reads the same bytes with every check and error offset.
 */
import type { FileRef, SharedFileRef } from "../model.js";
import { repeatedBigInt, type Reader } from "./wire.js";

/** Node's Buffer method behind Buffer#toString("utf8", start, end), without its argument checks. */
type Utf8Slicer = { utf8Slice(start: number, end: number): string };

/** Tag bytes of fields 1-5 of FileRef and SharedFileRef, as the canonical encoder writes them. */
const ID_TAG = 0x0a, PATH_TAG = 0x12, SIZE_TAG = 0x18, XXH64_TAG = 0x21, ORIGIN_TAG = 0x28;

/** Set by {@link smallVarint}: the position after the varint it read. */
let varintEnd = 0;

/** A varint of at most 7 bytes (< 2^49) ending at or before `end`, as a number; -1 for anything else. */
function smallVarint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0, scale = 1;
  for (let i = 0; i < 7 && pos < end; i++) {
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      varintEnd = pos;
      return value;
    }
    scale *= 128;
  }
  return -1;
}

/**
 * A UTF-8 string of `buf` (a Buffer) from `start` to `end`; undefined when it holds U+FFFD, which invalid UTF-8
 * would have become: the general reader then decides.
 */
function utf8(buf: Uint8Array, start: number, end: number): string | undefined {
  const s = (buf as unknown as Utf8Slicer).utf8Slice(start, end);
  return s.includes("\uFFFD") ? undefined : s;
}

/**
 * Reads the file ref of the message from `r.pos` to `end` when it is in the canonical layout, and moves `r.pos`
 * to `end`; returns undefined, moving nothing, otherwise. Ids and paths of up to 127 bytes are taken here (the
 * limits are larger: longer ones go the general way); `shared` reads a SharedFileRef, whose origin is required.
 */
export function readCanonicalFileRef(r: Reader, end: number, shared: boolean): FileRef | SharedFileRef | undefined {
  const buf = r.buf;
  let pos = r.pos;
  if (pos + 2 > end || buf[pos] !== ID_TAG) return undefined;
  const idStart = pos + 2, idEnd = idStart + buf[pos + 1]!;
  // A length byte of 0x80 or more is a longer varint (or a longer string): left to the general reader.
  if (idEnd === idStart || buf[pos + 1]! >= 0x80 || idEnd + 2 > end || buf[idEnd] !== PATH_TAG) return undefined;
  const pathStart = idEnd + 2, pathEnd = pathStart + buf[idEnd + 1]!;
  if (pathEnd === pathStart || buf[idEnd + 1]! >= 0x80 || pathEnd > end) return undefined;
  pos = pathEnd;
  let sizeNumber = 0;
  if (pos < end && buf[pos] === SIZE_TAG) {
    sizeNumber = smallVarint(buf, pos + 1, end);
    if (sizeNumber < 0) return undefined;
    pos = varintEnd;
  }
  let xxh64 = 0n;
  if (pos < end && buf[pos] === XXH64_TAG) {
    if (pos + 9 > end) return undefined;
    xxh64 = r.view.getBigUint64(pos + 1, true);
    pos += 9;
  }
  let originNumber = 0;
  if (shared) {
    if (pos >= end || buf[pos] !== ORIGIN_TAG) return undefined;
    originNumber = smallVarint(buf, pos + 1, end);
    // Origin 0 is MISSING_FIELD: the general reader reports it.
    if (originNumber <= 0) return undefined;
    pos = varintEnd;
  }
  if (pos !== end) return undefined;
  const id = utf8(buf, idStart, idEnd);
  if (id === undefined) return undefined;
  const path = utf8(buf, pathStart, pathEnd);
  if (path === undefined) return undefined;
  r.pos = end;
  const size = BigInt(sizeNumber);
  // The same object literals, in the same property order, as the general reader's: one hidden class for both.
  if (!shared) return { id, path, size, xxh64 };
  return { id, path, size, xxh64, originCheckpointId: repeatedBigInt(originNumber) };
}
