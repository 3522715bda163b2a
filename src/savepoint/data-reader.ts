/**
 * Reads savepoint data files ([spec](../../spec/savepoint-data.md#reading-a-file)):
 * the header and trailer, then only the key groups asked for, from the first
 * one's offset to the last one's end, in 1 MiB chunks read ahead. Every block
 * is verified before its bytes are interpreted; memory is two chunks, one
 * block and the entry being assembled.
 */
import type { KeyGroupRange, SavepointHandle } from "../model.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import type { ReadHandle, ReadOptions, Storage } from "../storage/storage.js";
import { SavepointDataError } from "./data-errors.js";
import {
  DEFAULT_DATA_READ_LIMITS, FOOTER_BYTES, FRAME_HEADER_BYTES, HEADER_FIXED_BYTES, rangeEnd, type DataFileInfo,
  type DataReadLimits, type SavepointEntry, type StateDescriptor,
} from "./data-format.js";
import type { EntryBatch } from "./entry-batch.js";
import { EntryParser } from "./entry-parser.js";
import { DECODE_AHEAD, DECODE_BATCH, DecodePool } from "./decode-pool.js";
import { decodeFrameHeader, decodePayload, type FrameHeader } from "./frame.js";
import { decodeFixedHeader, decodeMeta, headerLength, requireBytes, verifyHeaderChecksum } from "./header-codec.js";
import { SequentialReader } from "./sequential-reader.js";
import { decodeFooter, decodeIndex, offsetProblem, trailerLength, type Footer } from "./trailer.js";

/** Where a file's parts are, once its header and footer are read. */
interface Layout {
  major: number;
  minor: number;
  keyGroups: KeyGroupRange;
  states: StateDescriptor[];
  /** End of the header: where the first key group begins. */
  areaStart: number;
  /** Start of the index: where the key-group area ends. */
  indexOffset: number;
  footer: Footer;
}

/**
 * Where a reader finds its file: through `storage` (default the local file
 * system), which opens it without blocking on a FIFO and refuses anything but a
 * regular file; a link at the path is followed only with `followLinks`, for a
 * path the user named ([spec](../../spec/ownership.md#the-storage-seam)).
 */
export interface DataFileAccess extends ReadOptions {
  storage?: Storage;
}

/**
 * How a reader reads: {@link DataFileAccess}, and whether it decodes in a
 * worker thread. With `decodeWorker`, LZ4 decoding and block checksums (about a
 * third of a read) run in one worker thread while this thread parses the
 * entries of the blocks before them; entries and errors are the same. It pays
 * a worker's start (tens of milliseconds), so it is for large reads. Default false.
 */
export interface DataReadOptions extends DataFileAccess {
  decodeWorker?: boolean;
}

/** The part of a handle a reader needs: the range, the offsets and (when recorded, not 0) the file size. */
export type HandleLocation = Pick<SavepointHandle, "keyGroups" | "offsets"> & { dataFile?: { size: bigint } };

/**
 * Reads the header and the trailer of the data file at `path`, verifying the
 * index ([spec](../../spec/savepoint-data.md#trailer)): what the file holds
 * without its metadata.
 */
export async function readDataFileInfo(path: string, access: DataFileAccess = {}): Promise<DataFileInfo> {
  const file = await DataFile.open(path, access);
  try {
    const layout = await file.layout();
    return {
      formatVersion: { major: layout.major, minor: layout.minor },
      keyGroups: layout.keyGroups,
      states: layout.states,
      offsets: await file.index(layout),
      entryCount: layout.footer.entryCount,
      size: BigInt(file.size),
    };
  } finally {
    await file.close();
  }
}

/**
 * The entries of key groups `range` (default: all of the handle's) of the data
 * file at `path`, in key-group and canonical order. It seeks to each key
 * group's offset and reads nothing else but the header and footer
 * ([spec](../../spec/savepoint-data.md#reading-a-file)). Entries of a key group
 * are yielded as its blocks are verified; a consumer that must not act on a
 * partial key group waits for the next key group (or the end).
 *
 * One object per entry, with its bytes copied: for the bulk of a large file,
 * {@link readKeyGroupBatches} reads the same entries without that cost.
 */
