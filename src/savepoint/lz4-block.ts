/**
 * LZ4 *block* format ([spec](../../spec/savepoint-data.md#why-the-lz4-block-format))
 * on top of lz4-wasm-nodejs, whose output is not a bare block: `compress`
 * returns a 4-byte little-endian uncompressed length followed by the LZ4 block,
 * and `decompress` expects that prefix and checks the decoded length against it.
 * This module strips the prefix on the way out and adds it back on the way in.
 */
import { compress, decompress } from "lz4-wasm-nodejs";

const PREFIX_BYTES = 4;

/**
 * Compresses `content` into a bare LZ4 block. The block may be longer than
 * `content` (incompressible data); the caller then stores the content raw.
 */
export function compressBlock(content: Uint8Array): Uint8Array {
  const prefixed = compress(content);
  const declared = readU32(prefixed);
  if (declared !== content.length) {
    // The library's framing changed: refuse rather than write blocks nobody can read.
    throw new Error(`lz4-wasm-nodejs prefixed ${declared} for ${content.length} input bytes; expected its 4-byte length prefix`);
  }
  return prefixed.subarray(PREFIX_BYTES);
}

/** A block that is not valid LZ4, or does not decode to the expected length. */
export class Lz4DecodeError extends Error {
  override readonly name = "Lz4DecodeError";
}

/**
 * Decodes a bare LZ4 block that must yield exactly `uncompressedLength` bytes.
 * The caller MUST have checked `uncompressedLength` against the block limit:
 * the library allocates that much before decoding (a declared 4 GiB traps the
 * wasm instance).
 */
export function decompressBlock(block: Uint8Array, uncompressedLength: number): Uint8Array {
  const prefixed = new Uint8Array(PREFIX_BYTES + block.length);
  new DataView(prefixed.buffer).setUint32(0, uncompressedLength, true);
  prefixed.set(block, PREFIX_BYTES);
  let out: Uint8Array;
  try {
    out = decompress(prefixed);
  } catch (e) {
    // The library throws plain strings ("literal is out of bounds of the input", ...).
    throw new Lz4DecodeError(`not a valid LZ4 block: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (out.length !== uncompressedLength) {
    throw new Lz4DecodeError(`LZ4 block decodes to ${out.length} bytes, not ${uncompressedLength}`);
  }
  return out;
}

function readU32(bytes: Uint8Array): number {
  if (bytes.length < PREFIX_BYTES) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset, PREFIX_BYTES).getUint32(0, true);
}
