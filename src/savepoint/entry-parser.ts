/**
 * Streaming entry decoder ([spec](../../spec/savepoint-data.md#entries)). A key
 * group's content arrives block by block and an entry, or even one varint, may
 * span blocks. Entries wholly inside a block are decoded in place; an entry that
 * spans blocks is gathered into a buffer sized by what its lengths already say,
 * so a large entry is copied once, not once per block. Each length is checked
 * against `maxEntryBytes` before anything is allocated for it, and each entry
 * against the previous one for canonical order.
 */
import { SavepointDataError, type DataLocation } from "./data-errors.js";
import type { SavepointEntry, StateDescriptor } from "./data-format.js";
import { compareRanges, shortHex } from "./entry-codec.js";
import { decodeVarint, MAX_VARINT_BYTES, VarintError, varintEnd } from "./varint.js";

/** Positions of the last parsed entry's fields in the buffer it was parsed from. */
interface Fields {
  stateIndex: number;
  keyStart: number;
  keyEnd: number;
  namespaceStart: number;
  namespaceEnd: number;
  userKeyStart: number;
  userKeyEnd: number;
  valueStart: number;
  valueEnd: number;
}

/** The fields of an entry, in order, for messages. */
const FIELD_NAMES = ["state", "key", "namespace", "user key", "value"] as const;

/** Decodes the entries of one key group from its blocks' contents. */
export class EntryParser {
  /** Entries completed in this key group, for messages. */
  count = 0;
  private readonly fields: Fields = {
    stateIndex: 0, keyStart: 0, keyEnd: 0, namespaceStart: 0, namespaceEnd: 0, userKeyStart: 0, userKeyEnd: 0, valueStart: 0, valueEnd: 0,
  };
  /** The field being read when the content ran out (for the cut-off message). */
  private lastField = 0;
  /** Bytes of an entry that spans blocks, and how many of them are filled. */
  private carry: Uint8Array | undefined;
  private carried = 0;
  private previous: SavepointEntry | undefined;
  private previousState = -1;
  private readonly maxEntryHeader = MAX_VARINT_BYTES * FIELD_NAMES.length;

  constructor(
    private readonly keyGroup: number,
    private readonly states: readonly StateDescriptor[],
    private readonly maxEntryBytes: number,
  ) {}

  /** Decodes `content` (one block's); returns the entries it completes. `where` locates the block for errors. */
  push(content: Uint8Array, where: DataLocation): SavepointEntry[] {
    const done: SavepointEntry[] = [];
    let at = this.carry === undefined ? 0 : this.continueCarry(content, where, done);
    while (at < content.length) {
      const end = this.parse(content, at, content.length, where);
      if (end < 0) {
        this.startCarry(content.subarray(at), -end);
        return done;
      }
      done.push(this.entry(content, where));
      at = end;
    }
    return done;
  }

  /** At the key group's end marker: an entry still open was cut off. */
  end(where: DataLocation): void {
    if (this.carry === undefined) return;
    throw new SavepointDataError("MALFORMED_BODY",
      `entry ${this.count} of the key group is cut off by the end of the key group (in its ${FIELD_NAMES[this.lastField]})`, where);
  }

  /**
   * Parses the entry at `buf[at]`, reading no further than `end`. Returns where
   * it ends, or, when `end` comes first, minus the number of bytes from `at`
   * that are known to be needed. Fills {@link fields}.
   */
  private parse(buf: Uint8Array, at: number, end: number, where: DataLocation): number {
    const f = this.fields;
    this.lastField = 0;
    const stateIndex = this.varint(buf, at, end, where);
    if (stateIndex < 0) return -(end - at + 1);
    const state = this.states[stateIndex];
    if (state === undefined) {
      throw new SavepointDataError("MALFORMED_BODY",
        `entry ${this.count}: state index ${stateIndex} is out of range (the file has ${this.states.length} states)`, where);
    }
    f.stateIndex = stateIndex;
    let pos = varintEnd.at;
    let total = 0;
    const isMap = state.kind === "map";
    for (let field = 1; field <= 4; field++) {
      if (field === 3 && !isMap) continue;
      this.lastField = field;
      const length = this.varint(buf, pos, end, where);
      if (length < 0) return -(end - at + 1);
      total += length;
      if (total > this.maxEntryBytes) {
        throw new SavepointDataError("LIMIT_EXCEEDED", `entry ${this.count}: its ${FIELD_NAMES[field]} brings it to ${total} ` +
          `bytes, over the limit of ${this.maxEntryBytes}`, where);
      }
      const start = varintEnd.at;
      pos = start + length;
      setField(f, field, start, pos);
      if (pos > end) return -(pos - at + (field === 4 ? 0 : 1));
    }
    if (!isMap) f.userKeyStart = f.userKeyEnd = f.namespaceEnd;
    return pos;
  }

