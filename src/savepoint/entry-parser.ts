/**
 * Streaming entry decoder ([spec](../../spec/savepoint-data.md#entries)). A key
 * group's content arrives block by block and an entry, or even one varint, may
 * span blocks. Entries wholly inside a block are decoded in place, into columns
 * of positions (an {@link EntryBatch}), with no allocation per entry. An entry
 * that spans blocks is gathered into a buffer sized by what its lengths already
 * say, so a large entry is copied once, not once per block. Each length is
 * checked against `maxEntryBytes` before anything is allocated for it, and each
 * entry against the previous one for canonical order.
 */
import { SavepointDataError, type DataLocation } from "./data-errors.js";
import type { StateDescriptor } from "./data-format.js";
import { COLUMN_NAMES, EntryBatch, type EntryColumns } from "./entry-batch.js";
import { compareRanges, shortHex } from "./entry-codec.js";
import { decodeVarint, MAX_VARINT_BYTES, VarintError, varintEnd } from "./varint.js";

/** Positions of an entry's fields in the buffer it was parsed from, in {@link COLUMN_NAMES} order. */
type Fields = Int32Array;
const STATE = 0, KEY = 1, NAMESPACE = 3, USER_KEY = 5, VALUE = 7;

/** The fields of an entry, in order, for messages. */
const FIELD_NAMES = ["state", "key", "namespace", "user key", "value"] as const;
/** Where each field's start goes in {@link Fields} (the end follows it). */
const FIELD_SLOT = [STATE, KEY, NAMESPACE, USER_KEY, VALUE] as const;

/** Decodes the entries of one key group from its blocks' contents. */
export class EntryParser {
  /** Entries completed in this key group, for messages. */
  count = 0;
  private fields: Fields = new Int32Array(COLUMN_NAMES.length);
  /** The field being read when the content ran out (for the cut-off message). */
  private lastField = 0;
  /** Bytes of an entry that spans blocks, and how many of them are filled. */
  private carry: Uint8Array | undefined;
  private carried = 0;
  /** The previous entry (its fields and the bytes they are in), for the order check. */
  private previous: Fields = new Int32Array(COLUMN_NAMES.length);
  private previousBytes: Uint8Array | undefined;
  private readonly isMap: boolean[];
  private readonly isList: boolean[];
  /** Column scratch, interleaved (9 slots per entry), reused from block to block. */
  private scratch = new Uint32Array(COLUMN_NAMES.length * 1024);
  private scratchEntries = 0;
  private readonly maxEntryHeader = MAX_VARINT_BYTES * FIELD_NAMES.length;

  constructor(
    private readonly keyGroup: number,
    private readonly states: readonly StateDescriptor[],
    private readonly maxEntryBytes: number,
  ) {
    this.isMap = states.map((s) => s.kind === "map");
    this.isList = states.map((s) => s.kind === "list");
  }