export async function* readKeyGroups(path: string, handle: HandleLocation, range?: KeyGroupRange,
  limits: Partial<DataReadLimits> = {}, access: DataReadOptions = {}): AsyncGenerator<SavepointEntry> {
  for await (const batch of readKeyGroupBatches(path, handle, range, limits, access)) {
    for (let i = 0; i < batch.length; i++) yield batch.entry(i);
  }
}

/**
 * The entries of {@link readKeyGroups}, in the same order and with the same
 * checks, as one {@link EntryBatch} per block: the block's bytes and columns of
 * positions, with no object per entry. A batch holds entries of one key group
 * only; a key group with no entries yields no batch.
 */
export async function* readKeyGroupBatches(path: string, handle: HandleLocation, range?: KeyGroupRange,
  limits: Partial<DataReadLimits> = {}, options: DataReadOptions = {}): AsyncGenerator<EntryBatch> {
  const { decodeWorker = false, ...access } = options;
  const file = await DataFile.open(path, access);
  let pool: DecodePool | undefined;
  try {
    checkRecordedSize(handle, file.size, path);
    const layout = await file.layout();
    checkHandle(handle, layout, path);
    const wanted = range ?? handle.keyGroups;
    checkWanted(wanted, layout.keyGroups, path);
    const maxEntryBytes = limits.maxEntryBytes ?? DEFAULT_DATA_READ_LIMITS.maxEntryBytes;
    const reader = file.spanReader(layout, handle.offsets, wanted);
    if (decodeWorker && wanted.count > 0) pool = DecodePool.start(path);
    let entries = 0;
    for await (const batch of file.batches(layout, handle.offsets, wanted, maxEntryBytes, reader, pool)) {
      entries += batch.length;
      yield batch;
    }
    if (wanted.start === layout.keyGroups.start && wanted.count === layout.keyGroups.count) {
      checkEntryCount(BigInt(entries), layout, path);
    }
  } finally {
    await pool?.close();
    await file.close();
  }
}

/** Step 1: a recorded size (not 0) must be the file's. */
function checkRecordedSize(handle: HandleLocation, size: number, file: string): void {
  const recorded = handle.dataFile?.size ?? 0n;
  if (recorded === 0n || recorded === BigInt(size)) return;
  if (BigInt(size) < recorded) {
    throw new SavepointDataError("TRUNCATED", `the file is ${size} bytes, but its handle records ${recorded}`, { file, offset: size });
  }
  throw new SavepointDataError("TRAILING_BYTES", `the file is ${size} bytes, longer than the ${recorded} its handle records`,
    { file, offset: Number(recorded) });
}

/** Step 9: the handle describes this file: its range and where each key group begins. */
function checkHandle(handle: HandleLocation, layout: Layout, file: string): void {
  const { start, count } = handle.keyGroups;
  if (start !== layout.keyGroups.start || count !== layout.keyGroups.count) {
    throw new SavepointDataError("INVALID_FIELD", `the handle's key groups (start ${start}, count ${count}) are not the ` +
      `file's (start ${layout.keyGroups.start}, count ${layout.keyGroups.count})`, { file, field: "keyGroups" });
  }
  if (handle.offsets.length !== count) {
    throw new SavepointDataError("INVALID_FIELD", `the handle has ${handle.offsets.length} offsets for ${count} key groups`,
      { file, field: "offsets" });
  }
  handle.offsets.forEach((offset, i) => {
    const problem = offsetProblem(offset, handle.offsets[i - 1], i, layout.areaStart, layout.indexOffset);
    if (problem !== undefined) {
      throw new SavepointDataError("INVALID_FIELD", `the handle's offsets[${i}] (key group ${start + i}) ${problem}`,
        { file, field: `offsets[${i}]` });
    }
  });
}

function checkWanted(wanted: KeyGroupRange, held: KeyGroupRange, file: string): void {
  const inside = Number.isInteger(wanted.start) && Number.isInteger(wanted.count) && wanted.count >= 0
    && wanted.start >= held.start && rangeEnd(wanted) <= rangeEnd(held);
  if (inside || wanted.count === 0) return;
  throw new SavepointDataError("INVALID_FIELD", `key groups start ${wanted.start}, count ${wanted.count} are not all in the ` +
    `file's key groups (start ${held.start}, count ${held.count})`, { file, field: "range" });
}

function checkEntryCount(read: bigint, layout: Layout, file: string): void {
  if (read === layout.footer.entryCount) return;
  throw new SavepointDataError("MALFORMED_BODY", `the file holds ${read} entries, but its footer records ` +
    `${layout.footer.entryCount}`, { file, offset: layout.indexOffset + layout.keyGroups.count * 8 + 8 });
}

