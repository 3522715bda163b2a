/** fast-check generators of snapshots within the format's limits, lists in canonical order. */
import fc from "fast-check";
import { compareFiles, compareHandles, compareOperators, compareSubtasks } from "../src/body/canonical-order.js";
import type { FileRef, KeyedStateHandle, OperatorState, SharedFileRef, Snapshot, SubtaskState } from "../src/model.js";

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const positiveU64 = fc.bigInt({ min: 1n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const text = fc.string({ unit: "binary", maxLength: 12 });
const id = fc.string({ unit: "binary", minLength: 1, maxLength: 12 });
const keyGroups = fc.record({ start: fc.integer({ min: 0, max: 32767 }), count: fc.integer({ min: 0, max: 32768 }) });

const fileRef: fc.Arbitrary<FileRef> = fc.record({ id, path: id, size: u64, xxh64: u64 });
const sharedRef: fc.Arbitrary<SharedFileRef> = fc.record({ id, path: id, size: u64, xxh64: u64, originCheckpointId: positiveU64 });
// Keeps the element type: shared refs sorted by the FileRef order stay shared refs.
const sorted = <T>(cmp: (a: T, b: T) => number) => <U extends T>(xs: U[]): U[] => [...xs].sort(cmp);
/**
 * A list in canonical order with no two equal sort keys: equal keys make a snapshot invalid (spec/format-v1.md,
 * "List order"), and the canonical file of such a list would depend on the input order.
 */
const canonicalList = <T>(item: fc.Arbitrary<T>, cmp: (a: T, b: T) => number, maxLength: number): fc.Arbitrary<T[]> =>
  fc.uniqueArray(item, { maxLength, comparator: (a, b) => cmp(a, b) === 0 }).map(sorted(cmp));

const handle: fc.Arbitrary<KeyedStateHandle> = fc.oneof(
  fc.record({
    type: fc.constant("incremental" as const), backendId: id, keyGroups, folder: id, checkpointId: positiveU64,
    baseCheckpointId: u64, sharedFiles: canonicalList(sharedRef, compareFiles, 4),
    privateFiles: canonicalList(fileRef, compareFiles, 3), metaFile: fileRef, stateSize: u64, checkpointedSize: u64,
  }),
  fc.record({ type: fc.constant("savepoint" as const), keyGroups, dataFile: fileRef, offsets: fc.array(u64, { maxLength: 6 }) }),
);

const subtask: fc.Arbitrary<SubtaskState> = fc.record({
  subtaskIndex: u32, handles: canonicalList(handle, compareHandles, 3),
});

const operator: fc.Arbitrary<OperatorState> = fc.record({
  operatorId: id, name: text, parallelism: fc.integer({ min: 1, max: 0xffffffff }),
  subtasks: canonicalList(subtask, compareSubtasks, 3),
});

/** Any snapshot the format can hold, with every list already in canonical order. */
export const snapshotArb: fc.Arbitrary<Snapshot> = fc.record({
  snapshotId: positiveU64,
  kind: fc.constantFrom("checkpoint" as const, "savepoint" as const),
  properties: fc.record({
    incremental: fc.boolean(), keyGroupAware: fc.boolean(),
    sharing: fc.constantFrom("none" as const, "forward" as const, "forward-backward" as const),
    ownership: fc.constantFrom("system" as const, "user" as const),
  }),
  maxParallelism: fc.integer({ min: 1, max: 32768 }),
  operators: canonicalList(operator, compareOperators, 3),
  snapshotDir: text, jobId: text, timestampMillis: u64,
});

/** Reverses every list of `s` (a deep copy): same content, non-canonical order. */
export function reversed(s: Snapshot): Snapshot {
  return {
    ...s,
    operators: [...s.operators].reverse().map((op) => ({
      ...op,
      subtasks: [...op.subtasks].reverse().map((st) => ({
        ...st,
        handles: [...st.handles].reverse().map((h) => h.type === "incremental"
          ? { ...h, sharedFiles: [...h.sharedFiles].reverse(), privateFiles: [...h.privateFiles].reverse() }
          : { ...h }),
      })),
    })),
  };
}

/** A deep copy with ordinary prototypes (fast-check's records have none), bigints kept. */
export function plain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as T;
  }
  return v;
}
