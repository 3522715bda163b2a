/**
 * The streaming writer of savepoint data files ([spec](../../spec/savepoint-data.md)).
 * Key groups are given in ascending order; within one, entries are either
 * buffered and sorted (up to `sortBufferBytes`) or given presorted and checked.
 * The result is everything a {@link SavepointHandle} needs: the FileRef (size
 * and xxh64 computed while writing) and one offset per key group.
 */
import { KsnapError } from "../errors.js";
import { createXxh64 } from "../hash/xxh64.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { KeyGroupRange, SavepointHandle } from "../model.js";
import { pathProblem } from "../storage/paths.js";
import { BlockCutter } from "./block-cutter.js";
import { CompressionPool } from "./compress-pool.js";
import { CompressionWorkers, MAX_COMPRESSION_WORKERS } from "./compression-workers.js";
import { SavepointDataError } from "./data-errors.js";
import {
  CANONICAL_BLOCK_BYTES, DATA_FORMAT_LIMITS, DEFAULT_DATA_READ_LIMITS, rangeEnd, type StateDescriptor,
  type StateEntry, type StateKind,
} from "./data-format.js";
import { AtomicFileSink, type DataSink } from "./data-sink.js";
import {
  compareRanges, encodedEntryLength, encodedFields, encodeEntryInto, MAX_ENTRY_OVERHEAD_BYTES, shortHex,
} from "./entry-codec.js";
import { encodeHeader } from "./header-codec.js";
import { SORT_INDEX_BYTES_PER_ENTRY, SortBuffer } from "./sort-buffer.js";
import { canonicalStates } from "./states.js";
import { encodeTrailer } from "./trailer.js";

/** Options of {@link SavepointDataWriter.open}. */
export interface SavepointDataWriterOptions {
  /** The FileRef's id: stable, unique in the snapshot root, 1..256 bytes ([spec](../../spec/format-v1.md#file-identity)). */
  fileId: string;
  /** The FileRef's path, relative to the snapshot root ([spec](../../spec/format-v1.md#paths)). */
  filePath: string;
  /** The states entries may name, in any order; the file lists them sorted by name. */
  states: readonly StateDescriptor[];
  /** The key groups the file holds: every one is written, empty if never begun. */
  keyGroups: KeyGroupRange;
  /** Entries of each key group arrive in canonical order: stream them (checked) instead of sorting. Default false. */
  presorted?: boolean;
  /**
   * Bound on one key group's buffered, encoded entries when not presorted. Default 64 MiB. The sort index
   * (44 bytes per entry) is held to the same bound, so a key group of tiny entries cannot hold many times it.
   */
  sortBufferBytes?: number;
  /** Largest entry (key + namespace + user key + value bytes). Default 16 MiB, the reference reader's limit. */
  maxEntryBytes?: number;
  /** Block size. Default (and canonical) 128 KiB; other sizes (1..1 MiB) give valid, non-canonical files. */
  blockBytes?: number;
  /**
   * Worker threads that compress (and checksum) blocks while this thread keeps encoding entries. Default 0:
   * everything in this thread. The bytes written are the same either way; each worker holds 3 blocks of
   * shared memory (~0.8 MiB at 128 KiB blocks). When every worker is busy, this thread compresses a few blocks
   * itself instead of waiting, so one worker already keeps two cores busy. At most {@link MAX_COMPRESSION_WORKERS}.
   * A number starts that many workers for this file and ends them with it; a {@link CompressionWorkers} pool
   * is used until the writer finishes or aborts and left running for the next file (one writer at a time).
   */
  compressionWorkers?: number | CompressionWorkers;
}

export { MAX_COMPRESSION_WORKERS };

/** What {@link SavepointDataWriter.finish} returns. */
export interface SavepointDataResult {
  /** The handle to put in the metadata: key groups, data file ref, offsets. */
  handle: SavepointHandle;
  entryCount: bigint;
}

/** Default bound of the sort buffer. */
export const DEFAULT_SORT_BUFFER_BYTES = 64 * 1024 * 1024;

type Phase = "between" | "inKeyGroup" | "finished" | "failed";

/**
 * Writes one data file. Memory is bounded by one block plus, when not
 * presorted, one key group's sort buffer ([spec](../../spec/savepoint-data.md#how-a-writer-achieves-the-canonical-order)).
 * Every method is synchronous; an error leaves the writer failed and its
 * temporary file removed.
 */
