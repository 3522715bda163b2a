/**
 * Size and XXH64 of a storage file, streamed through one caller-owned buffer:
 * memory stays at the buffer's size whatever the file's size
 * ([spec](../../spec/validation.md#storage)).
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
  const hasher = createXxh64();
  let bytes = 0n;
  for (;;) {
    const n = await file.read(buffer, 0, buffer.length, Number(bytes));
    if (n === 0) break;
    hasher.update(buffer.subarray(0, n));
    bytes += BigInt(n);
    onBytes(n);
  }
  return { bytes, xxh64: hasher.digest() };
}
