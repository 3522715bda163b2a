/**
 * The records of the store: what one memtable or run holds for one entry key,
 * and how records of several layers merge into the entry's current value.
 * Lists use merge operands as RocksDB does: an `append` adds elements to
 * whatever older layers hold, so adding to a list never reads older runs.
 */

/** Where an entry lives: key group, state and the byte fields, bytes as lowercase hex. */
export interface EntryKey {
  keyGroup: number;
  state: string;
  key: string;
  namespace: string;
  /** Map state only. */
  userKey?: string;
}

/** What a layer says about an entry key. */
export type RecordOp =
  | { t: "put"; v: string }
  | { t: "del" }
  | { t: "set"; elems: string[] }
  | { t: "append"; elems: string[] };

/** A record with its key and its sort key ({@link sortKey}). */
export interface StoredRecord {
  sk: string;
  key: EntryKey;
  op: RecordOp;
}

/** An entry's current value: absent, a value (value and map state) or a non-empty list. */
export type Resolved = { present: false } | { present: true; value: string } | { present: true; elems: string[] };

const ABSENT: Resolved = { present: false };

/**
 * A string whose code-unit order is the canonical entry order: key group, state
 * rank, then key, namespace and user key bytewise. Lowercase hex keeps byte
 * order, and the space separator sorts below every hex digit, so a proper
 * prefix sorts first as the bytewise order requires.
 */
export function sortKey(key: EntryKey, rank: number): string {
  return `${String(key.keyGroup).padStart(5, "0")} ${String(rank).padStart(4, "0")} ${key.key} ${key.namespace} ${key.userKey ?? ""}`;
}

/** The current value of an entry given its records, newest first. */
export function resolve(newestFirst: Iterable<RecordOp>): Resolved {
  let tail: string[] = [];
  for (const op of newestFirst) {
    switch (op.t) {
      case "put":
        return { present: true, value: op.v };
      case "del":
        return listOf(tail);
      case "set":
        return listOf([...op.elems, ...tail]);
      case "append":
        tail = [...op.elems, ...tail];
        break;
    }
  }
  return listOf(tail);
}

/** `incoming` applied on top of `older` in one layer (the memtable): a single record with the same effect. */
export function combine(older: RecordOp | undefined, incoming: RecordOp): RecordOp {
  if (incoming.t !== "append" || older === undefined) return incoming;
  if (older.t === "append" || older.t === "set") return { t: older.t, elems: [...older.elems, ...incoming.elems] };
  // On a tombstone the list restarts from nothing: older layers are hidden for good.
  return { t: "set", elems: [...incoming.elems] };
}

/** True when two resolved values are the same state. */
export function sameResolved(a: Resolved, b: Resolved): boolean {
  if (!a.present || !b.present) return a.present === b.present;
  if ("value" in a) return "value" in b && a.value === b.value;
  return "elems" in b && a.elems.length === b.elems.length && a.elems.every((e, i) => e === b.elems[i]);
}

/** The record that holds `resolved` on its own (what compaction writes); undefined for an absent entry. */
export function recordFor(resolved: Resolved): RecordOp | undefined {
  if (!resolved.present) return undefined;
  return "value" in resolved ? { t: "put", v: resolved.value } : { t: "set", elems: resolved.elems };
}

// An empty list is no entry, as in savepoint data files.
function listOf(elems: string[]): Resolved {
  return elems.length === 0 ? ABSENT : { present: true, elems };
}