export class SavepointDataWriter {
  private readonly states: StateDescriptor[];
  private readonly stateIndex = new Map<string, { index: number; kind: StateKind }>();
  private readonly hash = createXxh64();
  private readonly offsets: bigint[] = [];
  private readonly cutter: BlockCutter;
  private readonly sortBufferBytes: number;
  private readonly maxEntryBytes: number;
  private readonly presorted: boolean;
  private position = 0;
  private phase: Phase = "between";
  private nextKeyGroup: number;
  private current = -1;
  /** The key group's entries when not presorted. */
  private readonly sortBuffer: SortBuffer | undefined;
  /**
   * Presorted: the previous entry's state, and where its encoded sort fields lie (`previousAt`: key start and end,
   * namespace start and end, user key start and end) in `previousBytes`, the block or the spill it was encoded into.
   * Neither is written again before the next entry is checked, so nothing is copied to remember it.
   */
  private previousState = -1;
  private previousBytes: Uint8Array = new Uint8Array(0);
  private readonly previousAt = new Int32Array(6);
  /** The state named by the previous entry: entries of one state mostly come in runs, so the map is rarely asked. */
  private lastStateName = "";
  private lastState: { index: number; kind: StateKind } | undefined;
  /** Where an entry that does not fit in the rest of the block is encoded before it is cut. */
  private readonly spill: Uint8Array;
  private entryCount = 0;
  /** The workers compressing blocks, when `compressionWorkers` > 0 or a shared pool. */
  private pool: CompressionPool | undefined;
  /** The shared pool `pool` is leased from, given back (not closed) when the writer is done. */
  private shared: CompressionWorkers | undefined;

  private constructor(private readonly sink: DataSink, private readonly label: string,
    private readonly options: SavepointDataWriterOptions, states: StateDescriptor[]) {
    this.states = states;
    this.states.forEach((s, index) => this.stateIndex.set(s.name, { index, kind: s.kind }));
    this.presorted = options.presorted ?? false;
    this.sortBufferBytes = options.sortBufferBytes ?? DEFAULT_SORT_BUFFER_BYTES;
    this.maxEntryBytes = options.maxEntryBytes ?? DEFAULT_DATA_READ_LIMITS.maxEntryBytes;
    const blockBytes = options.blockBytes ?? CANONICAL_BLOCK_BYTES;
    const workers = options.compressionWorkers ?? 0;
    if (workers instanceof CompressionWorkers) {
      this.pool = workers.lease(label, blockBytes, (frame) => this.append(frame));
      this.shared = workers;
    } else if (workers > 0) {
      this.pool = CompressionPool.start({ workers, blockBytes, label, write: (frame) => this.append(frame) });
    }
    const pool = this.pool;
    // With workers, end markers queue behind the blocks being compressed: the writer need not wait at a key group's end.
    this.cutter = pool === undefined ? new BlockCutter(blockBytes, (frame) => this.write(frame))
      : new BlockCutter(blockBytes, (frame) => pool.enqueueFrame(frame), (kg, block, content) => pool.submit(kg, block, content));
    this.spill = new Uint8Array(CANONICAL_BLOCK_BYTES);
    this.sortBuffer = this.presorted ? undefined : new SortBuffer();
    this.nextKeyGroup = options.keyGroups.start;
  }

  /**
   * Starts a data file at `target`: a local path (written to a temporary file
   * and renamed into place by {@link finish}) or a {@link DataSink}.
   * The options are checked before anything is created.
   */
  static open(target: string | DataSink, options: SavepointDataWriterOptions): SavepointDataWriter {
    checkOptions(options);
    const states = canonicalStates(options.states);
    const sink = typeof target === "string" ? new AtomicFileSink(target) : target;
    const label = typeof target === "string" ? target : options.filePath;
    let writer: SavepointDataWriter;
    try {
      writer = new SavepointDataWriter(sink, label, options, states);
    } catch (e) {
      // The workers could not start: no file is left behind.
      sink.abort();
      throw e;
    }
    writer.guard("between", "open", () => writer.write(encodeHeader(writer.states, options.keyGroups)));
    return writer;
  }

  /**
   * Resolves once the compression workers (`compressionWorkers`) have loaded their compressor, which takes tens
   * of milliseconds; at once without workers. Optional: until then this thread compresses the blocks itself,
   * so the bytes are the same either way. A caller writing a large file, or measuring, may await it first.
   */
  whenWorkersReady(): Promise<void> {
    return this.pool?.whenReady() ?? Promise.resolve();
  }

