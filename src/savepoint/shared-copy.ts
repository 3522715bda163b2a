/**
 * Byte copies into and out of shared memory (the compression workers' slots).
 * V8 copies a Uint8Array to or from a SharedArrayBuffer one element at a time
 * (~1.4 GB/s on the bench machine, against ~30 GB/s between ordinary buffers),
 * which made the copies a tenth of the writer thread's time. The same bytes
 * copied as 8-byte elements run ~10× faster; `set` between arrays of one type
 * copies the bits unchanged ([ECMA-262 §23.2.3.26.2](https://262.ecma-international.org/15.0/#sec-settypedarrayfromtypedarray)).
 */

/** Shorter copies, or copies not 8-byte aligned at both ends, go byte by byte: the views would cost more than they save. */
const WIDE_MIN_BYTES = 512;

/** Copies `source[start..end)` to `target[targetAt..]`; the ranges must not overlap. */
export function copyBytes(target: Uint8Array, targetAt: number, source: Uint8Array, start = 0, end = source.length): void {
  const n = end - start;
  const from = source.byteOffset + start;
  const to = target.byteOffset + targetAt;
  if (n < WIDE_MIN_BYTES || from % 8 !== 0 || to % 8 !== 0) {
    target.set(source.subarray(start, end), targetAt);
    return;
  }
  const words = n >>> 3;
  new BigUint64Array(target.buffer, to, words).set(new BigUint64Array(source.buffer, from, words));
  const copied = words * 8;
  if (copied < n) target.set(source.subarray(start + copied, end), targetAt + copied);
}

/** A copy of `source[start..end)` in ordinary memory. */
export function sliceBytes(source: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  copyBytes(out, 0, source, start, end);
  return out;
}
