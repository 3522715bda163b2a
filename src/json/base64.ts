/**
 * Bytes in the JSON form ([spec](../../spec/format-v1.md#json-form)): base64 with the standard alphabet and
 * padding (RFC 4648, section 4). Exactly one text per value: anything else, including non-zero padding bits that
 * a lenient decoder would drop, is INVALID_JSON at the member's path.
 */
import { KsnapError } from "../errors.js";

/** `bytes` as padded base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** The bytes of padded base64 `text`; INVALID_JSON at `field` unless `text` is exactly how {@link bytesToBase64} writes them. */
export function base64ToBytes(text: string, field: string): Uint8Array {
  const bytes = Buffer.from(text, "base64");
  // Node's decoder skips characters outside the alphabet and ignores stray padding: re-encoding shows whether it did.
  if (bytes.toString("base64") !== text) {
    throw new KsnapError("INVALID_JSON", "not base64 as RFC 4648 writes it (standard alphabet, padded with =, zero padding bits)", { field });
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
