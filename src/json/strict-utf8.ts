/**
 * Decoding JSON input as strict UTF-8 ([spec](../../spec/format-v1.md#json-form)).
 * A lenient decoder replaces each invalid sequence by U+FFFD, so two ids that
 * differ only in invalid bytes would become one id: the input is refused instead,
 * with the byte offset of the first invalid sequence.
 */
import { KsnapError } from "../errors.js";

const STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `bytes` as text; INVALID_JSON at the offset of the first byte that is not well-formed UTF-8. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  try {
    return STRICT.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    throw new KsnapError("INVALID_JSON", `invalid UTF-8 at byte ${offset}: JSON text must be UTF-8, and replacing the bytes would change ids and paths`, { offset });
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629); `bytes.length` if none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n;
  }
  return i;
}
