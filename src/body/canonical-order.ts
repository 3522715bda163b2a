/**
 * The orders a canonical body lists things in ([spec](../../spec/format-v1.md#canonical-encoding)).
 * Strings compare by Unicode code point (the same as UTF-8 byte order), not by
 * JavaScript's UTF-16 code units.
 */
import type { FileRef, KeyedStateHandle, KeyGroupRange, OpaqueHandle, OperatorState, StreamRef, SubtaskState } from "../model.js";

const HIGH_UNITS = /[\uD800-\uFFFF]/;

/**
 * Compares by code point: UTF-16 surrogates (U+10000 and up) sort after
 * U+E000..U+FFFF. JavaScript's native order agrees unless both strings hold
 * units from U+D800 up, so the native comparison serves all other pairs.
 */
export function compareCodePoints(a: string, b: string): number {
  if (HIGH_UNITS.test(a) && HIGH_UNITS.test(b)) return compareUnits(a, b);
  return a < b ? -1 : a === b ? 0 : 1;
}

/**
 * Compares 64-bit values numerically, for the orders by snapshot or checkpoint
 * id ([spec](../../spec/validation.md#history): a history is sorted by snapshot
 * id). A comparator must return a number, and `a - b` on bigints is a bigint.
 */
export function compareBigInts(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareUnits(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** Operators by operator id. */
export const compareOperators = (a: OperatorState, b: OperatorState): number => compareCodePoints(a.operatorId, b.operatorId);
/** Subtasks by index. */
export const compareSubtasks = (a: SubtaskState, b: SubtaskState): number => a.subtaskIndex - b.subtaskIndex;
/** File refs by id. */
export const compareFiles = (a: FileRef, b: FileRef): number => compareCodePoints(a.id, b.id);

/** Position of each handle variant in the handle order: the 1.0 variants first, then 1.1's in field order. */
const VARIANT_RANK: Readonly<Record<KeyedStateHandle["type"], number>> = {
  incremental: 0, savepoint: 1, "stream-incremental": 2, "key-groups-stream": 3, opaque: 4,
};

/**
 * Handles by key-group start, count, variant (incremental, savepoint, stream-incremental, key-groups-stream,
 * opaque), then folder, data-file id, data stream or kind and payload ([spec](../../spec/format-v1.md#list-order)).
 */
export function compareHandles(a: KeyedStateHandle, b: KeyedStateHandle): number {
  return rangeStart(a.keyGroups) - rangeStart(b.keyGroups)
    || rangeCount(a.keyGroups) - rangeCount(b.keyGroups)
    || (VARIANT_RANK[a.type] ?? 5) - (VARIANT_RANK[b.type] ?? 5)
    || sameVariantOrder(a, b);
}

// An opaque handle's range is optional in the model (channel state has none); a handle without one sorts first.
const rangeStart = (kg: KeyGroupRange | undefined): number => kg?.start ?? 0;
const rangeCount = (kg: KeyGroupRange | undefined): number => kg?.count ?? 0;

function sameVariantOrder(a: KeyedStateHandle, b: KeyedStateHandle): number {
  if (a.type === "incremental" && b.type === "incremental") return compareCodePoints(a.folder, b.folder);
  if (a.type === "savepoint" && b.type === "savepoint") return compareCodePoints(a.dataFile?.id ?? "", b.dataFile?.id ?? "");
  if (a.type === "stream-incremental" && b.type === "stream-incremental") return compareCodePoints(a.folder, b.folder);
  if (a.type === "key-groups-stream" && b.type === "key-groups-stream") return compareStreams(a.data, b.data);
  if (a.type === "opaque" && b.type === "opaque") return compareOpaque(a, b);
  return 0;
}

/** Position of each stream target in the stream order: as in the StreamRef oneof. */
const TARGET_RANK: Readonly<Record<StreamRef["type"], number>> = { file: 0, segment: 1, inline: 2, external: 3 };

/**
 * Streams by target (file, segment, inline, external), then file id; segment id, offset, length; inline bytes;
 * URI ([spec](../../spec/format-v1.md#list-order)). Shared streams use the same order.
 */
export function compareStreams(a: StreamRef, b: StreamRef): number {
  const rank = (TARGET_RANK[a?.type] ?? 4) - (TARGET_RANK[b?.type] ?? 4);
  if (rank !== 0) return rank;
  if (a.type === "file" && b.type === "file") return compareCodePoints(a.id, b.id);
  if (a.type === "segment" && b.type === "segment") {
    return compareCodePoints(a.id, b.id) || compareBigInts(a.offset, b.offset) || compareBigInts(a.length, b.length);
  }
  if (a.type === "inline" && b.type === "inline") return compareBytes(a.data, b.data);
  if (a.type === "external" && b.type === "external") return compareCodePoints(a.uri, b.uri);
  return 0;
}

/**
 * Sorts `list` in place in {@link compareStreams} order. When all are whole files and no id has a code unit from
 * U+D800 (every real file list), that order is JavaScript's order of the ids, compared directly: a handle can hold
 * hundreds of thousands of files, and the per-comparison checks of compareStreams would be most of the sort's time.
 */
export function sortStreams<T extends StreamRef>(list: T[]): T[] {
  if (list.every((s) => s.type === "file" && !HIGH_UNITS.test(s.id))) {
    return (list as (T & { id: string })[]).sort((a, b) => (a.id < b.id ? -1 : a.id === b.id ? 0 : 1));
  }
  return list.sort(compareStreams);
}

/** Opaque handles (of `channel_state`, and ties among keyed ones) by kind, then payload bytes. */
export function compareOpaque(a: OpaqueHandle, b: OpaqueHandle): number {
  return compareCodePoints(a.kind, b.kind) || compareBytes(a.payload, b.payload);
}

/** Items with a `name` (operator states, master states) by name. */
export const compareNames = (a: { name: string }, b: { name: string }): number => compareCodePoints(a.name, b.name);

/** Bytewise, shorter first on a common prefix; anything but bytes compares as empty (the encoder then rejects it). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const x = a instanceof Uint8Array ? a : EMPTY;
  const y = b instanceof Uint8Array ? b : EMPTY;
  return Buffer.compare(x, y);
}

const EMPTY = new Uint8Array(0);

/** True when `list` is already in `compare` order (ties allowed). */
export function isSorted<T>(list: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < list.length; i++) {
    if (compare(list[i - 1]!, list[i]!) > 0) return false;
  }
  return true;
}

/**
 * The positions of `list`'s items in `compare` order (stable: ties keep their input order), or undefined when the
 * list is already in order. Positions, not a sorted copy, so that an error can name the item's index in the input.
 */
export function sortedPositions<T>(list: readonly T[], compare: (a: T, b: T) => number): number[] | undefined {
  if (isSorted(list, compare)) return undefined;
  return list.map((_, i) => i).sort((a, b) => compare(list[a]!, list[b]!) || a - b);
}