  /**
   * Decodes `content` (one block's); returns the entries it completes, or
   * undefined when it completes none. `where` locates the block for errors.
   */
  push(content: Uint8Array, where: DataLocation): EntryBatch | undefined {
    this.scratchEntries = 0;
    let bytes = content;
    let at = 0;
    if (this.carry !== undefined) {
      const used = this.continueCarry(content, where);
      if (used < 0) return undefined;
      // The carried entry is complete: it and the rest of the block make the batch's bytes, so that
      // every field of the batch lies in one array. Positions in the carry are positions in `bytes`.
      const carry = this.carry;
      this.carry = undefined;
      bytes = new Uint8Array(carry.length + content.length - used);
      bytes.set(carry);
      bytes.set(content.subarray(used), carry.length);
      this.accept(bytes, where);
      at = carry.length;
    }
    while (at < bytes.length) {
      const end = this.parse(bytes, at, bytes.length, where);
      if (end < 0) {
        this.startCarry(bytes.subarray(at), -end);
        break;
      }
      this.accept(bytes, where);
      at = end;
    }
    return this.scratchEntries === 0 ? undefined : this.batch(bytes, where.block ?? 0);
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
    // One-byte varints (below 128) are by far the most common: read them inline.
    let stateIndex = at < end ? buf[at]! : -1;
    if (stateIndex >= 0x80) stateIndex = this.varint(buf, at, end, where);
    else if (stateIndex >= 0) varintEnd.at = at + 1;
    if (stateIndex < 0) return -(end - at + 1);
    const isMap = this.isMap[stateIndex];
    if (isMap === undefined) {
      throw new SavepointDataError("MALFORMED_BODY",
        `entry ${this.count}: state index ${stateIndex} is out of range (the file has ${this.states.length} states)`, where);
    }
    f[STATE] = stateIndex;
    let pos = varintEnd.at;
    let total = 0;
    for (let field = 1; field <= 4; field++) {
      if (field === 3 && !isMap) continue;
      this.lastField = field;
      let length = pos < end ? buf[pos]! : -1;
      if (length >= 0x80) length = this.varint(buf, pos, end, where);
      else if (length >= 0) varintEnd.at = pos + 1;
      if (length < 0) return -(end - at + 1);
      total += length;
      if (total > this.maxEntryBytes) {
        throw new SavepointDataError("LIMIT_EXCEEDED", `entry ${this.count}: its ${FIELD_NAMES[field]} brings it to ${total} ` +
          `bytes, over the limit of ${this.maxEntryBytes}`, where);
      }
      const start = varintEnd.at;
      pos = start + length;
      const slot = FIELD_SLOT[field]!;
      f[slot] = start;
      f[slot + 1] = pos;
      if (pos > end) return -(pos - at + (field === 4 ? 0 : 1));
    }
    if (!isMap) f[USER_KEY] = f[USER_KEY + 1] = f[NAMESPACE + 1]!;
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

  /**
   * Feeds the carried entry from `content`. Returns how many bytes of
   * `content` completed it ({@link fields} then holds its positions in the
   * carry), or -1 when all of `content` went into it and it is still open.
   */
  private continueCarry(content: Uint8Array, where: DataLocation): number {
    let at = 0;
    for (;;) {
      const carry = this.carry!;
      const n = Math.min(carry.length - this.carried, content.length - at);
      carry.set(content.subarray(at, at + n), this.carried);
      this.carried += n;
      at += n;
      if (this.carried < carry.length) return -1;
      const end = this.parse(carry, 0, carry.length, where);
      if (end >= 0) return at;
      // The lengths read so far tell more bytes are needed: grow (at most once per field).
      const grown = new Uint8Array(-end);
      grown.set(carry);
      this.carry = grown;
    }
  }

  /** Checks the order of the entry {@link parse} found in `bytes` and appends it to the columns. */
  private accept(bytes: Uint8Array, where: DataLocation): void {
    const f = this.fields;
    if (this.previousBytes !== undefined) this.checkOrder(bytes, where);
    // The entry becomes the previous one by swapping the two arrays: no copy.
    this.fields = this.previous;
    this.previous = f;
    this.previousBytes = bytes;
    const n = COLUMN_NAMES.length;
    let base = this.scratchEntries * n;
    if (base + n > this.scratch.length) {
      const grown = new Uint32Array(this.scratch.length * 2);
      grown.set(this.scratch);
      this.scratch = grown;
    }
    const s = this.scratch;
    for (let k = 0; k < n; k++) s[base++] = f[k]!;
    this.scratchEntries++;
    this.count++;
  }

  /** The batch of the entries accepted since the last one: the scratch columns, de-interleaved into exact-size arrays. */
  private batch(bytes: Uint8Array, block: number): EntryBatch {
    const count = this.scratchEntries;
    const n = COLUMN_NAMES.length;
    const buffer = new ArrayBuffer(count * n * 4);
    const columns = {} as EntryColumns;
    COLUMN_NAMES.forEach((name, k) => {
      const column = new Uint32Array(buffer, k * count * 4, count);
      const s = this.scratch;
      for (let i = 0, j = k; i < count; i++, j += n) column[i] = s[j]!;
      columns[name] = column;
    });
    return new EntryBatch(this.keyGroup, block, this.states, bytes, columns);
  }

  private checkOrder(bytes: Uint8Array, where: DataLocation): void {
    const p = this.previous;
    const f = this.fields;
    const pb = this.previousBytes!;
    const c = p[STATE]! - f[STATE]!
      || compareRanges(pb, p[KEY]!, p[KEY + 1]!, bytes, f[KEY]!, f[KEY + 1]!)
      || compareRanges(pb, p[NAMESPACE]!, p[NAMESPACE + 1]!, bytes, f[NAMESPACE]!, f[NAMESPACE + 1]!)
      || compareRanges(pb, p[USER_KEY]!, p[USER_KEY + 1]!, bytes, f[USER_KEY]!, f[USER_KEY + 1]!);
    if (c < 0 || (c === 0 && this.isList[f[STATE]!])) return;
    const what = c === 0 ? "repeats the entry before it" : "is before the entry preceding it in canonical order";
    throw new SavepointDataError("MALFORMED_BODY", `entry ${this.count} (state "${this.states[f[STATE]!]!.name}", ` +
      `key ${shortHex(bytes.subarray(f[KEY]!, f[KEY + 1]!))}) ${what}`, where);
  }
}
