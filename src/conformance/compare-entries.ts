/**
 * Comparing dump entries: the expected list against what an adapter returned or
 * a data file holds, reported as the first difference and the counts, so a
 * failure says what is wrong without printing thousands of entries.
 */
import type { SavepointEntry } from "../savepoint/data-format.js";
import { entryToJsonLine } from "../savepoint/dump.js";
import type { DumpEntry } from "./state-model.js";

/** A savepoint entry as a dump entry ([spec](../../spec/savepoint-data.md#logical-dump)). */
export function toDumpEntry(e: SavepointEntry): DumpEntry {
  return JSON.parse(entryToJsonLine(e)) as DumpEntry;
}

/** The canonical one-line form of a dump entry: its members in the dump's order. */
export function entryText(e: DumpEntry): string {
  const { keyGroup, state, kind, key, namespace, userKey, value } = e;
  return JSON.stringify(userKey === undefined ? { keyGroup, state, kind, key, namespace, value }
    : { keyGroup, state, kind, key, namespace, userKey, value });
}

/**
 * Undefined when `actual` equals `expected` entry for entry, in order; otherwise
 * one line: `what`, the counts, and the first entry that differs.
 */
export function entriesDifference(what: string, expected: readonly DumpEntry[], actual: readonly DumpEntry[]): string | undefined {
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = entryText(expected[i]!);
    const a = entryText(actual[i]!);
    if (e !== a) return `${what}: ${counts(expected, actual)}; entry ${i} is ${a}, expected ${e}`;
  }
  if (expected.length === actual.length) return undefined;
  const first = expected.length > n ? `missing from entry ${n}: ${entryText(expected[n]!)}` : `extra from entry ${n}: ${entryText(actual[n]!)}`;
  return `${what}: ${counts(expected, actual)}; ${first}`;
}

function counts(expected: readonly DumpEntry[], actual: readonly DumpEntry[]): string {
  return `${actual.length} entries, expected ${expected.length}`;
}
