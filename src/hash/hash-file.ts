/**
 * Size and XXH64 of a storage file, or of a byte range of it (a 1.1 segment),
 * streamed through one caller-owned buffer: memory stays at the buffer's size
 * whatever the file's size ([spec](../../spec/validation.md#storage)).
 */
import { createXxh64, xxh64 } from "./xxh64.js";
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
  // Most files fit in one chunk: it is hashed in one call (no streaming state to set up) once the read after it,
  // into the rest of the buffer, finds the end; otherwise the chunks held so far start a stream.
  const want = length === undefined ? buffer.length : Number(minBig(BigInt(buffer.length), length));
  const first = want === 0 ? 0 : await file.read(buffer, 0, want, Number(offset));
  if (first === 0) return { bytes: 0n, xxh64: xxh64(buffer.subarray(0, 0)) };
  onBytes(first);
  if (length !== undefined) {
    return BigInt(first) === length ? { bytes: length, xxh64: xxh64(buffer.subarray(0, first)) } : streamRest(file, buffer, onBytes, offset, length, first);
  }
  if (first === buffer.length) return streamRest(file, buffer, onBytes, offset, length, first);
  const more = await file.read(buffer, first, buffer.length - first, Number(offset) + first);
  if (more === 0) return { bytes: BigInt(first), xxh64: xxh64(buffer.subarray(0, first)) };
  onBytes(more);
  return streamRest(file, buffer, onBytes, offset, length, first + more);
}

/** Hashes `buffer[0, held)`, the first bytes of the range, then streams the rest of it chunk by chunk. */
async function streamRest(
  file: ReadHandle, buffer: Uint8Array, onBytes: (n: number) => void, offset: bigint, length: bigint | undefined, held: number,
): Promise<Hashed> {
  const hasher = createXxh64();
  hasher.update(buffer.subarray(0, held));
  let bytes = BigInt(held);
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

const WASM_PAGE = 65536;
/** The one WebAssembly API used here; TypeScript's ES libs do not declare it (only lib "dom" does). */
declare const WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => { buffer: ArrayBuffer } };

/**
 * A read buffer that starts on a page boundary. `new Uint8Array(n)` comes from
 * malloc 16 bytes past one, and on the project's machines the kernel's copy from
 * the page cache into such a buffer measured ~5.5× slower (hashing reached 0.25×
 * of `xxhsum -H1` instead of ~0.8×). WebAssembly memory is always page-aligned.
 */
export function pageAlignedBuffer(bytes: number): Uint8Array {
  const pages = Math.ceil(bytes / WASM_PAGE);
  return new Uint8Array(new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer, 0, bytes);
}
