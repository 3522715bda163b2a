/**
 * Entries ([spec](../../spec/savepoint-data.md#entries)): `state` varint, then
 * `key`, `namespace`, `user_key` (map state only) and `value` as length-prefixed
 * bytes, in canonical order within a key group. Entries are encoded straight
 * into the buffer that holds them (a block, a sort arena): no array or object
 * per entry.
 */
import { MAX_VARINT_BYTES, varintLength, writeVarint } from "./varint.js";

const EMPTY = new Uint8Array(0);

/** Most bytes an entry's encoding adds to its fields' bytes: the state varint and four length varints. */
export const MAX_ENTRY_OVERHEAD_BYTES = 5 * MAX_VARINT_BYTES;

/** Bytes of an entry's encoding: the state varint, then each field with its varint length. */
export function encodedEntryLength(stateIndex: number, isMap: boolean, key: Uint8Array, namespace: Uint8Array,
  userKey: Uint8Array | undefined, value: Uint8Array): number {
  return varintLength(stateIndex) + prefixed(key) + prefixed(namespace) + (isMap ? prefixed(userKey ?? EMPTY) : 0) + prefixed(value);
}

/**
 * Where {@link encodeEntryInto} put the sort fields: `[keyStart, keyEnd,
 * namespaceStart, namespaceEnd, userKeyStart, userKeyEnd]`, absolute positions
 * in its output (the user key empty, at the namespace's end, unless map state).
 * A shared cell, so encoding allocates nothing.
 */
export const encodedFields = new Int32Array(6);

/**
 * Encodes one entry at `out[at]`, which must have {@link encodedEntryLength}
 * bytes of room; returns the position after it and sets {@link encodedFields}.
 * The caller's arrays are copied, not kept.
 */
export function encodeEntryInto(out: Uint8Array, at: number, stateIndex: number, isMap: boolean, key: Uint8Array,
  namespace: Uint8Array, userKey: Uint8Array | undefined, value: Uint8Array): number {
  const f = encodedFields;
  at = putVarint(out, at, stateIndex);
  at = putVarint(out, at, key.length);
  f[0] = at;
  at = putBytes(out, at, key);
  f[1] = at;
  at = putVarint(out, at, namespace.length);
  f[2] = at;
  at = putBytes(out, at, namespace);
  f[3] = at;
  if (isMap) {
    const uk = userKey ?? EMPTY;
    at = putVarint(out, at, uk.length);
    f[4] = at;
    at = putBytes(out, at, uk);
  } else {
    f[4] = at;
  }
  f[5] = at;
  at = putVarint(out, at, value.length);
  return putBytes(out, at, value);
}

/** {@link writeVarint} with the one-byte case inline: nearly every length is below 128. */
function putVarint(out: Uint8Array, at: number, value: number): number {
  if (value < 0x80) {
    out[at] = value;
    return at + 1;
  }
  return writeVarint(out, at, value);
}

/** Copies `bytes` to `out[at]`: a loop for short fields, where `set`'s per-call cost dominates. */
function putBytes(out: Uint8Array, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n <= 16) {
    for (let i = 0; i < n; i++) out[at + i] = bytes[i]!;
  } else {
    out.set(bytes, at);
  }
  return at + n;
}

function prefixed(field: Uint8Array): number {
  return varintLength(field.length) + field.length;
}

/**
 * Bytewise order of `a[aStart..aEnd)` and `b[bStart..bEnd)`, a proper prefix
 * first. A plain loop: keys are short, and it beats the per-call cost of
 * `Buffer.compare` by far on them.
 */
export function compareRanges(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return (aEnd - aStart) - (bEnd - bStart);
}

/** {@link compareRanges} of two whole arrays. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareRanges(a, 0, a.length, b, 0, b.length);
}

/** Lowercase hex of at most `max` bytes, with the full length when cut: for error messages naming a key. */
export function shortHex(bytes: Uint8Array, max = 16): string {
  const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString("hex");
  return bytes.length > max ? `${shown}… (${bytes.length} bytes)` : shown === "" ? "(empty)" : shown;
}
