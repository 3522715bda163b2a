/**
 * The trailer ([spec](../../spec/savepoint-data.md#trailer)): an index of the
 * key groups' offsets and a 32-byte footer ending with `"KSVD-END"`, so a file
 * is self-describing and a truncated one is recognised without reading it all.
 */
import { hashToHex, xxh64 } from "../hash/xxh64.js";
import type { KeyGroupRange } from "../model.js";
import { SavepointDataError } from "./data-errors.js";
import { END_MAGIC, FOOTER_BYTES, INDEX_ENTRY_BYTES } from "./data-format.js";

/** The footer's fields. */
export interface Footer {
  keyGroups: KeyGroupRange;
  entryCount: bigint;
  trailerXxh64: bigint;
}

/** Bytes of index and footer for `count` key groups. */
export function trailerLength(count: number): number {
  return count * INDEX_ENTRY_BYTES + FOOTER_BYTES;
}

/** Encodes index and footer. */
export function encodeTrailer(keyGroups: KeyGroupRange, offsets: readonly bigint[], entryCount: bigint): Uint8Array {
  const out = new Uint8Array(trailerLength(offsets.length));
  const view = new DataView(out.buffer);
  offsets.forEach((o, i) => view.setBigUint64(i * INDEX_ENTRY_BYTES, o, true));
  const footer = offsets.length * INDEX_ENTRY_BYTES;
  view.setUint32(footer, keyGroups.start, true);
  view.setUint32(footer + 4, keyGroups.count, true);
  view.setBigUint64(footer + 8, entryCount, true);
  view.setBigUint64(footer + 16, xxh64(out.subarray(0, footer + 16)), true);
  out.set(END_MAGIC, footer + 24);
  return out;
}

/**
 * Step 8 on the 32 footer bytes at `footerOffset`: the end magic (TRUNCATED when
 * absent) and the range it repeats (MALFORMED_BODY when it differs from the header's).
 */
export function decodeFooter(bytes: Uint8Array, header: KeyGroupRange, footerOffset: number, file: string): Footer {
  const view = new DataView(bytes.buffer, bytes.byteOffset, FOOTER_BYTES);
  for (let i = 0; i < END_MAGIC.length; i++) {
    if (bytes[24 + i] !== END_MAGIC[i]) {
      throw new SavepointDataError("TRUNCATED",
        `the file does not end with the trailer magic "KSVD-END": it was cut short or has bytes appended`,
        { file, offset: footerOffset + 24 + i });
    }
  }
  const keyGroups = { start: view.getUint32(0, true), count: view.getUint32(4, true) };
  if (keyGroups.start !== header.start || keyGroups.count !== header.count) {
    throw new SavepointDataError("MALFORMED_BODY",
      `the footer's key groups (start ${keyGroups.start}, count ${keyGroups.count}) differ from the header's ` +
      `(start ${header.start}, count ${header.count})`, { file, offset: footerOffset });
  }
  return { keyGroups, entryCount: view.getBigUint64(8, true), trailerXxh64: view.getBigUint64(16, true) };
}

/**
 * Decodes and verifies the index (`trailer` = index and footer bytes): its
 * checksum, then offsets that start at `areaStart`, strictly increase and stay
 * below the index at `indexOffset`.
 */
export function decodeIndex(trailer: Uint8Array, footer: Footer, areaStart: number, indexOffset: number,
  file: string): bigint[] {
  const count = footer.keyGroups.count;
  const checked = count * INDEX_ENTRY_BYTES + 16;
  const computed = xxh64(trailer.subarray(0, checked));
  if (computed !== footer.trailerXxh64) {
    throw new SavepointDataError("CHECKSUM_MISMATCH",
      `trailer_xxh64 is ${hashToHex(footer.trailerXxh64)}, but index and footer hash to ${hashToHex(computed)}`,
      { file, offset: indexOffset + checked });
  }
  const view = new DataView(trailer.buffer, trailer.byteOffset, trailer.length);
  const offsets: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const offset = view.getBigUint64(i * INDEX_ENTRY_BYTES, true);
    const problem = offsetProblem(offset, offsets[i - 1], i, areaStart, indexOffset);
    if (problem !== undefined) {
      throw new SavepointDataError("MALFORMED_BODY", `index[${i}] (key group ${footer.keyGroups.start + i}) ${problem}`,
        { file, offset: indexOffset + i * INDEX_ENTRY_BYTES });
    }
    offsets.push(offset);
  }
  return offsets;
}

/**
 * Why `offset`, the `i`-th key group's, cannot be where it begins; shared by the
 * index and the handle checks ([spec](../../spec/savepoint-data.md#layout)).
 */
export function offsetProblem(offset: bigint, previous: bigint | undefined, i: number, areaStart: number,
  indexOffset: number): string | undefined {
  if (i === 0 && offset !== BigInt(areaStart)) return `is ${offset}, not ${areaStart}, the end of the header`;
  if (previous !== undefined && offset <= previous) return `is ${offset}, not after the previous key group's ${previous}`;
  // Every key group holds at least its 16-byte end marker, so each begins before the index.
  if (offset >= BigInt(indexOffset)) return `is ${offset}, not before the index at ${indexOffset}`;
  return undefined;
}
