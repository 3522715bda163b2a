/**
 * One key group's entries, buffered for the canonical sort
 * ([spec](../../spec/savepoint-data.md#how-a-writer-achieves-the-canonical-order)).
 * Entries are encoded into an arena of large chunks and described by a fixed
 * number of integers each, so what the buffer holds is bytes, not objects: a
 * key group of millions of entries costs its encoded size plus
 * {@link SORT_INDEX_BYTES_PER_ENTRY} per entry, and no garbage. The chunks are
 * kept from key group to key group.
 */
import { compareRanges, encodedFields, encodeEntryInto } from "./entry-codec.js";

/** Arena chunk size: large enough that few entries straddle a chunk's end (they move to the next). */
const CHUNK_BYTES = 1024 * 1024;
/** Integers per entry: chunk, start, end, state index, then the six sort-field positions. */
const STRIDE = 10;
const CHUNK = 0, START = 1, END = 2, STATE = 3, KEY = 4, NAMESPACE = 6, USER_KEY = 8;
/** What the buffer holds per entry besides its encoding: its {@link STRIDE} integers and its place in the sort order. */
export const SORT_INDEX_BYTES_PER_ENTRY = STRIDE * 4 + 4;

/** The buffered entries of one key group. */
export class SortBuffer {
  private readonly chunks: Uint8Array[] = [];
  /** Chunk being filled, and bytes of it used. */
  private chunk = 0;
  private used = 0;
  private index = new Int32Array(STRIDE * 1024);
  /** Number of entries buffered. */
  length = 0;
  /** Encoded bytes buffered. */
  bytes = 0;

  /** Encodes an entry of `encodedLength` bytes ({@link encodedEntryLength}) into the arena. */
  add(encodedLength: number, stateIndex: number, isMap: boolean, key: Uint8Array, namespace: Uint8Array,
    userKey: Uint8Array | undefined, value: Uint8Array): void {
    const chunk = this.reserve(encodedLength);
    const start = this.used;
    const end = encodeEntryInto(chunk, start, stateIndex, isMap, key, namespace, userKey, value);
    this.used = end;
    if ((this.length + 1) * STRIDE > this.index.length) this.growIndex();
    const x = this.index;
    const at = this.length * STRIDE;
    const f = encodedFields;
    x[at + CHUNK] = this.chunk;
    x[at + START] = start;
    x[at + END] = end;
    x[at + STATE] = stateIndex;
    for (let k = 0; k < 6; k++) x[at + KEY + k] = f[k]!;
    this.length++;
    this.bytes += encodedLength;
  }

  /**
   * The entries' numbers in canonical order, arrival order among equals (list
   * elements): the tie-break on the number makes the sort stable whatever
   * algorithm the engine uses.
   */
  sortedOrder(): Uint32Array {
    const order = new Uint32Array(this.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order.sort((a, b) => this.compare(a, b) || a - b);
  }

  /** Canonical order of entries `a` and `b`: state, key, namespace, user key; 0 when equal in all. */
  compare(a: number, b: number): number {
    const x = this.index;
    const p = a * STRIDE, q = b * STRIDE;
    const c = x[p + STATE]! - x[q + STATE]!;
    if (c !== 0) return c;
    const ca = this.chunks[x[p + CHUNK]!]!, cb = this.chunks[x[q + CHUNK]!]!;
    return compareRanges(ca, x[p + KEY]!, x[p + KEY + 1]!, cb, x[q + KEY]!, x[q + KEY + 1]!)
      || compareRanges(ca, x[p + NAMESPACE]!, x[p + NAMESPACE + 1]!, cb, x[q + NAMESPACE]!, x[q + NAMESPACE + 1]!)
      || compareRanges(ca, x[p + USER_KEY]!, x[p + USER_KEY + 1]!, cb, x[q + USER_KEY]!, x[q + USER_KEY + 1]!);
  }

  /** Entry `i`'s state index. */
  stateIndex(i: number): number {
    return this.index[i * STRIDE + STATE]!;
  }

  /** Appends entry `i`'s encoding to `out`. */
  writeEntry(i: number, out: { writeRange(bytes: Uint8Array, start: number, end: number): void }): void {
    const x = this.index;
    const at = i * STRIDE;
    out.writeRange(this.chunks[x[at + CHUNK]!]!, x[at + START]!, x[at + END]!);
  }

  /** Entry `i`'s key, namespace and user key, as views (for messages). */
  sortFields(i: number): { key: Uint8Array; namespace: Uint8Array; userKey: Uint8Array } {
    const x = this.index;
    const at = i * STRIDE;
    const c = this.chunks[x[at + CHUNK]!]!;
    return {
      key: c.subarray(x[at + KEY], x[at + KEY + 1]),
      namespace: c.subarray(x[at + NAMESPACE], x[at + NAMESPACE + 1]),
      userKey: c.subarray(x[at + USER_KEY], x[at + USER_KEY + 1]),
    };
  }

  /** Empties the buffer for the next key group; the arena's chunks stay allocated for it. */
  clear(): void {
    this.chunk = 0;
    this.used = 0;
    this.length = 0;
    this.bytes = 0;
  }

  /** Empties the buffer and lets its memory go. */
  release(): void {
    this.clear();
    this.chunks.length = 0;
    this.index = new Int32Array(0);
  }

  /** The chunk the next `n` bytes go to: the current one if they fit, else the next (allocated if needed, at least `n`). */
  private reserve(n: number): Uint8Array {
    let chunk = this.chunks[this.chunk];
    if (chunk !== undefined && this.used + n <= chunk.length) return chunk;
    if (chunk !== undefined) this.chunk++;
    this.used = 0;
    chunk = this.chunks[this.chunk];
    if (chunk === undefined || chunk.length < n) {
      // A kept chunk too small for a large entry is replaced: the arena holds what the largest key group needed.
      chunk = new Uint8Array(Math.max(CHUNK_BYTES, n));
      this.chunks[this.chunk] = chunk;
    }
    return chunk;
  }

  private growIndex(): void {
    const grown = new Int32Array(Math.max(STRIDE * 1024, Math.ceil(this.index.length * 1.5 / STRIDE) * STRIDE));
    grown.set(this.index);
    this.index = grown;
  }
}
