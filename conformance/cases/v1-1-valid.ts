/**
 * Valid cases of format 1.1: each is a snapshot whose canonical encoding and JSON form become
 * `valid/<name>.ksnap` and `valid/<name>.json`. Every 1.1 field and kind occurs in at least one.
 */
import type { FileStream, OpaqueHandle, SegmentStream, SharedStreamRef, Snapshot, StreamIncrementalHandle, StreamRef } from "../../src/model.js";
import { base, fakeHash, incrementalHandle, savepointHandle, sharedSst } from "./fixtures.js";
import type { ValidCase } from "./v1-0-valid.js";

const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;
const SAVEPOINT = { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" } as const;
const OP = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
const OP2 = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

const fileStream = (id: string, path: string, size: bigint, localName?: string): FileStream =>
  ({ type: "file", id, path, size, xxh64: fakeHash(Number(size)), ...(localName === undefined ? {} : { localName }) });
const segment = (id: string, offset: bigint, length: bigint, scope: "exclusive" | "shared", extra: Partial<SegmentStream> = {}): SegmentStream =>
  ({ type: "segment", id, path: `shared/${id}.merged`, offset, length, scope, xxh64: fakeHash(Number(offset)), ...extra });
const inline = (text: string, extra: { name?: string; localName?: string } = {}): StreamRef => ({ type: "inline", data: bytes(text), ...extra });
const shared = <T extends StreamRef>(s: T, origin: bigint): SharedStreamRef => ({ ...s, originCheckpointId: origin });

function localNames(): Snapshot {
  const b = "b-local";
  const h = incrementalHandle({ backend: b, checkpoint: 5n, base: 4n, start: 0, count: 128, folder: "chk-5/op-0",
    shared: [sharedSst(b, 1, 4n), sharedSst(b, 2, 5n)], privates: [3] });
  const named = {
    ...h,
    sharedFiles: h.sharedFiles.map((f, i) => ({ ...f, localName: `00000${i + 1}.sst` })),
    privateFiles: h.privateFiles.map((f) => ({ ...f, localName: "000003.log" })),
    metaFile: { ...h.metaFile, localName: "MANIFEST-000005" },
  };
  return base({ snapshotId: 5n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-5",
    operators: [{ operatorId: OP, name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [named] }] }] });
}

function ignorableOnly(): Snapshot {
  const sp = savepointHandle("sp-3/op-0", "op-0.kgdata", 0, 128, 8n);
  return base({ snapshotId: 3n, kind: "savepoint", properties: SAVEPOINT,
    source: { system: "apache-flink", formatVersion: 5, checkpointId: 3n },
    operators: [{ operatorId: OP, name: "Map", parallelism: 1, uid: "my-map-uid",
      subtasks: [{ subtaskIndex: 0, handles: [{ ...sp, dataFile: { ...sp.dataFile, localName: "kg-0.bin" } }] }] }] });
}

function sourceCheckpointZero(): Snapshot {
  return base({ snapshotId: 1n, kind: "savepoint", properties: SAVEPOINT,
    source: { system: "apache-flink", formatVersion: 6, checkpointId: 0n } });
}

function operatorStateModes(): Snapshot {
  const managed = {
    stream: fileStream("op-state/0", "chk-9/op-state-0", 300n),
    // Out of name order on purpose: the encoder sorts by name.
    states: [
      { name: "union-offsets", mode: "union" as const, offsets: [0n, 40n] },
      { name: "broadcast-rules", mode: "broadcast" as const, offsets: [80n] },
      { name: "source-splits", mode: "split-distribute" as const, offsets: [120n, 160n, 200n] },
    ],
  };
  const raw = { stream: inline("raw operator bytes", { name: "raw-0" }), states: [{ name: "raw", mode: "split-distribute" as const, offsets: [0n] }] };
  return base({ snapshotId: 9n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-9",
    operators: [{ operatorId: OP, name: "Source", parallelism: 2, subtasks: [
      { subtaskIndex: 0, handles: [], managedOperatorState: managed, rawOperatorState: raw },
      { subtaskIndex: 1, handles: [], managedOperatorState: { stream: inline(""), states: [] } },
    ] }] });
}

