/**
 * The entries one block completes, as columns ([spec](../../spec/savepoint-data.md#entries)):
 * the bytes they lie in and, per entry, its state index and the start and end
 * of each field in those bytes. A reader hands out one batch per block instead
 * of one object per entry, so reading costs no allocation per entry; a
 * {@link SavepointEntry} is built only when asked for.
 */
import type { SavepointEntry, StateDescriptor } from "./data-format.js";

/** The column arrays of a batch, each `length` long. Field `i` of entry `n` is `bytes[xStart[n] .. xEnd[n])`. */
export interface EntryColumns {
  /** Index of each entry's state in the file's descriptors ({@link EntryBatch.states}). */
  stateIndex: Uint32Array;
  keyStart: Uint32Array;
  keyEnd: Uint32Array;
  namespaceStart: Uint32Array;
  namespaceEnd: Uint32Array;
  /** Equal to `userKeyEnd` (an empty range) for value and list state. */
  userKeyStart: Uint32Array;
  userKeyEnd: Uint32Array;
  valueStart: Uint32Array;
  valueEnd: Uint32Array;
}

/** The names of the columns, in the order the parser fills them. */
export const COLUMN_NAMES = [
  "stateIndex", "keyStart", "keyEnd", "namespaceStart", "namespaceEnd", "userKeyStart", "userKeyEnd", "valueStart", "valueEnd",
] as const satisfies readonly (keyof EntryColumns)[];

/**
 * The entries of one key group completed by one block, in canonical order,
 * already verified (checksum, structure, order). The bytes are the batch's own:
 * no reader writes to them later, so views into them stay valid, but a view
 * keeps the whole block alive.
 */
export class EntryBatch implements Iterable<SavepointEntry> {
  /** Number of entries. */
  readonly length: number;

  constructor(
    /** The key group the entries belong to. */
    readonly keyGroup: number,
    /** Frame number (within the key group) of the block whose content completed these entries. */
    readonly block: number,
    /** The file's state descriptors: `states[stateIndex[i]]` is entry `i`'s state. */
    readonly states: readonly StateDescriptor[],
    /** The bytes the fields lie in: the block's content, preceded by an entry carried over from earlier blocks if any. */
    readonly bytes: Uint8Array,
    /** The columns, each exactly {@link length} long. */
    readonly columns: Readonly<EntryColumns>,
  ) {
    this.length = columns.stateIndex.length;
  }

  /** The state of entry `i`. */
  state(i: number): StateDescriptor {
    return this.states[this.columns.stateIndex[i]!]!;
  }

  /** The key of entry `i`, a view into {@link bytes}. */
  key(i: number): Uint8Array {
    return this.bytes.subarray(this.columns.keyStart[i], this.columns.keyEnd[i]);
  }

  /** The namespace of entry `i`, a view. */
  namespace(i: number): Uint8Array {
    return this.bytes.subarray(this.columns.namespaceStart[i], this.columns.namespaceEnd[i]);
  }

  /** The user key of entry `i`, a view; empty for value and list state. */
  userKey(i: number): Uint8Array {
    return this.bytes.subarray(this.columns.userKeyStart[i], this.columns.userKeyEnd[i]);
  }

  /** The value of entry `i` (one list element for list state), a view. */
  value(i: number): Uint8Array {
    return this.bytes.subarray(this.columns.valueStart[i], this.columns.valueEnd[i]);
  }

  /**
   * Entry `i` as an object whose byte fields are fresh copies: it may be kept
   * (or changed) without holding or affecting the block.
   */
  entry(i: number): SavepointEntry {
    return this.build(i, true);
  }

  /** Entry `i` as an object whose byte fields are views into {@link bytes}: no copy, but it keeps the block alive. */
  entryView(i: number): SavepointEntry {
    return this.build(i, false);
  }

  /** The entries as {@link entry} builds them, in order. */
  *[Symbol.iterator](): Iterator<SavepointEntry> {
    for (let i = 0; i < this.length; i++) yield this.entry(i);
  }

  private build(i: number, copy: boolean): SavepointEntry {
    const c = this.columns;
    const state = this.states[c.stateIndex[i]!]!;
    const field = copy ? (start: number, end: number) => this.bytes.slice(start, end)
      : (start: number, end: number) => this.bytes.subarray(start, end);
    const entry: SavepointEntry = {
      keyGroup: this.keyGroup, state: state.name, kind: state.kind,
      key: field(c.keyStart[i]!, c.keyEnd[i]!), namespace: field(c.namespaceStart[i]!, c.namespaceEnd[i]!),
      value: field(c.valueStart[i]!, c.valueEnd[i]!),
    };
    if (state.kind === "map") entry.userKey = field(c.userKeyStart[i]!, c.userKeyEnd[i]!);
    return entry;
  }
}
