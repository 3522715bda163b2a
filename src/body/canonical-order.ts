/**
 * The orders a canonical body lists things in ([spec](../../spec/format-v1.md#canonical-encoding)).
 * Strings compare by Unicode code point (the same as UTF-8 byte order), not by
 * JavaScript's UTF-16 code units.
 */
import type { FileRef, KeyedStateHandle, OperatorState, SubtaskState } from "../model.js";

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

/** Handles by key-group start, count, kind (incremental first), then folder or data-file id. */
export function compareHandles(a: KeyedStateHandle, b: KeyedStateHandle): number {
  return a.keyGroups.start - b.keyGroups.start
    || a.keyGroups.count - b.keyGroups.count
    || (a.type === b.type ? compareCodePoints(handleName(a), handleName(b)) : a.type === "incremental" ? -1 : 1);
}

function handleName(h: KeyedStateHandle): string {
  return h.type === "incremental" ? h.folder : h.dataFile.id;
}

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