function streamIncremental(): Snapshot {
  const h: StreamIncrementalHandle = {
    type: "stream-incremental", backendId: "b-merged", keyGroups: { start: 0, count: 128 }, folder: "chk-12/op-0",
    checkpointId: 12n, baseCheckpointId: 11n,
    // Every target, given out of stream order: the encoder sorts (file, segment, inline, external).
    sharedFiles: [
      shared({ type: "external", uri: "s3://bucket/flink/shared/0001.sst", size: 4096n, xxh64: 0n, localName: "000001.sst" }, 10n),
      shared(inline("small shared sst", { localName: "000004.sst" }), 11n),
      shared(segment("tm-1-0007", 4096n, 1024n, "shared", { logicalId: "logical-3", localName: "000003.sst" }), 12n),
      shared(segment("tm-1-0007", 0n, 4096n, "shared", { localName: "000002.sst" }), 11n),
      shared(fileStream("shared/0005.sst", "shared/0005.sst", 2048n, "000005.sst"), 12n),
    ],
    privateFiles: [segment("tm-1-0008", 0n, 0n, "exclusive", { localName: "000006.log" }), fileStream("chk-12/op-0/OPTIONS", "chk-12/op-0/OPTIONS", 900n, "OPTIONS-000007")],
    meta: inline("rocksdb meta", { localName: "MANIFEST-000008" }),
    stateSize: 12288n, checkpointedSize: 2048n,
  };
  return base({ snapshotId: 12n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-12",
    operators: [{ operatorId: OP, name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [h] }] }] });
}

function streamIncrementalNoFolder(): Snapshot {
  const meta = fileStream("chk-2/meta-0", "chk-2/meta-0", 100n);
  const h: StreamIncrementalHandle = {
    type: "stream-incremental", backendId: "b-nofolder", keyGroups: { start: 0, count: 4 }, folder: "", checkpointId: 2n,
    baseCheckpointId: 0n, sharedFiles: [shared(fileStream("shared/a.sst", "shared/a.sst", 10n), 2n)], privateFiles: [], meta,
    stateSize: 110n, checkpointedSize: 110n,
  };
  return base({ snapshotId: 2n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-2", maxParallelism: 4,
    operators: [{ operatorId: OP, name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [h] }] }] });
}

function streamIncrementalAsOneZero(): Snapshot {
  const h: StreamIncrementalHandle = {
    type: "stream-incremental", backendId: "b-whole", keyGroups: { start: 0, count: 4 }, folder: "chk-2/op-0", checkpointId: 2n,
    baseCheckpointId: 1n, sharedFiles: [shared(fileStream("shared/b.sst", "shared/b.sst", 10n), 1n)],
    privateFiles: [fileStream("chk-2/op-0/000002.log", "chk-2/op-0/000002.log", 5n)],
    meta: fileStream("chk-2/op-0/MANIFEST", "chk-2/op-0/MANIFEST", 50n), stateSize: 65n, checkpointedSize: 55n,
  };
  return base({ snapshotId: 2n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-2", maxParallelism: 4,
    operators: [{ operatorId: OP, name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [h] }] }] });
}

function keyGroupsStream(): Snapshot {
  const data = fileStream("sp-4/op-0-kg", "op-0-kg.bin", 1000n);
  return base({ snapshotId: 4n, kind: "savepoint", properties: SAVEPOINT, maxParallelism: 4,
    operators: [{ operatorId: OP, name: "", parallelism: 1, subtasks: [{
      subtaskIndex: 0,
      handles: [{ type: "key-groups-stream", keyGroups: { start: 0, count: 4 }, data, offsets: [0n, 250n, 500n, 750n], dataFormat: "apache-flink/key-groups" }],
      rawKeyedHandles: [{ type: "key-groups-stream", keyGroups: { start: 0, count: 4 }, data: inline("raw keyed"), offsets: [0n, 2n, 4n, 6n], dataFormat: "apache-flink/raw-keyed" }],
    }] }] });
}

function opaqueKeyedAndChannel(): Snapshot {
  const changelog: OpaqueHandle = {
    type: "opaque", kind: "apache-flink/changelog", keyGroups: { start: 0, count: 128 },
    files: [fileStream("chk-20/changelog-0", "chk-20/changelog-0", 777n)],
    sharedFiles: [shared(segment("dstl-9", 100n, 200n, "shared"), 19n)],
    payload: bytes("serialized ChangelogStateBackendHandle"),
  };
  const channel = (kind: string, text: string): OpaqueHandle => ({ type: "opaque", kind, files: [inline(text)], sharedFiles: [], payload: bytes(text) });
  return base({ snapshotId: 20n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-20",
    operators: [{ operatorId: OP, name: "", parallelism: 1, subtasks: [{
      subtaskIndex: 0, handles: [changelog],
      // Out of order: sorted by kind, then payload.
      channelState: [channel("apache-flink/result-subpartition", "out-1"), channel("apache-flink/input-channel", "in-2"), channel("apache-flink/input-channel", "in-1")],
    }] }] });
}

function masterAndCoordinatorState(): Snapshot {
  return base({ snapshotId: 30n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-30",
    masterStates: [
      { name: "hook-b", version: -1, payload: bytes("negative version: a 10-byte varint") },
      { name: "hook-a", version: 3, payload: new Uint8Array(0) },
    ],
    operators: [{ operatorId: OP, name: "KafkaSource", parallelism: 1, subtasks: [], coordinatorState: inline("split enumerator state") }] });
}

