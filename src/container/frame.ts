/**
 * Container framing: wraps a body in header and checksum, and unwraps it with
 * every check the spec orders ([spec](../../spec/format-v1.md#reading-a-file)).
 */
import { WireWriter } from "../body/wire-writer.js";
import { KsnapError } from "../errors.js";
import { createXxh64, xxh64 } from "../hash/xxh64.js";
import { resolveDecodeOptions, type DecodeOptions, type ReaderMinor } from "../decode-options.js";
import type { FormatVersion } from "../model.js";
import {
  HEADER_SIZE, KNOWN_FEATURES, MAGIC, OFFSET_BODY_LENGTH, OFFSET_FEATURES, OFFSET_MAJOR,
  OFFSET_MINOR, TRAILER_SIZE, WRITE_MAJOR,
} from "./layout.js";

/**
 * Chunk size for hashing large files: xxhash-wasm copies its input into wasm
 * memory, and a chunk that stays in cache is faster to copy and hash than a
 * whole file (which also grows wasm memory, for good, to the file's size).
 */
const HASH_CHUNK = 256 * 1024;

/** XXH64 of `bytes`, streamed in chunks when large (the same value as one call). */
function hashBytes(bytes: Uint8Array): bigint {
  if (bytes.length <= HASH_CHUNK) return xxh64(bytes);
  const hash = createXxh64();
  for (let at = 0; at < bytes.length; at += HASH_CHUNK) hash.update(bytes.subarray(at, at + HASH_CHUNK));
  return hash.digest();
}

/** What the header of a well-formed file says. */
export interface Unframed {
  version: FormatVersion;
  requiredFeatures: number;
  /** The body bytes (a view into the input). */
  body: Uint8Array;
  /** Offset of the body in the file, for error messages. */
  bodyOffset: number;
}

/** Where a body is written in place: a writer that already holds the header's room. */
export function startFrame(sizeHint?: number): WireWriter {
  const w = new WireWriter(sizeHint === undefined ? undefined : HEADER_SIZE + sizeHint + TRAILER_SIZE);
  w.reserve(HEADER_SIZE);
  return w;
}

/** The minor version and feature bits a file is written with ([spec](../../spec/format-v1.md#required-features)). */
export interface FrameVersion { minor: number; requiredFeatures: number }

const V1_0: FrameVersion = { minor: 0, requiredFeatures: 0 };

/**
 * Completes a file around the body written since {@link startFrame}: header (1.`minor`, with the feature bits),
 * then whole-file XXH64. The caller chooses the lowest minor and the fewest bits (body/features.ts).
 */
export function finishFrame(w: WireWriter, version: FrameVersion = V1_0): Uint8Array {
  const bodyLength = w.length - HEADER_SIZE;
  const trailer = w.reserve(TRAILER_SIZE);
  const out = w.finish();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(MAGIC, 0);
  view.setUint16(OFFSET_MAJOR, WRITE_MAJOR, true);
  view.setUint16(OFFSET_MINOR, version.minor, true);
  view.setUint32(OFFSET_FEATURES, version.requiredFeatures, true);
  view.setBigUint64(OFFSET_BODY_LENGTH, BigInt(bodyLength), true);
  view.setBigUint64(trailer, hashBytes(out.subarray(0, trailer)), true);
  return out;
}

/** Frames a finished `body` (for bodies built elsewhere, such as test vectors), as 1.0 unless `version` says otherwise. */
export function frameBody(body: Uint8Array, version: FrameVersion = V1_0): Uint8Array {
  const w = startFrame();
  const at = w.reserve(body.length);
  w.bytes(at, at + body.length).set(body);
  return finishFrame(w, version);
}

/** Checks magic, version, features, lengths and checksum, in that order, and returns the body. */
export function unframe(file: Uint8Array, options: DecodeOptions = {}): Unframed {
  const limits = resolveDecodeOptions(options);
  checkMagic(file);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = readVersion(file, view);
  if (file.length > limits.maxFileBytes) {
    throw new KsnapError("LIMIT_EXCEEDED",
      `file size ${file.length} exceeds the limit of ${limits.maxFileBytes} bytes`, { offset: 0 });
  }
  const requiredFeatures = readFeatures(file, view, knownFeatures(limits.readerMinor, version.minor));
  const bodyLength = readBodyLength(file, view);
  checkChecksum(file, view, HEADER_SIZE + bodyLength);
  return { version, requiredFeatures, body: file.subarray(HEADER_SIZE, HEADER_SIZE + bodyLength), bodyOffset: HEADER_SIZE };
}

