/** fast-check generators of snapshots within the format's limits, lists in canonical order. */
import fc from "fast-check";
import { fitsIncrementalForm } from "../src/body/canonical-form.js";
import {
  compareFiles, compareHandles, compareNames, compareOpaque, compareOperators, compareStreams, compareSubtasks,
} from "../src/body/canonical-order.js";
import type {
  FileRef, KeyedStateHandle, MasterState, OpaqueHandle, OperatorState, OperatorStateHandle, SharedFileRef, SharedStreamRef,
  Snapshot, SourceInfo, StreamRef, SubtaskState,
} from "../src/model.js";

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

/** 1.0's two handle kinds, over the given file-ref arbitraries (1.1 adds local names to them). */
const handles10 = (file: fc.Arbitrary<FileRef>, shared: fc.Arbitrary<SharedFileRef>) => [
  fc.record({
    type: fc.constant("incremental" as const), backendId: id, keyGroups, folder: id, checkpointId: positiveU64,
    baseCheckpointId: u64, sharedFiles: canonicalList(shared, compareFiles, 4),
    privateFiles: canonicalList(file, compareFiles, 3), metaFile: file, stateSize: u64, checkpointedSize: u64,
  }),
  fc.record({ type: fc.constant("savepoint" as const), keyGroups, dataFile: file, offsets: fc.array(u64, { maxLength: 6 }) }),
] as const;

const handle: fc.Arbitrary<KeyedStateHandle> = fc.oneof(...handles10(fileRef, sharedRef));

const subtask: fc.Arbitrary<SubtaskState> = fc.record({
  subtaskIndex: u32, handles: canonicalList(handle, compareHandles, 3),
});

const operator: fc.Arbitrary<OperatorState> = fc.record({
  operatorId: id, name: text, parallelism: fc.integer({ min: 1, max: 0xffffffff }),
  subtasks: canonicalList(subtask, compareSubtasks, 3),
});

const kind = fc.constantFrom("checkpoint" as const, "savepoint" as const);
const properties = fc.record({
  incremental: fc.boolean(), keyGroupAware: fc.boolean(),
  sharing: fc.constantFrom("none" as const, "forward" as const, "forward-backward" as const),
  ownership: fc.constantFrom("system" as const, "user" as const),
});
const maxParallelism = fc.integer({ min: 1, max: 32768 });

/** Any snapshot the format can hold, with every list already in canonical order. */
export const snapshotArb: fc.Arbitrary<Snapshot> = fc.record({
  snapshotId: positiveU64,
  kind, properties, maxParallelism,
  operators: canonicalList(operator, compareOperators, 3),
  snapshotDir: text, jobId: text, timestampMillis: u64,
});

// ---- Format 1.1: every new kind. Optional members are left out (undefined, dropped by `plain`) or non-default,
// lists are absent or non-empty, and a stream-incremental handle is one the 1.0 form cannot hold: the canonical
// model of a snapshot, which decoding its encoding gives back.

const bytes = fc.uint8Array({ maxLength: 8 });
const localName = fc.option(fc.string({ unit: "binary", minLength: 1, maxLength: 8 }), { nil: undefined });
const fileStream = fc.record({ type: fc.constant("file" as const), id, path: id, size: u64, xxh64: u64, localName });
const segmentStream = fc.record({
  type: fc.constant("segment" as const), id, path: id, offset: u64, length: u64,
  scope: fc.constantFrom("exclusive" as const, "shared" as const), xxh64: u64, logicalId: fc.option(id, { nil: undefined }), localName,
});
const inlineStream = fc.record({ type: fc.constant("inline" as const), data: bytes, name: fc.option(id, { nil: undefined }), localName });
const externalStream = fc.record({ type: fc.constant("external" as const), uri: id, size: u64, xxh64: u64, localName });
const stream: fc.Arbitrary<StreamRef> = fc.oneof(fileStream, segmentStream, inlineStream, externalStream);
const sharedStream: fc.Arbitrary<SharedStreamRef> = fc.tuple(stream, positiveU64).map(([s, origin]) => ({ ...s, originCheckpointId: origin }));
const streams = canonicalList(stream, compareStreams, 3);
const sharedStreams = canonicalList(sharedStream, compareStreams, 3);
const nonEmpty = <T>(list: fc.Arbitrary<T[]>): fc.Arbitrary<T[] | undefined> => list.map((l) => (l.length > 0 ? l : undefined));

const fileRef11: fc.Arbitrary<FileRef> = fc.record({ id, path: id, size: u64, xxh64: u64, localName });
const sharedRef11: fc.Arbitrary<SharedFileRef> = fc.record({ id, path: id, size: u64, xxh64: u64, originCheckpointId: positiveU64, localName });

const opaque = (keyed: boolean): fc.Arbitrary<OpaqueHandle> => fc.record({
  type: fc.constant("opaque" as const), kind: id, keyGroups: keyed ? keyGroups : fc.constant(undefined),
  files: streams, sharedFiles: sharedStreams, payload: bytes,
});

