/**
 * The hand-written model of a KSNAP snapshot ([spec](../spec/format-v1.md#messages)).
 * 64-bit quantities (ids, sizes, offsets, hashes) are `bigint` so that no value
 * above 2^53 loses precision. Fields added in format 1.1 are optional properties:
 * absent means the proto3 default, so every 1.0 snapshot is also a 1.1 model value
 * and a snapshot that uses nothing of 1.1 is written as a 1.0 file.
 */

/** Checkpoint (system-owned, frequent) or savepoint (user-owned, self-contained). */
export type SnapshotKind = "checkpoint" | "savepoint";
/** How a snapshot's files may be shared with other snapshots. */
export type FileSharing = "none" | "forward" | "forward-backward";
/** Who deletes a snapshot's files. */
export type FileOwnership = "system" | "user";

/** Snapshot-wide properties ([spec](../spec/format-v1.md#snapshotproperties)). */
export interface SnapshotProperties {
  incremental: boolean;
  keyGroupAware: boolean;
  sharing: FileSharing;
  ownership: FileOwnership;
}

/** Key groups `[start, start + count)`. */
export interface KeyGroupRange {
  start: number;
  count: number;
}

/** A file a handle refers to ([spec](../spec/format-v1.md#fileref)). */
export interface FileRef {
  /** Stable id, unique within the snapshot root. */
  id: string;
  /** Relative to the snapshot root, '/'-separated. */
  path: string;
  size: bigint;
  /** XXH64 (seed 0) of the whole file. */
  xxh64: bigint;
  /**
   * 1.1, ignorable: the file's name in the backend's working folder when it restores
   * ([spec](../spec/format-v1.md#local-names)). Absent or "" when not recorded.
   */
  localName?: string;
}

/** A file shared across checkpoints, with the checkpoint that uploaded it. */
export interface SharedFileRef extends FileRef {
  originCheckpointId: bigint;
}

/** One subtask's incremental checkpoint state ([spec](../spec/format-v1.md#incrementalhandle)). */
export interface IncrementalHandle {
  type: "incremental";
  backendId: string;
  keyGroups: KeyGroupRange;
  folder: string;
  checkpointId: bigint;
  /** The checkpoint this one builds on; 0n when none. */
  baseCheckpointId: bigint;
  sharedFiles: SharedFileRef[];
  privateFiles: FileRef[];
  metaFile: FileRef;
  stateSize: bigint;
  checkpointedSize: bigint;
}

/** One subtask's key-group-aware state ([spec](../spec/format-v1.md#savepointhandle)). */
export interface SavepointHandle {
  type: "savepoint";
  keyGroups: KeyGroupRange;
  dataFile: FileRef;
  /** One offset per key group, in key-group order. */
  offsets: bigint[];
}

/** Scope a segment's physical file was written for ([spec](../spec/format-v1.md#segmentref)). */
export type SegmentScope = "exclusive" | "shared";

/** 1.1: a whole file under the root, as a stream; `localName` is the stream's local name. */
export interface FileStream extends FileRef {
  type: "file";
}

/** 1.1 (feature bit 2): a byte range of a physical file ([spec](../spec/format-v1.md#segmentref)). */
export interface SegmentStream {
  type: "segment";
  /** Id of the physical file; every segment of one physical file has the same id and path. */
  id: string;
  path: string;
  offset: bigint;
  length: bigint;
  scope: SegmentScope;
  /** XXH64 of the segment's bytes; 0n when not recorded. */
  xxh64: bigint;
  /** Ignorable: the writer's name for the logical file. */
  logicalId?: string;
  localName?: string;
}

/** 1.1: state bytes held in the metadata file itself, at most 1 MiB. */
export interface InlineStream {
  type: "inline";
  data: Uint8Array;
  /** Ignorable: the writer's name for the stream; names no file. */
  name?: string;
  localName?: string;
}

/** 1.1 (feature bit 6): a file outside the root, by absolute URI; never resolved or deleted. */
export interface ExternalStream {
  type: "external";
  uri: string;
  size: bigint;
  xxh64: bigint;
  localName?: string;
}

/** 1.1: where a stream of state bytes is ([spec](../spec/format-v1.md#streamref)). */
export type StreamRef = FileStream | SegmentStream | InlineStream | ExternalStream;

/** 1.1: a stream shared across checkpoints, with the checkpoint that uploaded it. */
export type SharedStreamRef = StreamRef & { originCheckpointId: bigint };

/**
 * 1.1 (feature bit 3): an incremental handle whose parts are streams
 * ([spec](../spec/format-v1.md#streamincrementalhandle)). Written only when the 1.0
 * form cannot hold the handle.
 */
