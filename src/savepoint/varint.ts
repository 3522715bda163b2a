/**
 * Minimal LEB128 varints below 2^32 ([spec](../../spec/savepoint-data.md#conventions)).
 * Readers reject every other spelling, so one value has one encoding and a
 * file's content is canonical.
 */

/** Most bytes of a varint below 2^32. */
export const MAX_VARINT_BYTES = 5;

/** Number of bytes {@link writeVarint} uses for `value`. */
export function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` (an integer in 0..2^32-1) at `out[at]`; returns the position after it. */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    // Division, not `>>>`, keeps values at or above 2^31 exact.
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

/** Why a varint is invalid; the reader turns it into a MALFORMED_BODY error with its location. */
export type VarintProblem = "too long" | "not minimal" | "over 2^32 - 1";

/** Thrown for an invalid varint; callers add the location. */
export class VarintError extends Error {
  constructor(readonly problem: VarintProblem) {
    super(`varint ${problem}`);
  }
}

/** Where the varint read last by {@link decodeVarint} ended (a shared cell: no allocation per varint). */
export const varintEnd = { at: 0 };

/**
 * Decodes the varint at `bytes[at]`, reading no further than `end`. Returns
 * its value and sets {@link varintEnd}, or returns -1 when `end` comes first (the
 * varint continues in bytes not yet available). Throws a {@link VarintError}
 * when it is invalid.
 */
export function decodeVarint(bytes: Uint8Array, at: number, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (at + i >= end) return -1;
    const byte = bytes[at + i]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) {
      // A last byte of 0 after other bytes means a shorter spelling existed.
      if (byte === 0 && i > 0) throw new VarintError("not minimal");
      if (value > 0xffff_ffff) throw new VarintError("over 2^32 - 1");
      varintEnd.at = at + i + 1;
      return value;
    }
  }
  throw new VarintError("too long");
}

/**
 * Reads one complete varint from `bytes` at `at` (the meta section, which is
 * in memory whole). Returns the value and the position after it; throws a
 * {@link VarintError}, or a {@link TruncatedVarint} when `bytes` ends inside it.
 */
export function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  const value = decodeVarint(bytes, at, bytes.length);
  if (value < 0) throw new TruncatedVarint();
  return { value, next: varintEnd.at };
}

/** A varint cut off by the end of its section. */
export class TruncatedVarint extends Error {
  constructor() {
    super("varint runs past the end");
  }
}
