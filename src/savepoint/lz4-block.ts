/**
 * LZ4 *block* format ([spec](../../spec/savepoint-data.md#why-the-lz4-block-format))
 * on top of two implementations that frame blocks alike: lz4-wasm-nodejs
 * (WebAssembly, always installed) and lz4-napi (native, optional, prebuilt; see
 * ./lz4-native.ts). Both `compress` to a 4-byte little-endian uncompressed
 * length followed by the LZ4 block, and `decompress` expects that prefix. This
 * module strips the prefix on the way out and adds it back on the way in.
 *
 * Any valid LZ4 block decodes to the same bytes whichever decoder reads it, so
 * the decoder is the fastest one installed. Compressors differ in the blocks
 * they make (equally valid, not the same bytes): the default compressor is
 * lz4-wasm-nodejs, which wrote the released vectors and, measured on the bench's
 * 128 KiB blocks, compresses faster than lz4-napi 2.10.0's `compressSync`.
 *
 * `KSNAP_LZ4` chooses: `auto` (default: native decoder when it loads, WebAssembly
 * compressor), `wasm` (WebAssembly for both: the fallback, forced) or `native`
 * (lz4-napi for both; fails when it does not load). {@link useLz4} changes it at
 * run time.
 */
import { compress as wasmCompress, decompress as wasmDecompress } from "lz4-wasm-nodejs";
import { KsnapError } from "../errors.js";
import { loadNativeLz4, nativeLz4Problem } from "./lz4-native.js";

const PREFIX_BYTES = 4;

/** An LZ4 implementation: `wasm` (lz4-wasm-nodejs) or `native` (lz4-napi). */
export type Lz4Implementation = "wasm" | "native";

/** Which implementation compresses and which decodes. */
export interface Lz4Implementations {
  compress: Lz4Implementation;
  decompress: Lz4Implementation;
}

/** The values of `KSNAP_LZ4` and of {@link useLz4}'s shorthand. */
export const LZ4_CHOICES = ["auto", "wasm", "native"] as const;
export type Lz4Choice = (typeof LZ4_CHOICES)[number];

let current: Lz4Implementations | undefined;

/** The implementations in use (resolved from `KSNAP_LZ4` on first use). */
export function lz4Implementations(): Lz4Implementations {
  current ??= resolveChoice(parseChoice(process.env.KSNAP_LZ4));
  return { ...current };
}

/**
 * Sets the implementations: a choice as `KSNAP_LZ4` takes, or each direction
 * (the others unchanged). Returns the previous setting, for restoring it.
 * Throws INVALID_FIELD for `native` when lz4-napi does not load. Compression
 * workers started afterwards compress with the compressor set here.
 */
export function useLz4(choice: Lz4Choice | Partial<Lz4Implementations>): Lz4Implementations {
  const previous = lz4Implementations();
  const next = typeof choice === "string" ? resolveChoice(choice) : { ...previous, ...choice };
  if (next.compress === "native" || next.decompress === "native") requireNative();
  current = next;
  return previous;
}

/** True when lz4-napi is installed and its binary loads here. */
export function nativeLz4Available(): boolean {
  return loadNativeLz4() !== undefined;
}

function parseChoice(value: string | undefined): Lz4Choice {
  if (value === undefined || value === "") return "auto";
  if ((LZ4_CHOICES as readonly string[]).includes(value)) return value as Lz4Choice;
  throw new KsnapError("INVALID_FIELD", `KSNAP_LZ4=${value} is not one of ${LZ4_CHOICES.join(", ")}`, { field: "KSNAP_LZ4" });
}

function resolveChoice(choice: Lz4Choice): Lz4Implementations {
  if (choice === "wasm") return { compress: "wasm", decompress: "wasm" };
  if (choice === "native") {
    requireNative();
    return { compress: "native", decompress: "native" };
  }
  return { compress: "wasm", decompress: nativeLz4Available() ? "native" : "wasm" };
}

function requireNative(): void {
  if (nativeLz4Available()) return;
  throw new KsnapError("INVALID_FIELD", `the native LZ4 (KSNAP_LZ4=native) is unavailable: ${nativeLz4Problem()}; ` +
    "install it (npm install lz4-napi) or use KSNAP_LZ4=auto", { field: "KSNAP_LZ4" });
}

/**
 * Compresses `content` into a bare LZ4 block, with `implementation` (default:
 * the one in use). The block may be longer than `content` (incompressible
 * data); the caller then stores the content raw.
 */
export function compressBlock(content: Uint8Array, implementation = lz4Implementations().compress): Uint8Array {
  const prefixed = implementation === "native" ? loadNativeLz4()!.compressSync(asBuffer(content)) : wasmCompress(content);
  const declared = readU32(prefixed);
  if (declared !== content.length) {
    // The library's framing changed: refuse rather than write blocks nobody can read.
    throw new Error(`the ${implementation} LZ4 prefixed ${declared} for ${content.length} input bytes; expected its 4-byte length prefix`);
  }
  return prefixed.subarray(PREFIX_BYTES);
}

/** A block that is not valid LZ4, or does not decode to the expected length. */
export class Lz4DecodeError extends Error {
  override readonly name = "Lz4DecodeError";
}

/**
 * Decodes a bare LZ4 block that must yield exactly `uncompressedLength` bytes,
 * with `implementation` (default: the one in use). The caller MUST have
 * checked `uncompressedLength` against the block limit: both libraries
 * allocate that much before decoding (a declared 4 GiB traps the wasm instance).
 */
export function decompressBlock(block: Uint8Array, uncompressedLength: number,
  implementation = lz4Implementations().decompress): Uint8Array {
  const prefixed = new Uint8Array(PREFIX_BYTES + block.length);
  new DataView(prefixed.buffer).setUint32(0, uncompressedLength, true);
  prefixed.set(block, PREFIX_BYTES);
  let out: Uint8Array;
  try {
    out = implementation === "native" ? loadNativeLz4()!.uncompressSync(prefixed) : wasmDecompress(prefixed);
  } catch (e) {
    // lz4-wasm-nodejs throws plain strings ("literal is out of bounds of the input", ...), lz4-napi Errors.
    throw new Lz4DecodeError(`not a valid LZ4 block: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (out.length !== uncompressedLength) {
    throw new Lz4DecodeError(`LZ4 block decodes to ${out.length} bytes, not ${uncompressedLength}`);
  }
  return out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function readU32(bytes: Uint8Array): number {
  if (bytes.length < PREFIX_BYTES) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset, PREFIX_BYTES).getUint32(0, true);
}
