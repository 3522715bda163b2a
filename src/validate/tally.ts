/**
 * Counting for the history rules, which report once per (snapshot, missing
 * checkpoint) rather than once per file ([spec](../../spec/validation.md#history)).
 */

/** Counts references per key and keeps the field of the first one. */
export class Tally<K> {
  readonly entries = new Map<K, { count: number; field: string }>();

  add(key: K, field: () => string): void {
    const e = this.entries.get(key);
    if (e === undefined) this.entries.set(key, { count: 1, field: field() });
    else e.count++;
  }
}