  /** Starts key group `keyGroup`, after any before it; key groups skipped are written empty. */
  beginKeyGroup(keyGroup: number): void {
    this.guard("between", "beginKeyGroup", () => {
      const end = rangeEnd(this.options.keyGroups);
      if (!Number.isInteger(keyGroup) || keyGroup < this.nextKeyGroup || keyGroup >= end) {
        throw this.argumentError(`key group ${keyGroup} cannot begin: the next key groups are ${this.nextKeyGroup}..${end - 1}, ` +
          "in ascending order", "keyGroup");
      }
      while (this.nextKeyGroup < keyGroup) this.writeEmptyKeyGroup();
      this.current = keyGroup;
      this.phase = "inKeyGroup";
      this.pushOffset();
      this.cutter.begin(keyGroup);
      this.previousState = -1;
    });
  }

  /**
   * Adds an entry to the current key group. For list state, one element; elements keep the order they are added in.
   * The entry's arrays are copied: the caller may reuse them at once.
   */
  add(entry: StateEntry): void {
    // guard() inlined: add is called once per entry, and a closure per call shows in profiles.
    this.requirePhase("inKeyGroup", "add");
    try {
      this.addEntry(entry);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Ends the current key group: its entries are written (sorted first unless presorted), then its end marker. */
  endKeyGroup(): void {
    this.guard("inKeyGroup", "endKeyGroup", () => {
      if (!this.presorted) this.writeSorted();
      this.cutter.end();
      this.phase = "between";
      this.nextKeyGroup = this.current + 1;
    });
  }

  /** Writes the key groups not begun (empty) and the trailer, and closes the file. */
  finish(): SavepointDataResult {
    return this.guard("between", "finish", () => {
      while (this.nextKeyGroup < rangeEnd(this.options.keyGroups)) this.writeEmptyKeyGroup();
      this.pool?.drain(); // the trailer lists the offsets, noted as the frames before each key group are written
      this.write(encodeTrailer(this.options.keyGroups, this.offsets, BigInt(this.entryCount)));
      this.stopWorkers();
      this.sink.close();
      this.sortBuffer?.release();
      this.phase = "finished";
      const { fileId, filePath, keyGroups } = this.options;
      return {
        handle: {
          type: "savepoint",
          keyGroups: { start: keyGroups.start, count: keyGroups.count },
          dataFile: { id: fileId, path: filePath, size: BigInt(this.position), xxh64: this.hash.digest() },
          offsets: [...this.offsets],
        },
        entryCount: BigInt(this.entryCount),
      };
    });
  }

  /** Abandons the file: the temporary file is removed. Safe to call at any time. */
  abort(): void {
    if (this.phase === "finished" || this.phase === "failed") return;
    this.phase = "failed";
    this.stopWorkers();
    this.sortBuffer?.release();
    this.sink.abort();
  }

  /** Closes the writer's own workers, or hands a shared pool back for the next file. */
  private stopWorkers(): void {
    if (this.shared === undefined) this.pool?.close();
    else this.shared.giveBack();
    this.shared = undefined;
    this.pool = undefined;
  }

  /** Writes `bytes` after every frame still being compressed. */
  private write(bytes: Uint8Array): void {
    this.pool?.drain();
    this.append(bytes);
  }

  private append(bytes: Uint8Array): void {
    this.sink.write(bytes);
    this.hash.update(bytes);
    this.position += bytes.length;
  }

  /** Notes where the key group begins: at once, or with workers once every frame before it is written. */
  private pushOffset(): void {
    if (this.pool === undefined) this.offsets.push(BigInt(this.position));
    else this.pool.afterQueued(() => this.offsets.push(BigInt(this.position)));
  }

  private writeEmptyKeyGroup(): void {
    this.pushOffset();
    this.cutter.begin(this.nextKeyGroup);
    this.cutter.end();
    this.nextKeyGroup++;
  }

  private addEntry(entry: StateEntry): void {
    const state = this.lookUpState(entry.state);
    const isMap = state.kind === "map";
    const { key, namespace, userKey, value } = entry;
    if (isMap !== (userKey !== undefined)) {
      throw this.argumentError(isMap ? `map state "${entry.state}" needs a userKey`
        : `${state.kind} state "${entry.state}" cannot have a userKey`, "userKey");
    }
    const size = key.length + namespace.length + (userKey?.length ?? 0) + value.length;
    if (size > this.maxEntryBytes) {
      throw new SavepointDataError("LIMIT_EXCEEDED", `an entry of state "${entry.state}" with key ${shortHex(key)} ` +
        `is ${size} bytes, over the limit of ${this.maxEntryBytes}`, { file: this.label, keyGroup: this.current });
    }
    if (this.presorted) this.streamPresorted(state.index, isMap, entry, size);
    else this.buffer(state.index, isMap, entry, encodedEntryLength(state.index, isMap, key, namespace, userKey, value));
    this.entryCount++;
  }

  private lookUpState(name: string): { index: number; kind: StateKind } {
    if (name === this.lastStateName && this.lastState !== undefined) return this.lastState;
    const state = this.stateIndex.get(name);
    if (state === undefined) throw this.argumentError(`state "${name}" is not one of the file's states`, "state");
    this.lastStateName = name;
    this.lastState = state;
    return state;
  }

  /**
   * Checks the entry against the previous one and encodes it straight into the block (or, across a block's end,
   * via `spill`). `size` is its fields' bytes: when the block has room for those and the longest varints, the
   * entry is encoded without measuring it first.
   */
  private streamPresorted(stateIndex: number, isMap: boolean, entry: StateEntry, size: number): void {
    const { key, namespace, userKey, value } = entry;
    if (this.previousState >= 0) this.checkPresorted(stateIndex, entry);
    this.previousState = stateIndex;
    const c = this.cutter;
    const roomy = size + MAX_ENTRY_OVERHEAD_BYTES <= c.room;
    const length = roomy ? 0 : encodedEntryLength(stateIndex, isMap, key, namespace, userKey, value);
    if (roomy || length <= c.room) {
      const at = c.used;
      const end = encodeEntryInto(c.buffer, at, stateIndex, isMap, key, namespace, userKey, value);
      this.remember(c.buffer);
      c.advance(end - at);
      return;
    }
    const out = length <= this.spill.length ? this.spill : new Uint8Array(length);
    encodeEntryInto(out, 0, stateIndex, isMap, key, namespace, userKey, value);
    this.remember(out);
    c.writeRange(out, 0, length);
  }

  /** The presorted `entry` must follow the previous entry in canonical order; equal only as elements of one list. */
  private checkPresorted(stateIndex: number, entry: StateEntry): void {
    const p = this.previousBytes;
    const at = this.previousAt;
    const uk = entry.userKey;
    const c = this.previousState - stateIndex
      || compareRanges(p, at[0]!, at[1]!, entry.key, 0, entry.key.length)
      || compareRanges(p, at[2]!, at[3]!, entry.namespace, 0, entry.namespace.length)
      || (uk === undefined ? 0 : compareRanges(p, at[4]!, at[5]!, uk, 0, uk.length));
    if (c < 0 || (c === 0 && this.states[stateIndex]!.kind === "list")) return;
    throw this.orderError(c === 0, stateIndex, entry.key, entry.namespace, uk);
  }

  /**
   * Notes where the entry just encoded into `bytes` put its sort fields, for the next check. The block's bytes
   * stay put until the next entry is encoded: a full block is compressed, or copied to a worker, before the
   * cutter reuses its buffer.
   */
  private remember(bytes: Uint8Array): void {
    this.previousBytes = bytes;
    const at = this.previousAt;
    const f = encodedFields;
    at[0] = f[0]!; at[1] = f[1]!; at[2] = f[2]!; at[3] = f[3]!; at[4] = f[4]!; at[5] = f[5]!;
  }

  /** Encodes the entry into the sort buffer, within `sortBufferBytes` for the encodings and, separately, for the index. */
  private buffer(stateIndex: number, isMap: boolean, entry: StateEntry, length: number): void {
    const sb = this.sortBuffer!;
    const bytes = sb.bytes + length;
    const indexBytes = (sb.length + 1) * SORT_INDEX_BYTES_PER_ENTRY;
    if (bytes > this.sortBufferBytes || indexBytes > this.sortBufferBytes) {
      const what = bytes > this.sortBufferBytes ? `${bytes} bytes of encoded entries`
        : `${sb.length + 1} entries, whose sort index takes ${indexBytes} bytes,`;
      throw new SavepointDataError("LIMIT_EXCEEDED",
        `the key group's entries exceed the sort buffer of ${this.sortBufferBytes} bytes (${what} with this one); ` +
        "raise sortBufferBytes or give the entries presorted", { file: this.label, keyGroup: this.current });
    }
    sb.add(length, stateIndex, isMap, entry.key, entry.namespace, entry.userKey, entry.value);
  }

  /** Sorts the buffered key group (stably: list elements keep their order), checks for duplicates, writes it. */
  private writeSorted(): void {
    const sb = this.sortBuffer!;
    const order = sb.sortedOrder();
    for (let i = 0; i < order.length; i++) {
      const e = order[i]!;
      // Sorted, so only equality can be wrong: two entries of one key outside list state.
      if (i > 0 && sb.compare(order[i - 1]!, e) === 0 && this.states[sb.stateIndex(e)]!.kind !== "list") {
        const { key, namespace, userKey } = sb.sortFields(e);
        throw this.orderError(true, sb.stateIndex(e), key, namespace, userKey);
      }
      sb.writeEntry(e, this.cutter);
    }
    sb.clear();
  }

  /** A duplicate, or an entry out of order in a presorted key group, described by its sort fields. */
  private orderError(duplicate: boolean, stateIndex: number, key: Uint8Array, namespace: Uint8Array,
    userKey: Uint8Array | undefined): SavepointDataError {
    const state = this.states[stateIndex]!;
    const where = `state "${state.name}", key ${shortHex(key)}, namespace ${shortHex(namespace)}` +
      (state.kind === "map" ? `, user key ${shortHex(userKey ?? new Uint8Array(0))}` : "");
    return new SavepointDataError("INVALID_FIELD", duplicate ? `a duplicate entry (${where}); value and map state hold one value per key`
      : `an entry out of canonical order (${where}) in a presorted key group`,
    { file: this.label, keyGroup: this.current, field: "entry" });
  }

  private requirePhase(phase: Phase, method: string): void {
    if (this.phase === phase) return;
    const now = this.phase === "inKeyGroup" ? `key group ${this.current} is open`
      : this.phase === "between" ? "no key group is open"
        : this.phase === "finished" ? "the file is finished" : "the writer failed earlier or was aborted";
    throw new KsnapError("INVALID_FIELD", `${this.label}: ${method}() cannot be called now: ${now}`, { file: this.label, field: method });
  }

  private argumentError(detail: string, field: string): SavepointDataError {
    return new SavepointDataError("INVALID_FIELD", detail, {
      file: this.label, keyGroup: this.phase === "inKeyGroup" ? this.current : undefined, field,
    });
  }

  /**
   * Runs `method`'s body `fn` in `phase`. A call in the wrong phase writes
   * nothing and leaves the writer usable; any error of `fn` abandons the file,
   * so no half-written file survives under its name.
   */
  private guard<T>(phase: Phase, method: string, fn: () => T): T {
    this.requirePhase(phase, method);
    try {
      return fn();
    } catch (e) {
      this.abort();
      throw e;
    }
  }
}

function checkOptions(o: SavepointDataWriterOptions): void {
  const idBytes = Buffer.byteLength(o.fileId ?? "", "utf8");
  if (idBytes === 0 || idBytes > FORMAT_LIMITS.maxIdBytes) {
    throw new KsnapError("INVALID_FIELD", `fileId must be 1..${FORMAT_LIMITS.maxIdBytes} bytes of UTF-8, not ${idBytes}`, { field: "fileId" });
  }
  const problem = pathProblem(o.filePath ?? "");
  if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `filePath "${o.filePath}" ${problem}`, { field: "filePath" });
  const { start, count } = o.keyGroups;
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0
    || start + count > DATA_FORMAT_LIMITS.maxKeyGroups) {
    throw new KsnapError("INVALID_FIELD",
      `keyGroups start ${start}, count ${count} must be integers with start + count at most ${DATA_FORMAT_LIMITS.maxKeyGroups}`,
      { field: "keyGroups" });
  }
  requireInteger(o.blockBytes, 1, DATA_FORMAT_LIMITS.maxBlockBytes, "blockBytes");
  requireInteger(o.sortBufferBytes, 1, Number.MAX_SAFE_INTEGER, "sortBufferBytes");
  requireInteger(o.maxEntryBytes, 0, Number.MAX_SAFE_INTEGER, "maxEntryBytes");
  if (!(o.compressionWorkers instanceof CompressionWorkers)) {
    requireInteger(o.compressionWorkers, 0, MAX_COMPRESSION_WORKERS, "compressionWorkers");
  }
}

function requireInteger(value: number | undefined, min: number, max: number, field: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KsnapError("INVALID_FIELD", `${field} ${value} must be an integer in ${min}..${max}`, { field });
  }
}
