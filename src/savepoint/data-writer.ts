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
import { SavepointDataError } from "./data-errors.js";
import {
  CANONICAL_BLOCK_BYTES, DATA_FORMAT_LIMITS, DEFAULT_DATA_READ_LIMITS, rangeEnd, type StateDescriptor,
  type StateEntry, type StateKind,
} from "./data-format.js";
import { AtomicFileSink, type DataSink } from "./data-sink.js";
import { compareEntries, encodeEntry, keyOf, namespaceOf, shortHex, userKeyOf, type EncodedEntry } from "./entry-codec.js";
import { encodeHeader } from "./header-codec.js";
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
  /** Bound on one key group's buffered, encoded entries when not presorted. Default 64 MiB. */
  sortBufferBytes?: number;
  /** Largest entry (key + namespace + user key + value bytes). Default 16 MiB, the reference reader's limit. */
  maxEntryBytes?: number;
  /** Block size. Default (and canonical) 128 KiB; other sizes (1..1 MiB) give valid, non-canonical files. */
  blockBytes?: number;
}

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
  private buffered: EncodedEntry[] = [];
  private bufferedBytes = 0;
  private previous: EncodedEntry | undefined;
  private entryCount = 0n;

  private constructor(private readonly sink: DataSink, private readonly label: string,
    private readonly options: SavepointDataWriterOptions, states: StateDescriptor[]) {
    this.states = states;
    this.states.forEach((s, index) => this.stateIndex.set(s.name, { index, kind: s.kind }));
    this.presorted = options.presorted ?? false;
    this.sortBufferBytes = options.sortBufferBytes ?? DEFAULT_SORT_BUFFER_BYTES;
    this.maxEntryBytes = options.maxEntryBytes ?? DEFAULT_DATA_READ_LIMITS.maxEntryBytes;
    this.cutter = new BlockCutter(options.blockBytes ?? CANONICAL_BLOCK_BYTES, (frame) => this.write(frame));
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
    const writer = new SavepointDataWriter(sink, label, options, states);
    writer.guard("between", "open", () => writer.write(encodeHeader(writer.states, options.keyGroups)));
    return writer;
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
      this.offsets.push(BigInt(this.position));
      this.cutter.begin(keyGroup);
      this.previous = undefined;
    });
  }

  /** Adds an entry to the current key group. For list state, one element; elements keep the order they are added in. */
  add(entry: StateEntry): void {
    this.guard("inKeyGroup", "add", () => {
      const encoded = this.encode(entry);
      if (this.presorted) this.streamPresorted(encoded, entry);
      else this.buffer(encoded);
      this.entryCount++;
    });
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
      this.write(encodeTrailer(this.options.keyGroups, this.offsets, this.entryCount));
      this.sink.close();
      this.phase = "finished";
      const { fileId, filePath, keyGroups } = this.options;
      return {
        handle: {
          type: "savepoint",
          keyGroups: { start: keyGroups.start, count: keyGroups.count },
          dataFile: { id: fileId, path: filePath, size: BigInt(this.position), xxh64: this.hash.digest() },
          offsets: [...this.offsets],
        },
        entryCount: this.entryCount,
      };
    });
  }

  /** Abandons the file: the temporary file is removed. Safe to call at any time. */
  abort(): void {
    if (this.phase === "finished" || this.phase === "failed") return;
    this.phase = "failed";
    this.buffered = [];
    this.sink.abort();
  }

  private write(bytes: Uint8Array): void {
    this.sink.write(bytes);
    this.hash.update(bytes);
    this.position += bytes.length;
  }

  private writeEmptyKeyGroup(): void {
    this.offsets.push(BigInt(this.position));
    this.cutter.begin(this.nextKeyGroup);
    this.cutter.end();
    this.nextKeyGroup++;
  }

  private encode(entry: StateEntry): EncodedEntry {
    const state = this.stateIndex.get(entry.state);
    if (state === undefined) throw this.argumentError(`state "${entry.state}" is not one of the file's states`, "state");
    const isMap = state.kind === "map";
    if (isMap !== (entry.userKey !== undefined)) {
      throw this.argumentError(isMap ? `map state "${entry.state}" needs a userKey`
        : `${state.kind} state "${entry.state}" cannot have a userKey`, "userKey");
    }
    const size = entry.key.length + entry.namespace.length + (entry.userKey?.length ?? 0) + entry.value.length;
    if (size > this.maxEntryBytes) {
      throw new SavepointDataError("LIMIT_EXCEEDED", `an entry of state "${entry.state}" with key ${shortHex(entry.key)} ` +
        `is ${size} bytes, over the limit of ${this.maxEntryBytes}`, { file: this.label, keyGroup: this.current });
    }
    return encodeEntry(state.index, isMap, entry.key, entry.namespace, entry.userKey, entry.value);
  }

  private streamPresorted(encoded: EncodedEntry, entry: StateEntry): void {
    if (this.previous !== undefined) this.checkSuccessor(this.previous, encoded, entry.state);
    this.previous = encoded;
    this.cutter.write(encoded.bytes);
  }

  private buffer(encoded: EncodedEntry): void {
    this.bufferedBytes += encoded.bytes.length;
    if (this.bufferedBytes > this.sortBufferBytes) {
      throw new SavepointDataError("LIMIT_EXCEEDED",
        `the key group's entries exceed the sort buffer of ${this.sortBufferBytes} bytes; raise sortBufferBytes ` +
        "or give the entries presorted", { file: this.label, keyGroup: this.current });
    }
    this.buffered.push(encoded);
  }

  /** Sorts the buffered key group (stably: list elements keep their order), checks for duplicates, writes it. */
  private writeSorted(): void {
    const entries = this.buffered;
    this.buffered = [];
    this.bufferedBytes = 0;
    entries.sort(compareEntries);
    for (let i = 0; i < entries.length; i++) {
      if (i > 0) this.checkSuccessor(entries[i - 1]!, entries[i]!, this.states[entries[i]!.stateIndex]!.name);
      this.cutter.write(entries[i]!.bytes);
    }
  }

  /** `next` must follow `prev` in canonical order; equal only as elements of one list. */
  private checkSuccessor(prev: EncodedEntry, next: EncodedEntry, state: string): void {
    const c = compareEntries(prev, next);
    if (c < 0 || (c === 0 && this.states[next.stateIndex]!.kind === "list")) return;
    const where = `state "${state}", key ${shortHex(keyOf(next))}, namespace ${shortHex(namespaceOf(next))}` +
      (this.states[next.stateIndex]!.kind === "map" ? `, user key ${shortHex(userKeyOf(next))}` : "");
    throw new SavepointDataError("INVALID_FIELD", c === 0 ? `a duplicate entry (${where}); value and map state hold one value per key`
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
}

function requireInteger(value: number | undefined, min: number, max: number, field: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KsnapError("INVALID_FIELD", `${field} ${value} must be an integer in ${min}..${max}`, { field });
  }
}