const handle11: fc.Arbitrary<KeyedStateHandle> = fc.oneof(
  ...handles10(fileRef11, sharedRef11),
  fc.record({
    type: fc.constant("stream-incremental" as const), backendId: id, keyGroups, folder: text, checkpointId: positiveU64,
    baseCheckpointId: u64, sharedFiles: sharedStreams, privateFiles: streams, meta: stream, stateSize: u64, checkpointedSize: u64,
  }).filter((h) => !fitsIncrementalForm(h)),
  fc.record({ type: fc.constant("key-groups-stream" as const), keyGroups, data: stream, offsets: fc.array(u64, { maxLength: 4 }), dataFormat: id }),
  opaque(true),
);

const operatorState: fc.Arbitrary<OperatorStateHandle> = fc.record({
  stream,
  states: canonicalList(fc.record({
    name: id, mode: fc.constantFrom("split-distribute" as const, "union" as const, "broadcast" as const), offsets: fc.array(u64, { maxLength: 4 }),
  }), compareNames, 3),
});

const subtask11: fc.Arbitrary<SubtaskState> = fc.record({
  subtaskIndex: u32, handles: canonicalList(handle11, compareHandles, 3),
  managedOperatorState: fc.option(operatorState, { nil: undefined }),
  rawOperatorState: fc.option(operatorState, { nil: undefined }),
  rawKeyedHandles: nonEmpty(canonicalList(handle11, compareHandles, 2)),
  channelState: nonEmpty(canonicalList(opaque(false), compareOpaque, 2)),
  finished: fc.option(fc.constant(true), { nil: undefined }),
});

const operator11: fc.Arbitrary<OperatorState> = fc.record({
  operatorId: id, name: text, parallelism: fc.integer({ min: 1, max: 0xffffffff }),
  subtasks: canonicalList(subtask11, compareSubtasks, 2),
  maxParallelism: fc.option(fc.integer({ min: 1, max: 32768 }), { nil: undefined }),
  uid: fc.option(id, { nil: undefined }),
  coordinatorState: fc.option(stream, { nil: undefined }),
  finished: fc.option(fc.constant(true), { nil: undefined }),
});

const masterState: fc.Arbitrary<MasterState> = fc.record({ name: id, version: fc.integer({ min: -0x80000000, max: 0x7fffffff }), payload: bytes });
const source: fc.Arbitrary<SourceInfo> = fc.record({ system: id, formatVersion: u32, checkpointId: u64 });

/**
 * Any snapshot format 1.1 can hold, every 1.1 kind included, lists in canonical order. An operator's max
 * parallelism equal to the snapshot's says nothing (the codec drops it), so it is left out here.
 */
export const snapshotArb11: fc.Arbitrary<Snapshot> = fc.record({
  snapshotId: positiveU64,
  kind, properties, maxParallelism,
  operators: canonicalList(operator11, compareOperators, 2),
  snapshotDir: text, jobId: text, timestampMillis: u64,
  masterStates: nonEmpty(canonicalList(masterState, compareNames, 2)),
  source: fc.option(source, { nil: undefined }),
}).map((s) => ({
  ...s,
  operators: s.operators.map((op) => (op.maxParallelism === s.maxParallelism ? { ...op, maxParallelism: undefined } : op)),
}));

const reverse = <T>(list: T[] | undefined): T[] | undefined => (list === undefined ? undefined : [...list].reverse());

/** `h` with its lists reversed (a copy). */
function reversedHandle(h: KeyedStateHandle): KeyedStateHandle {
  switch (h.type) {
    case "incremental": return { ...h, sharedFiles: [...h.sharedFiles].reverse(), privateFiles: [...h.privateFiles].reverse() };
    case "stream-incremental": return { ...h, sharedFiles: [...h.sharedFiles].reverse(), privateFiles: [...h.privateFiles].reverse() };
    case "opaque": return reversedOpaque(h);
    default: return { ...h };
  }
}

const reversedOpaque = (h: OpaqueHandle): OpaqueHandle => ({ ...h, files: [...h.files].reverse(), sharedFiles: [...h.sharedFiles].reverse() });
const reversedState = (o: OperatorStateHandle | undefined): OperatorStateHandle | undefined =>
  (o === undefined ? undefined : { ...o, states: [...o.states].reverse() });

/** Reverses every list of `s` (a deep copy): same content, non-canonical order. */
export function reversed(s: Snapshot): Snapshot {
  return {
    ...s,
    masterStates: reverse(s.masterStates),
    operators: [...s.operators].reverse().map((op) => ({
      ...op,
      subtasks: [...op.subtasks].reverse().map((st) => ({
        ...st,
        handles: [...st.handles].reverse().map(reversedHandle),
        rawKeyedHandles: reverse(st.rawKeyedHandles)?.map(reversedHandle),
        channelState: reverse(st.channelState)?.map(reversedOpaque),
        managedOperatorState: reversedState(st.managedOperatorState),
        rawOperatorState: reversedState(st.rawOperatorState),
      })),
    })),
  };
}

/**
 * A deep copy with ordinary prototypes (fast-check's records have none), bigints and bytes kept, and members
 * whose value is undefined left out: the model of an absent optional field, as the decoder returns it.
 */
export function plain<T>(v: T): T {
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, plain(x)])) as T;
  }
  return v;
}