/** An open data file and positioned, exact reads. */
class DataFile {
  private constructor(private readonly handle: ReadHandle, readonly path: string, readonly size: number) {}

  static async open(path: string, { storage = LOCAL_STORAGE, ...options }: DataFileAccess): Promise<DataFile> {
    const handle = await storage.open(path, options);
    return new DataFile(handle, path, Number(handle.size));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** `length` bytes at `position`, which the caller has checked lie within the file. */
  async read(position: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = await this.handle.read(out, done, length - done, position + done);
      if (n === 0) {
        throw new SavepointDataError("TRUNCATED", `the file ended at byte ${position + done} while being read ` +
          "(it changed after it was opened)", { file: this.path, offset: position + done });
      }
      done += n;
    }
    return out;
  }

  /** Steps 2–8: header, descriptors and footer. */
  async layout(): Promise<Layout> {
    const fixed = decodeFixedHeader(await this.read(0, Math.min(this.size, HEADER_FIXED_BYTES)), this.size, this.path);
    const areaStart = headerLength(fixed.metaLength);
    const header = await this.read(0, areaStart);
    verifyHeaderChecksum(header, this.path);
    const states = decodeMeta(header.subarray(HEADER_FIXED_BYTES, HEADER_FIXED_BYTES + fixed.metaLength), this.path);
    const trailer = trailerLength(fixed.keyGroups.count);
    requireBytes(this.size, areaStart + trailer, `the trailer of ${fixed.keyGroups.count} key groups`, this.path);
    const footerOffset = this.size - FOOTER_BYTES;
    const footer = decodeFooter(await this.read(footerOffset, FOOTER_BYTES), fixed.keyGroups, footerOffset, this.path);
    return {
      major: fixed.major, minor: fixed.minor, keyGroups: fixed.keyGroups, states, areaStart,
      indexOffset: this.size - trailer, footer,
    };
  }

  /**
   * Reads the key groups `wanted` front to back, in chunks read ahead: from the first one's offset to where the
   * last one ends, nothing else.
   */
  spanReader(layout: Layout, offsets: readonly bigint[], wanted: KeyGroupRange): SequentialReader {
    const i = wanted.start - layout.keyGroups.start;
    const start = wanted.count === 0 ? layout.areaStart : Number(offsets[i]!);
    const end = wanted.count === 0 ? start : keyGroupEnd(layout, offsets, rangeEnd(wanted) - 1);
    return new SequentialReader((position, length) => this.read(position, length), start, end);
  }

  /** The verified index (what a reader without the metadata uses as offsets). */
  async index(layout: Layout): Promise<bigint[]> {
    const trailer = await this.read(layout.indexOffset, this.size - layout.indexOffset);
    return decodeIndex(trailer, layout.footer, layout.areaStart, layout.indexOffset, this.path);
  }

  /**
   * Step 10: the entries of key groups `wanted`, frame by frame from each one's offset to its end marker, one
   * batch per block (one await per block, not per entry). With a decode `pool`, up to {@link DECODE_AHEAD} blocks
   * are decoded ahead in its worker while this thread parses; an error found ahead (a frame header, a key group's
   * end) is thrown only after every block before it, so entries and errors come in the order of the file.
   */
  async *batches(layout: Layout, offsets: readonly bigint[], wanted: KeyGroupRange, maxEntryBytes: number,
    reader: SequentialReader, pool: DecodePool | undefined): AsyncGenerator<EntryBatch> {
    const frames = this.frames(layout, offsets, wanted, reader);
    const ahead = pool === undefined ? 1 : DECODE_AHEAD;
    const queue: Queued[] = [];
    let walked = false;
    let parser: EntryParser | undefined;
    for (;;) {
      // With a pool, refilled a batch at a time: one message carries several blocks.
      const refill = pool === undefined || queue.length <= ahead - DECODE_BATCH;
      while (refill && !walked && queue.length < ahead) {
        try {
          const next = await frames.next();
          if (next.done === true) walked = true;
          else queue.push({ frame: next.value, content: decodeLater(next.value, pool) });
        } catch (e) {
          queue.push({ error: e });
          walked = true;
        }
      }
      pool?.flush();
      const item = queue.shift();
      if (item === undefined) return;
      if (item.frame === undefined) throw item.error;
      const { frame } = item;
      const content = typeof item.content === "function" ? item.content() : await item.content!;
      if (frame.where.block === 0) parser = new EntryParser(frame.where.keyGroup, layout.states, maxEntryBytes);
      if (frame.header.uncompressedLength === 0) {
        parser!.end(frame.where);
        continue;
      }
      const batch = parser!.push(content, frame.where);
      if (batch !== undefined) yield batch;
    }
  }

