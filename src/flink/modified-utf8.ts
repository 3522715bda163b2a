/**
 * Java's modified UTF-8 (`DataOutput.writeUTF`): NUL as `C0 80`, characters above U+FFFF as a surrogate pair of
 * two 3-byte sequences, no 4-byte sequences. Decoding is strict ([spec](../../spec/flink.md#strings)): an unpaired
 * surrogate, an over-long form other than `C0 80`, a raw `00` byte (Java never writes one) or a bad continuation
 * byte is INVALID_FIELD naming the field, never replaced by U+FFFD.
 */
import { KsnapError } from "../errors.js";

/** Decodes `len` bytes of `bytes` at `start`; `field` names the string in errors, which carry the byte offset. */
export function decodeModifiedUtf8(bytes: Uint8Array, start: number, len: number, field: string): string {
  const units: number[] = [];
  const end = start + len;
  let i = start;
  const bad = (why: string, at: number): KsnapError =>
    new KsnapError("INVALID_FIELD", `${field}: ${why} in modified UTF-8`, { offset: at, field });
  const cont = (at: number): number => {
    if (at >= end) throw bad("sequence cut short", at);
    const b = bytes[at]!;
    if ((b & 0xc0) !== 0x80) throw bad(`byte 0x${hex2(b)} is not a continuation byte`, at);
    return b & 0x3f;
  };
  while (i < end) {
    const at = i;
    const b = bytes[i]!;
    if (b === 0) throw bad("raw NUL byte (Java writes NUL as C0 80)", at);
    if (b < 0x80) {
      units.push(b);
      i += 1;
    } else if ((b & 0xe0) === 0xc0) {
      const c = ((b & 0x1f) << 6) | cont(i + 1);
      if (c < 0x80 && c !== 0) throw bad("over-long 2-byte form", at);
      units.push(c);
      i += 2;
    } else if ((b & 0xf0) === 0xe0) {
      const c = ((b & 0x0f) << 12) | (cont(i + 1) << 6) | cont(i + 2);
      if (c < 0x800) throw bad("over-long 3-byte form", at);
      units.push(c);
      i += 3;
    } else {
      throw bad(`byte 0x${hex2(b)} starts no sequence (modified UTF-8 has 1- to 3-byte forms)`, at);
    }
  }
  checkSurrogates(units, field, start);
  return decodeUnits(units);
}

function checkSurrogates(units: number[], field: string, start: number): void {
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = units[k + 1];
      if (next !== undefined && next >= 0xdc00 && next <= 0xdfff) {
        k++;
        continue;
      }
    }
    if (u >= 0xd800 && u <= 0xdfff) {
      throw new KsnapError("INVALID_FIELD",
        `${field}: unpaired surrogate U+${u.toString(16).toUpperCase()} (character ${k}) has no UTF-8 form`,
        { offset: start, field });
    }
  }
}

function decodeUnits(units: number[]): string {
  let s = "";
  for (let k = 0; k < units.length; k += 8192) s += String.fromCharCode(...units.slice(k, k + 8192));
  return s;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}
