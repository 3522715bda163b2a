/**
 * The optional native LZ4 binding ([spec](../../spec/savepoint-data.md#why-the-lz4-block-format)):
 * lz4-napi, an optionalDependency shipped as prebuilt N-API binaries (one
 * package per platform, nothing compiled at install). It is loaded on first
 * use; where it is not installed or its binary does not load (another
 * platform, `npm install --omit=optional`), the reader and writer use
 * lz4-wasm-nodejs, which decodes every block to the same bytes.
 */
import { createRequire } from "node:module";

/** The part of lz4-napi used: size-prefixed blocks (a u32 LE uncompressed length, then a bare LZ4 block), as lz4-wasm-nodejs. */
export interface NativeLz4 {
  compressSync(data: Uint8Array): Uint8Array;
  uncompressSync(data: Uint8Array): Uint8Array;
}

/** The package name, for messages. */
export const NATIVE_LZ4_PACKAGE = "lz4-napi";

let loaded: { binding?: NativeLz4; problem?: string } | undefined;

/** The native binding, or undefined when it cannot be loaded ({@link nativeLz4Problem} says why). */
export function loadNativeLz4(): NativeLz4 | undefined {
  loaded ??= tryLoad();
  return loaded.binding;
}

/** Why the native binding is not used (not installed, no binary for this platform), or undefined when it loads. */
export function nativeLz4Problem(): string | undefined {
  loadNativeLz4();
  return loaded!.problem;
}

function tryLoad(): { binding?: NativeLz4; problem?: string } {
  try {
    // require, not import: the package is CommonJS and picks its platform binary itself.
    const binding = createRequire(import.meta.url)(NATIVE_LZ4_PACKAGE) as NativeLz4;
    if (typeof binding.compressSync !== "function" || typeof binding.uncompressSync !== "function") {
      return { problem: `${NATIVE_LZ4_PACKAGE} has no compressSync/uncompressSync` };
    }
    return { binding };
  } catch (e) {
    const message = e instanceof Error ? e.message.split("\n", 1)[0] : String(e);
    return { problem: `${NATIVE_LZ4_PACKAGE} is not loadable: ${message}` };
  }
}