  /**
   * The frames of key groups `wanted`, in file order; after each end marker, a check that the key group ends
   * where the next begins (thrown when the frame after the end marker is asked for).
   */
  private async *frames(layout: Layout, offsets: readonly bigint[], wanted: KeyGroupRange,
    reader: SequentialReader): AsyncGenerator<Frame> {
    for (let k = wanted.start; k < rangeEnd(wanted); k++) {
      const end = keyGroupEnd(layout, offsets, k);
      const walker = new FrameWalker(reader, this.path, k, Number(offsets[k - layout.keyGroups.start]!), layout.indexOffset);
      for (let block = 0; ; block++) {
        const frame = await walker.next(block);
        yield frame;
        if (frame.header.uncompressedLength === 0) {
          walker.requireEndAt(end, block);
          break;
        }
      }
    }
  }
}

/** A frame waiting to be parsed and its content: decoded when parsed (no pool), or decoding in the pool. */
interface Queued {
  frame?: Frame;
  content?: Promise<Uint8Array> | (() => Uint8Array);
  error?: unknown;
}

function decodeLater(frame: Frame, pool: DecodePool | undefined): Queued["content"] {
  const { header, payload, where } = frame;
  if (pool === undefined || header.uncompressedLength === 0) return () => decodePayload(header, payload, where.keyGroup, where.block, where);
  const content = pool.decode(header, payload, where.keyGroup, where.block, where);
  // Awaited when its turn comes; if an earlier error ends the read first, nobody does.
  content.catch(() => undefined);
  return content;
}

/** A frame as read: its header, its payload and where it is. */
interface Frame {
  header: FrameHeader;
  payload: Uint8Array;
  where: { file: string; keyGroup: number; block: number; offset: number };
}

/** Where key group `k` ends: where the next one begins, or the index after the last. */
function keyGroupEnd(layout: Layout, offsets: readonly bigint[], k: number): number {
  const i = k - layout.keyGroups.start;
  return i + 1 < offsets.length ? Number(offsets[i + 1]!) : layout.indexOffset;
}

/**
 * Reads one key group's frames in sequence, through the {@link SequentialReader}
 * of the span being read: the file is read in large chunks ahead of the frames,
 * so decoding a block overlaps reading the next ones.
 */
class FrameWalker {
  private position: number;

  constructor(private readonly reader: SequentialReader, private readonly path: string, private readonly keyGroup: number,
    start: number, private readonly areaEnd: number) {
    this.position = start;
  }

  async next(block: number): Promise<Frame> {
    const where = { file: this.path, keyGroup: this.keyGroup, block, offset: this.position };
    if (this.position + FRAME_HEADER_BYTES > this.areaEnd) {
      throw new SavepointDataError("MALFORMED_BODY", `the frame header runs past the end of the key-group area at byte ${this.areaEnd}`, where);
    }
    const header = decodeFrameHeader(await this.reader.read(this.position, FRAME_HEADER_BYTES), where);
    const payloadStart = this.position + FRAME_HEADER_BYTES;
    const payloadEnd = payloadStart + header.storedLength;
    if (payloadEnd > this.areaEnd) {
      throw new SavepointDataError("MALFORMED_BODY", `the payload of ${header.storedLength} bytes runs past the end of the ` +
        `key-group area at byte ${this.areaEnd}`, where);
    }
    const payload = header.storedLength === 0 ? new Uint8Array(0) : await this.reader.read(payloadStart, header.storedLength);
    this.position = payloadEnd;
    return { header, payload, where };
  }

  /** After the end marker: the key group must end where the next one begins. */
  requireEndAt(end: number, block: number): void {
    if (this.position === end) return;
    throw new SavepointDataError("MALFORMED_BODY", `the key group ends at byte ${this.position}, but the next part of the ` +
      `file begins at byte ${end}`, { file: this.path, keyGroup: this.keyGroup, block, offset: this.position });
  }
}
