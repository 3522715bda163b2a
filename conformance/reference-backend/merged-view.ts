/**
 * The merged, sorted view of a stack of layers (memtable and runs): what a
 * reader of the store sees. Each entry key's records are merged newest first
 * ({@link resolve}); absent entries are left out.
 */
import { resolve, type EntryKey, type RecordOp, type Resolved, type StoredRecord } from "./records.js";

/** One present entry of the view. */
export interface ViewEntry {
  sk: string;
  key: EntryKey;
  resolved: Exclude<Resolved, { present: false }>;
}

/** A layer: records by sort key. */
export type Layer = ReadonlyMap<string, StoredRecord>;

/** The current value of sort key `sk` in `layers` (newest first). */
export function lookup(layers: readonly Layer[], sk: string): Resolved {
  return resolve(opsOf(layers, sk));
}

/** Every present entry of `layers` (newest first), in canonical order. */
export function mergedView(layers: readonly Layer[]): ViewEntry[] {
  const keys = new Map<string, EntryKey>();
  for (const layer of layers) for (const [sk, r] of layer) if (!keys.has(sk)) keys.set(sk, r.key);
  const out: ViewEntry[] = [];
  // Plain code-unit order is the canonical order for sort keys (see sortKey).
  for (const sk of [...keys.keys()].sort()) {
    const resolved = lookup(layers, sk);
    if (resolved.present) out.push({ sk, key: keys.get(sk)!, resolved });
  }
  return out;
}

function* opsOf(layers: readonly Layer[], sk: string): Generator<RecordOp> {
  for (const layer of layers) {
    const r = layer.get(sk);
    if (r !== undefined) yield r.op;
  }
}