function finishedMarkers(): Snapshot {
  return base({ snapshotId: 40n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-40",
    operators: [
      { operatorId: OP, name: "bounded source", parallelism: 2, subtasks: [], finished: true },
      { operatorId: OP2, name: "", parallelism: 2, subtasks: [{ subtaskIndex: 1, handles: [], finished: true }] },
    ] });
}

function operatorMaxParallelism(): Snapshot {
  return base({ snapshotId: 50n, kind: "savepoint", properties: SAVEPOINT, maxParallelism: 128,
    operators: [
      { operatorId: OP, name: "", parallelism: 1, maxParallelism: 256, subtasks: [{ subtaskIndex: 0, handles: [savepointHandle("sp/kg", "kg.bin", 0, 256, 1n)] }] },
      // Equal to the snapshot's: it says nothing, is omitted, and needs no bit.
      { operatorId: OP2, name: "", parallelism: 1, maxParallelism: 128, subtasks: [] },
    ] });
}

function everyVariantInOneSubtask(): Snapshot {
  const kg = { start: 0, count: 2 };
  const handles = [
    { type: "opaque" as const, kind: "x", keyGroups: kg, files: [], sharedFiles: [], payload: new Uint8Array(0) },
    { type: "key-groups-stream" as const, keyGroups: kg, data: inline("kgs"), offsets: [0n, 1n], dataFormat: "f" },
    { type: "stream-incremental" as const, backendId: "b", keyGroups: kg, folder: "", checkpointId: 7n, baseCheckpointId: 0n, sharedFiles: [], privateFiles: [], meta: inline("m"), stateSize: 0n, checkpointedSize: 0n },
    savepointHandle("chk-7/sp", "chk-7/sp.bin", 0, 2, 3n),
    incrementalHandle({ backend: "b", checkpoint: 7n, base: 0n, start: 0, count: 2, folder: "chk-7/inc", shared: [], privates: [] }),
  ];
  return base({ snapshotId: 7n, kind: "checkpoint", properties: { ...CHECKPOINT, keyGroupAware: true }, snapshotDir: "chk-7", maxParallelism: 2,
    operators: [{ operatorId: OP, name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles }] }] });
}

/** The valid cases, in README order. */
export const VALID_CASES_1_1: ValidCase[] = [
  { name: "local-names", checks: "local names on the shared, private and meta files of a 1.0 incremental handle: ignorable, so format 1.1 with no feature bit", snapshot: localNames() },
  { name: "ignorable-only", checks: "only ignorable fields (an operator uid, source, a data file's local name): format 1.1, required_features 0", snapshot: ignorableOnly() },
  { name: "source-checkpoint-id-0", checks: "a converted State Processor API savepoint: snapshot_id 1, source.checkpoint_id 0 (the source's id), no bit", snapshot: sourceCheckpointZero() },
  { name: "operator-state-modes", checks: "managed operator state with each distribution mode (states given out of name order), raw operator state in an inline stream, an empty inline stream (bit 0)", snapshot: operatorStateModes() },
  { name: "stream-incremental-every-target", checks: "a stream_incremental handle with file, segment (shared and exclusive, empty, logical id), inline and external streams, given out of stream order, local names on streams (bits 2, 3, 6)", snapshot: streamIncremental() },
  { name: "stream-incremental-no-folder", checks: "a stream_incremental handle of whole files but no folder: the 1.0 form cannot hold it (bit 3)", snapshot: streamIncrementalNoFolder() },
  { name: "stream-incremental-as-1-0", checks: "a stream_incremental handle of whole files with a folder: the canonical form is 1.0's incremental handle, and the file is format 1.0", snapshot: streamIncrementalAsOneZero() },
  { name: "key-groups-stream", checks: "a key_groups_stream handle in handles and one in raw_keyed_handles with an inline stream (bits 1, 3)", snapshot: keyGroupsStream() },
  { name: "opaque-keyed-and-channel", checks: "an opaque keyed handle with exclusive and shared (segment) streams, and channel state given out of order (sorted by kind, then payload) (bits 2, 4)", snapshot: opaqueKeyedAndChannel() },
  { name: "master-and-coordinator-state", checks: "master states out of name order, one with version -1 (a 10-byte varint) and one with an empty payload; an inline coordinator state (bit 5)", snapshot: masterAndCoordinatorState() },
  { name: "finished-markers", checks: "a finished operator and a finished subtask (bit 7)", snapshot: finishedMarkers() },
  { name: "operator-max-parallelism", checks: "an operator with max parallelism 256 in a snapshot of 128 (bit 8), and one whose max parallelism equals the snapshot's (omitted)", snapshot: operatorMaxParallelism() },
  { name: "every-handle-variant", checks: "all five handle variants on one key-group range, given in reverse: sorted incremental, savepoint, stream_incremental, key_groups_stream, opaque (bits 3, 4)", snapshot: everyVariantInOneSubtask() },
];
