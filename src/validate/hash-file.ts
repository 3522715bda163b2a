/**
 * Size and XXH64 of a storage file, or of a byte range of it (a 1.1 segment),
 * streamed through one caller-owned buffer: memory stays at the buffer's size
 * whatever the file's size ([spec](../../spec/validation.md#storage)).
 */
import { createXxh64 } from "../hash/xxh64.js";
import type { ReadHandle } from "../storage/storage.js";

/** The bytes read and their hash. */
export interface Hashed {
  bytes: bigint;
  xxh64: bigint;
}

/** Streams the open file through `buffer` into XXH64, calling `onBytes` after each chunk. */
export async function hashFile(file: ReadHandle, buffer: Uint8Array, onBytes: (n: number) => void): Promise<Hashed> {
  return hashRange(file, buffer, onBytes, 0n, undefined);
}

/**
 * Streams `length` bytes from `offset` (to the end when `length` is undefined)
 * through `buffer` into XXH64. `bytes` is less than `length` when the file
 * ends first.
 */
export async function hashRange(
  file: ReadHandle, buffer: Uint8Array, onBytes: (n: number) => void, offset: bigint, length: bigint | undefined,
): Promise<Hashed> {
  const hasher = createXxh64();
  let bytes = 0n;
  for (;;) {
    const want = length === undefined ? buffer.length : Number(minBig(BigInt(buffer.length), length - bytes));
    if (want === 0) break;
    const n = await file.read(buffer, 0, want, Number(offset + bytes));
    if (n === 0) break;
    hasher.update(buffer.subarray(0, n));
    bytes += BigInt(n);
    onBytes(n);
  }
  return { bytes, xxh64: hasher.digest() };
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
