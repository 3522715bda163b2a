/**
 * Entries ([spec](../../spec/savepoint-data.md#entries)): `state` varint, then
 * `key`, `namespace`, `user_key` (map state only) and `value` as length-prefixed
 * bytes, in canonical order within a key group.
 */
import { varintLength, writeVarint } from "./varint.js";

/**
 * An entry encoded for the content stream. The sort fields are kept as
 * positions in `bytes` rather than views: a key group may buffer millions of
 * entries, and positions cost no allocation.
 */
export interface EncodedEntry {
  /** The entry's bytes in the content stream. */
  bytes: Uint8Array;
  stateIndex: number;
  keyStart: number;
  keyEnd: number;
  namespaceStart: number;
  namespaceEnd: number;
  /** Equal to userKeyEnd (empty) for value and list state. */
  userKeyStart: number;
  userKeyEnd: number;
}

const EMPTY = new Uint8Array(0);

/** Encodes one entry into fresh bytes: the caller's arrays are neither kept nor affected by later changes. */
export function encodeEntry(stateIndex: number, isMap: boolean, key: Uint8Array, namespace: Uint8Array,
  userKey: Uint8Array | undefined, value: Uint8Array): EncodedEntry {
  const uk = isMap ? userKey ?? EMPTY : EMPTY;
  const bytes = new Uint8Array(varintLength(stateIndex) + prefixed(key) + prefixed(namespace)
    + (isMap ? prefixed(uk) : 0) + prefixed(value));
  let at = writeVarint(bytes, 0, stateIndex);
  const keyStart = at = writeVarint(bytes, at, key.length);
  bytes.set(key, at);
  const namespaceStart = at = writeVarint(bytes, at + key.length, namespace.length);
  bytes.set(namespace, at);
  at += namespace.length;
  let userKeyStart = at;
  if (isMap) {
    userKeyStart = at = writeVarint(bytes, at, uk.length);
    bytes.set(uk, at);
    at += uk.length;
  }
  at = writeVarint(bytes, at, value.length);
  bytes.set(value, at);
  return {
    bytes, stateIndex, keyStart, keyEnd: keyStart + key.length, namespaceStart, namespaceEnd: namespaceStart + namespace.length,
    userKeyStart, userKeyEnd: userKeyStart + uk.length,
  };
}

function prefixed(field: Uint8Array): number {
  return varintLength(field.length) + field.length;
}

/**
 * Canonical order of two encoded entries: state index, then key, namespace and
 * user key, each bytewise ([spec](../../spec/savepoint-data.md#entries)). 0
 * means the same sort key: list elements (kept in arrival order by a stable
 * sort) or a duplicate.
 */
export function compareEntries(a: EncodedEntry, b: EncodedEntry): number {
  return a.stateIndex - b.stateIndex
    || compareRanges(a.bytes, a.keyStart, a.keyEnd, b.bytes, b.keyStart, b.keyEnd)
    || compareRanges(a.bytes, a.namespaceStart, a.namespaceEnd, b.bytes, b.namespaceStart, b.namespaceEnd)
    || compareRanges(a.bytes, a.userKeyStart, a.userKeyEnd, b.bytes, b.userKeyStart, b.userKeyEnd);
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

/** The key of an encoded entry, for messages. */
export function keyOf(e: EncodedEntry): Uint8Array {
  return e.bytes.subarray(e.keyStart, e.keyEnd);
}

/** The namespace of an encoded entry, for messages. */
export function namespaceOf(e: EncodedEntry): Uint8Array {
  return e.bytes.subarray(e.namespaceStart, e.namespaceEnd);
}

/** The user key of an encoded entry, for messages. */
export function userKeyOf(e: EncodedEntry): Uint8Array {
  return e.bytes.subarray(e.userKeyStart, e.userKeyEnd);
}