function need(file: Uint8Array, bytes: number, what: string): void {
  if (file.length < bytes) {
    throw new KsnapError("TRUNCATED",
      `file is ${file.length} bytes, too short to hold the ${what} (needs ${bytes})`, { offset: file.length });
  }
}

function checkMagic(file: Uint8Array): void {
  const n = Math.min(file.length, MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (file[i] !== MAGIC[i]) {
      throw new KsnapError("BAD_MAGIC",
        `not a KSNAP file: byte ${i} is 0x${hex2(file[i]!)}, the magic needs 0x${hex2(MAGIC[i]!)}`, { offset: i });
    }
  }
  need(file, MAGIC.length, "magic");
}

function readVersion(file: Uint8Array, view: DataView): FormatVersion {
  need(file, OFFSET_FEATURES, "format version");
  const major = view.getUint16(OFFSET_MAJOR, true);
  const minor = view.getUint16(OFFSET_MINOR, true);
  if (major !== WRITE_MAJOR) {
    const why = major > WRITE_MAJOR ? "newer than this reader supports" : "not a released version";
    throw new KsnapError("UNSUPPORTED_VERSION",
      `format version ${major}.${minor} is ${why}; this reader reads 1.x`, { offset: OFFSET_MAJOR });
  }
  return { major, minor };
}

/**
 * The bits a reader of minor `readerMinor` knows in a file of minor `fileMinor`. 1.0 defines no bit and bits 0-8
 * are 1.1's: a bit counts as known only in a file whose minor defines it, since a writer sets only bits its own
 * version defines (a 1.0 file with bit 0 set is refused, by 1.0 and 1.1 readers alike).
 */
export function knownFeatures(readerMinor: ReaderMinor, fileMinor: number): number {
  return readerMinor >= 1 && fileMinor >= 1 ? KNOWN_FEATURES : 0;
}

function readFeatures(file: Uint8Array, view: DataView, known: number): number {
  need(file, OFFSET_BODY_LENGTH, "required-feature flags");
  const features = view.getUint32(OFFSET_FEATURES, true);
  const unknown = (features & ~known) >>> 0;
  if (unknown !== 0) {
    throw new KsnapError("UNKNOWN_REQUIRED_FEATURE",
      `required-feature flags 0x${features.toString(16).padStart(8, "0")} include bits 0x${unknown.toString(16).padStart(8, "0")} this reader does not understand`,
      { offset: OFFSET_FEATURES });
  }
  return features;
}

function readBodyLength(file: Uint8Array, view: DataView): number {
  need(file, HEADER_SIZE + TRAILER_SIZE, "header and checksum");
  const declared = view.getBigUint64(OFFSET_BODY_LENGTH, true);
  const available = file.length - HEADER_SIZE - TRAILER_SIZE;
  if (declared > BigInt(available)) {
    throw new KsnapError("TRUNCATED",
      `body length ${declared} exceeds the ${available} bytes between header and checksum (file size ${file.length})`,
      { offset: OFFSET_BODY_LENGTH });
  }
  if (declared < BigInt(available)) {
    throw new KsnapError("TRAILING_BYTES",
      `body length ${declared} leaves ${available - Number(declared)} unexplained bytes before the checksum (file size ${file.length})`,
      { offset: OFFSET_BODY_LENGTH });
  }
  return available;
}

function checkChecksum(file: Uint8Array, view: DataView, end: number): void {
  const stored = view.getBigUint64(end, true);
  const actual = hashBytes(file.subarray(0, end));
  if (stored !== actual) {
    throw new KsnapError("CHECKSUM_MISMATCH",
      `stored xxh64 ${stored.toString(16).padStart(16, "0")} does not match the computed ${actual.toString(16).padStart(16, "0")} of bytes 0..${end}`,
      { offset: end });
  }
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}