export interface StreamIncrementalHandle {
  type: "stream-incremental";
  backendId: string;
  keyGroups: KeyGroupRange;
  /** "" when none. */
  folder: string;
  checkpointId: bigint;
  baseCheckpointId: bigint;
  sharedFiles: SharedStreamRef[];
  privateFiles: StreamRef[];
  meta: StreamRef;
  stateSize: bigint;
  checkpointedSize: bigint;
}

/** 1.1 (feature bit 3): key-group-aware state in a named foreign format ([spec](../spec/format-v1.md#keygroupsstreamhandle)). */
export interface KeyGroupsStreamHandle {
  type: "key-groups-stream";
  keyGroups: KeyGroupRange;
  data: StreamRef;
  /** One offset per key group, in key-group order. */
  offsets: bigint[];
  /** e.g. "apache-flink/key-groups". */
  dataFormat: string;
}

/** 1.1 (feature bit 4): state ksnap does not model, kept for its files ([spec](../spec/format-v1.md#opaquehandle)). */
export interface OpaqueHandle {
  type: "opaque";
  /** Chosen by the writer, e.g. "apache-flink/changelog". */
  kind: string;
  /** Required for a keyed handle; absent in `channelState`. */
  keyGroups?: KeyGroupRange;
  /** Streams exclusive to this snapshot. */
  files: StreamRef[];
  /** Streams shared across checkpoints. */
  sharedFiles: SharedStreamRef[];
  /** The handle as its system serialized it. */
  payload: Uint8Array;
}

/** Any keyed handle kind. */
export type KeyedStateHandle = IncrementalHandle | SavepointHandle | StreamIncrementalHandle | KeyGroupsStreamHandle | OpaqueHandle;

/** How an operator state's partitions are handed out when the parallelism changes. */
export type DistributionMode = "split-distribute" | "union" | "broadcast";

/** 1.1: one named operator state: where each of its partitions starts in the stream. */
export interface NamedOperatorState {
  name: string;
  mode: DistributionMode;
  offsets: bigint[];
}

/** 1.1 (feature bit 0): one subtask's non-keyed state ([spec](../spec/format-v1.md#operatorstatehandle)). */
export interface OperatorStateHandle {
  stream: StreamRef;
  /** Sorted by name; names unique. */
  states: NamedOperatorState[];
}

/** The state of one subtask. */
export interface SubtaskState {
  subtaskIndex: number;
  handles: KeyedStateHandle[];
  /** 1.1 (bit 0): state the backend restores. */
  managedOperatorState?: OperatorStateHandle;
  /** 1.1 (bit 0): state user code restores. */
  rawOperatorState?: OperatorStateHandle;
  /** 1.1 (bit 1): keyed state user code restores. */
  rawKeyedHandles?: KeyedStateHandle[];
  /** 1.1 (bit 4): in-flight channel data, as opaque handles without key groups. */
  channelState?: OpaqueHandle[];
  /** 1.1 (bit 7): the subtask had finished and has no state. */
  finished?: boolean;
}

/** One operator's state. */
export interface OperatorState {
  operatorId: string;
  /** "" when not recorded. */
  name: string;
  parallelism: number;
  subtasks: SubtaskState[];
  /** 1.1 (bit 8 when it differs): the operator's own number of key groups; absent or 0 = the snapshot's. */
  maxParallelism?: number;
  /** 1.1, ignorable: the uid the operator id was derived from. */
  uid?: string;
  /** 1.1 (bit 5): the operator coordinator's state. */
  coordinatorState?: StreamRef;
  /** 1.1 (bit 7): the operator had finished; no subtasks, no coordinator state. */
  finished?: boolean;
}

/** 1.1 (bit 5): job-level state of one coordinator hook. */
export interface MasterState {
  name: string;
  /** The hook's serializer version (signed 32-bit). */
  version: number;
  payload: Uint8Array;
}

/** 1.1, ignorable: the system and snapshot this file was converted from. */
export interface SourceInfo {
  /** e.g. "apache-flink". */
  system: string;
  /** The source's metadata format version (Flink: 2..6). */
  formatVersion: number;
  /** The snapshot id as the source wrote it; may be 0. */
  checkpointId: bigint;
}

/** A decoded or to-be-encoded snapshot ([spec](../spec/format-v1.md#snapshot)). */
export interface Snapshot {
  snapshotId: bigint;
  kind: SnapshotKind;
  properties: SnapshotProperties;
  maxParallelism: number;
  operators: OperatorState[];
  /** Folder of the metadata file relative to the snapshot root; "" when it is the root. */
  snapshotDir: string;
  /** "" when not recorded. */
  jobId: string;
  /** 0n when not recorded. */
  timestampMillis: bigint;
  /** 1.1 (bit 5): sorted by name. */
  masterStates?: MasterState[];
  /** 1.1, ignorable. */
  source?: SourceInfo;
}

/** The format version a file declares. */
export interface FormatVersion {
  major: number;
  minor: number;
}