  private varint(buf: Uint8Array, at: number, end: number, where: DataLocation): number {
    try {
      return decodeVarint(buf, at, end);
    } catch (e) {
      if (!(e instanceof VarintError)) throw e;
      throw new SavepointDataError("MALFORMED_BODY", `entry ${this.count}: ${FIELD_NAMES[this.lastField]} ${e.message}`, where);
    }
  }

  /**
   * Keeps the start of an entry that continues in the next block, in a buffer
   * of the `need` bytes known to be required. `need` is bounded: the lengths
   * behind it passed the entry limit.
   */
  private startCarry(start: Uint8Array, need: number): void {
    this.carry = new Uint8Array(Math.min(need, this.maxEntryHeader + this.maxEntryBytes));
    this.carry.set(start);
    this.carried = start.length;
  }

  /** Feeds the carried entry from `content` until it completes; returns where in `content` it ended. */
  private continueCarry(content: Uint8Array, where: DataLocation, done: SavepointEntry[]): number {
    let at = 0;
    for (;;) {
      const carry = this.carry!;
      const n = Math.min(carry.length - this.carried, content.length - at);
      carry.set(content.subarray(at, at + n), this.carried);
      this.carried += n;
      at += n;
      if (this.carried < carry.length) return at;
      const end = this.parse(carry, 0, carry.length, where);
      if (end >= 0) {
        done.push(this.entry(carry, where));
        this.carry = undefined;
        return at;
      }
      // The lengths read so far tell more bytes are needed: grow (at most once per field).
      const grown = new Uint8Array(-end);
      grown.set(carry);
      this.carry = grown;
    }
  }

  /** The entry whose fields {@link parse} found in `buf`, with its bytes copied out of the block. */
  private entry(buf: Uint8Array, where: DataLocation): SavepointEntry {
    const f = this.fields;
    const state = this.states[f.stateIndex]!;
    const entry: SavepointEntry = {
      keyGroup: this.keyGroup, state: state.name, kind: state.kind,
      key: buf.slice(f.keyStart, f.keyEnd), namespace: buf.slice(f.namespaceStart, f.namespaceEnd),
      value: buf.slice(f.valueStart, f.valueEnd),
    };
    if (state.kind === "map") entry.userKey = buf.slice(f.userKeyStart, f.userKeyEnd);
    this.checkOrder(entry, f.stateIndex, where);
    this.previous = entry;
    this.previousState = f.stateIndex;
    this.count++;
    return entry;
  }

  private checkOrder(entry: SavepointEntry, stateIndex: number, where: DataLocation): void {
    const p = this.previous;
    if (p === undefined) return;
    const c = this.previousState - stateIndex || compare(p.key, entry.key) || compare(p.namespace, entry.namespace)
      || compare(p.userKey, entry.userKey);
    if (c < 0 || (c === 0 && entry.kind === "list")) return;
    const what = c === 0 ? "repeats the entry before it" : "is before the entry preceding it in canonical order";
    throw new SavepointDataError("MALFORMED_BODY",
      `entry ${this.count} (state "${entry.state}", key ${shortHex(entry.key)}) ${what}`, where);
  }
}

function compare(a: Uint8Array | undefined, b: Uint8Array | undefined): number {
  if (a === undefined || b === undefined) return 0;
  return compareRanges(a, 0, a.length, b, 0, b.length);
}

function setField(f: Fields, field: number, start: number, end: number): void {
  switch (field) {
    case 1: f.keyStart = start; f.keyEnd = end; break;
    case 2: f.namespaceStart = start; f.namespaceEnd = end; break;
    case 3: f.userKeyStart = start; f.userKeyEnd = end; break;
    default: f.valueStart = start; f.valueEnd = end;
  }
}
