/**
 * Lists the frames of a data file held in memory, by walking the key-group
 * area from the header to the index ([spec](../../spec/savepoint-data.md#blocks)).
 * Structure only: payloads are neither decoded nor verified. For tools that show
 * a file's blocks, and for tests that must reach each block.
 */
import { SavepointDataError, type DataLocation } from "./data-errors.js";
import { FRAME_HEADER_BYTES, HEADER_FIXED_BYTES, rangeEnd } from "./data-format.js";
import { decodeFrameHeader } from "./frame.js";
import { decodeFixedHeader, headerLength } from "./header-codec.js";
import { trailerLength } from "./trailer.js";

/** One frame: where it is, what it declares. */
export interface FrameInfo {
  keyGroup: number;
  /** Frame number within the key group. */
  block: number;
  /** Offset of the frame header. */
  offset: number;
  uncompressedLength: number;
  storedLength: number;
  xxh64: bigint;
  /** Offset of the payload (`offset + 16`). */
  payloadOffset: number;
  /** Stored raw (the payload is the content), as opposed to an LZ4 block. End markers are neither. */
  raw: boolean;
}

/** Every frame of `file`, in file order; a structural error is thrown as the reader would report it. */
export function listFrames(file: Uint8Array, name = "(memory)"): FrameInfo[] {
  const fixed = decodeFixedHeader(file.subarray(0, HEADER_FIXED_BYTES), file.length, name);
  const areaEnd = file.length - trailerLength(fixed.keyGroups.count);
  const frames: FrameInfo[] = [];
  let offset = headerLength(fixed.metaLength);
  for (let k = fixed.keyGroups.start; k < rangeEnd(fixed.keyGroups); k++) {
    for (let block = 0; ; block++) {
      const where: DataLocation = { file: name, keyGroup: k, block, offset };
      if (offset + FRAME_HEADER_BYTES > areaEnd) {
        throw new SavepointDataError("MALFORMED_BODY", `the frame header runs past the end of the key-group area at byte ${areaEnd}`, where);
      }
      const h = decodeFrameHeader(file.subarray(offset, offset + FRAME_HEADER_BYTES), where);
      frames.push({
        keyGroup: k, block, offset, uncompressedLength: h.uncompressedLength, storedLength: h.storedLength,
        xxh64: h.xxh64, payloadOffset: offset + FRAME_HEADER_BYTES,
        raw: h.uncompressedLength !== 0 && h.storedLength === h.uncompressedLength,
      });
      offset += FRAME_HEADER_BYTES + h.storedLength;
      if (h.uncompressedLength === 0) break;
    }
  }
  return frames;
}
