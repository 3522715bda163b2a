/**
 * XXH64 (seed 0), the format's only hash ([spec](../../spec/format-v1.md#checksums)).
 * xxhash-wasm instantiates asynchronously; a top-level await keeps every codec
 * entry point synchronous.
 */
import xxhash from "xxhash-wasm";

const hasher = await xxhash();

/** XXH64 with seed 0 of `bytes`, as an unsigned 64-bit bigint. */
export function xxh64(bytes: Uint8Array): bigint {
  return hasher.h64Raw(bytes);
}

/** Incremental XXH64 for streams; call `update` per chunk, then `digest`. */
export function createXxh64(): { update(chunk: Uint8Array): unknown; digest(): bigint } {
  return hasher.create64();
}

/** Formats a 64-bit hash as 16 lowercase hex digits, the form JSON and `xxhsum -H1` use. */
export function hashToHex(hash: bigint): string {
  return hash.toString(16).padStart(16, "0");
}
