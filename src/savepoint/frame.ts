/**
 * Frames ([spec](../../spec/savepoint-data.md#blocks)): a 16-byte header
 * (uncompressed_length, stored_length, xxh64) and the payload, an LZ4 block or
 * the content stored raw. The checksum covers the key group and frame number,
 * then the uncompressed content ([spec](../../spec/savepoint-data.md#block-checksum)).
 */
import { createXxh64, hashToHex } from "../hash/xxh64.js";
import { SavepointDataError, type DataLocation } from "./data-errors.js";
import { DATA_FORMAT_LIMITS, FRAME_HEADER_BYTES } from "./data-format.js";
import { compressBlock, decompressBlock, Lz4DecodeError, type Lz4Implementation } from "./lz4-block.js";

/** A frame header as read. */
export interface FrameHeader {
  uncompressedLength: number;
  storedLength: number;
  xxh64: bigint;
}

/** The block checksum of `content` as frame `block` of key group `keyGroup`. */
export function blockChecksum(keyGroup: number, block: number, content: Uint8Array): bigint {
  const position = new Uint8Array(8);
  const view = new DataView(position.buffer);
  view.setUint32(0, keyGroup, true);
  view.setUint32(4, block, true);
  const h = createXxh64();
  h.update(position);
  h.update(content);
  return h.digest();
}

/**
 * Encodes frame `block` of `keyGroup` holding `content` (empty: the end
 * marker). LZ4 when it shrinks the content, raw otherwise, as the spec requires.
 * `compressor` defaults to the one in use (./lz4-block.ts); compression workers
 * pass their pool's, so that every block of a file comes from one compressor.
 */
export function encodeFrame(keyGroup: number, block: number, content: Uint8Array, compressor?: Lz4Implementation): Uint8Array {
  const compressed = content.length === 0 ? content : compressBlock(content, compressor);
  const payload = compressed.length < content.length ? compressed : content;
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, content.length, true);
  view.setUint32(4, payload.length, true);
  view.setBigUint64(8, blockChecksum(keyGroup, block, content), true);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Decodes a frame header and applies the length rules, in the spec's order:
 * the block limit first (before anything is allocated), then stored_length.
 */
export function decodeFrameHeader(bytes: Uint8Array, where: DataLocation): FrameHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER_BYTES);
  const header = {
    uncompressedLength: view.getUint32(0, true),
    storedLength: view.getUint32(4, true),
    xxh64: view.getBigUint64(8, true),
  };
  const { uncompressedLength: u, storedLength: s } = header;
  if (u > DATA_FORMAT_LIMITS.maxBlockBytes) {
    throw new SavepointDataError("LIMIT_EXCEEDED",
      `the block declares ${u} uncompressed bytes, over the limit of ${DATA_FORMAT_LIMITS.maxBlockBytes}`, where);
  }
  if (u === 0 && s !== 0) {
    throw new SavepointDataError("MALFORMED_BODY", `the end marker has stored_length ${s}, not 0`, where);
  }
  if (s > u) {
    throw new SavepointDataError("MALFORMED_BODY",
      `stored_length ${s} is greater than uncompressed_length ${u} (a block that LZ4 does not shrink is stored raw)`, where);
  }
  if (u !== 0 && s === 0) {
    throw new SavepointDataError("MALFORMED_BODY", `stored_length is 0 for ${u} uncompressed bytes`, where);
  }
  return header;
}

/** Why a payload is not the block written: the error's code and detail (its location is the caller's). */
export interface PayloadProblem {
  code: "CHECKSUM_MISMATCH";
  detail: string;
}

/**
 * The block's content from its payload, verified against its checksum. A
 * payload that does not decode is CHECKSUM_MISMATCH too: both mean the bytes
 * are not the ones written ([spec](../../spec/savepoint-data.md#block-checksum)).
 */
export function decodePayload(header: FrameHeader, payload: Uint8Array, keyGroup: number, block: number,
  where: DataLocation): Uint8Array {
  const content = checkedContent(header, payload, keyGroup, block);
  if (content instanceof Uint8Array) return content;
  throw new SavepointDataError(content.code, content.detail, where);
}

/**
 * {@link decodePayload} without the location: the content, or the problem (a
 * decode worker sends it to the reader's thread, which throws it where the block is).
 */
export function checkedContent(header: FrameHeader, payload: Uint8Array, keyGroup: number, block: number): Uint8Array | PayloadProblem {
  let content: Uint8Array;
  if (payload.length === header.uncompressedLength) content = payload;
  else {
    try {
      content = decompressBlock(payload, header.uncompressedLength);
    } catch (e) {
      if (!(e instanceof Lz4DecodeError)) throw e;
      return { code: "CHECKSUM_MISMATCH", detail: `the block's payload is corrupt: ${e.message}` };
    }
  }
  const computed = blockChecksum(keyGroup, block, content);
  if (computed !== header.xxh64) {
    return { code: "CHECKSUM_MISMATCH", detail: `the block's xxh64 is ${hashToHex(header.xxh64)}, but its content hashes to ` +
      `${hashToHex(computed)} (corrupt, or not block ${block} of key group ${keyGroup})` };
  }
  return content;
}
