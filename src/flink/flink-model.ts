/**
 * A typed AST of an Apache Flink `_metadata` file, format versions V2 to V6, as `readFlinkMetadata` reads it
 * ([spec/flink.md](../../spec/flink.md): the mapping tables name every structure, tag and field).
 *
 * The AST is faithful: it keeps every field Flink writes, including those a KSNAP conversion does not keep (V2's
 * unused fields, handle tags, `stateHandleId`s, CheckpointProperties' retention flags), so that a converter decides
 * what to drop. 64-bit values are `bigint`; strings are decoded from Java's modified UTF-8; byte payloads are copies.
 * A Flink `null` handle is `null`; a field a version does not have is `undefined`.
 */

/** The `_metadata` format versions this reader knows. ([spec](../../spec/flink.md#file-header-and-snapshot)) */
export type FlinkMetadataVersion = 2 | 3 | 4 | 5 | 6;

/** A whole `_metadata` file. ([spec](../../spec/flink.md#file-header-and-snapshot)) */
export interface FlinkMetadata {
  version: FlinkMetadataVersion;
  /** The checkpoint's id; 0 for a savepoint written by the State Processor API. */
  checkpointId: bigint;
  masterStates: FlinkMasterState[];
  /** In Flink's order. */
  operators: FlinkOperatorState[];
  /**
   * V4+: the CheckpointProperties (Java serialization); `null` when Flink wrote a Java null. `undefined` in V2 and
   * V3, which do not have them.
   */
  properties?: FlinkCheckpointProperties | null;
}

/**
 * A master hook's state (framed by magic `0xc96b1696` and a length, not kept).
 * ([spec](../../spec/flink.md#master-state))
 */
export interface FlinkMasterState {
  /** The hook's serializer version. */
  version: number;
  /** The hook's identifier. */
  name: string;
  payload: Uint8Array;
}

/** One operator (Flink's `OperatorState`). ([spec](../../spec/flink.md#operator)) */
export interface FlinkOperatorState {
  /** V5+: the operator's name. */
  name?: string;
  /** V5+: the operator's uid as written; `""` means none. */
  uid?: string;
  /**
   * The 16-byte OperatorID as 32 lowercase hex digits: the lower part then the upper part, each big-endian, exactly
   * as Flink's `AbstractID.toString` prints it.
   */
  operatorId: string;
  parallelism: number;
  maxParallelism: number;
  /** V2 only: an i32 Flink writes and ignores. */
  unusedV2?: number;
  /** V3+: the coordinator's state (tag 1 or null; Flink refuses other tags). `undefined` in V2. */
  coordinatorState?: FlinkByteStreamHandle | null;
  /** V3+: true when Flink wrote the subtask count −1 (a fully finished operator: no subtasks follow). */
  finished: boolean;
  /** In Flink's order. */
  subtasks: FlinkSubtaskState[];
}

/** One subtask's state (Flink's `OperatorSubtaskState`). ([spec](../../spec/flink.md#subtask)) */
export interface FlinkSubtaskState {
  /** The subtask index (for a finished subtask, −(idx + 1) of the index written). */
  index: number;
  /** V3+: true when the index was written negative (a finished subtask); no handles follow then. */
  finished: boolean;
  /** V2 only: an i64 Flink writes and ignores. */
  unusedV2?: bigint;
  managedOperatorState: FlinkOperatorHandle | null;
  rawOperatorState: FlinkOperatorHandle | null;
  managedKeyedState: FlinkKeyedHandle | null;
  rawKeyedState: FlinkKeyedHandle | null;
  /** V3+ (empty in V2 and for finished subtasks). */
  inputChannelState: FlinkInputChannelHandle[];
  /** V3+ (empty in V2 and for finished subtasks). */
  outputChannelState: FlinkOutputChannelHandle[];
}

// ---------------------------------------------------------------------------------------------------------------
// Stream handles

/**
 * Tag 1, `ByteStreamStateHandle`: inline bytes. The name looks like a path but names no file.
 * ([spec](../../spec/flink.md#stream-handles-by-tag))
 */
export interface FlinkByteStreamHandle {
  kind: "byte-stream";
  tag: 1;
  name: string;
  data: Uint8Array;
}

/**
 * Tag 2, `FileStateHandle`: a file by absolute URI, as written (e.g. `file:/…/shared/…`).
 * ([spec](../../spec/flink.md#stream-handles-by-tag))
 */
export interface FlinkFileHandle {
  kind: "file";
  tag: 2;
  path: string;
  size: bigint;
}

/**
 * Tag 6, `RelativeFileStateHandle`: a file relative to the folder holding `_metadata`.
 * ([spec](../../spec/flink.md#stream-handles-by-tag))
 */
export interface FlinkRelativeFileHandle {
  kind: "relative-file";
  tag: 6;
  relativePath: string;
  size: bigint;
}

/**
 * Tag 15, `SegmentFileStateHandle` (file merging, Flink 1.20+): a byte range of a physical file.
 * **Unverified**: the field order follows ../shared/REFERENCE.md, not a Flink release (spec/flink.md "Sources").
 * ([spec](../../spec/flink.md#stream-handles-by-tag))
 */
export interface FlinkSegmentHandle {
  kind: "segment";
  tag: 15;
  startPos: bigint;
  size: bigint;
  /** 0 EXCLUSIVE, 1 SHARED (kept as written). */
  scope: number;
  physicalPath: string;
  logicalFileId: string;
}

/**
 * Tag 16, `EmptySegmentFileStateHandle`: no fields (**unverified**, as tag 15).
 * ([spec](../../spec/flink.md#stream-handles-by-tag))
 */
export interface FlinkEmptySegmentHandle {
  kind: "empty-segment";
  tag: 16;
}

/**
 * Tags 3, 7 and 12: key-group offsets into a delegate stream (3 may also stand where a stream is expected).
 * ([spec](../../spec/flink.md#keyed-handles-by-tag))
 */
export interface FlinkKeyGroupsHandle {
  kind: "key-groups";
  /** 3 `KeyGroupsStateHandle`, 7 `KeyGroupsSavepointStateHandle`, 12 `KeyGroupsStateHandle` with an id. */
  tag: 3 | 7 | 12;
  keyGroups: FlinkKeyGroupRange;
  /** One per key group of `keyGroups`, in order: where its data starts in `delegate`. */
  offsets: bigint[];
  delegate: FlinkStreamHandle | null;
  /** Tag 12 only. */
  stateHandleId?: string;
}

/**
 * A stream handle (Flink's `StreamStateHandle`), by tag; tag 0 is `null`.
 * ([spec](../../spec/flink.md#stream-handles-by-tag))
 */
export type FlinkStreamHandle =
  | FlinkByteStreamHandle
  | FlinkFileHandle
  | FlinkRelativeFileHandle
  | FlinkSegmentHandle
  | FlinkEmptySegmentHandle
  | FlinkKeyGroupsHandle;

/**
 * A key-group range as Flink writes it: the first key group and how many (0 = empty).
 * ([spec](../../spec/flink.md#keyed-handles-by-tag))
 */
export interface FlinkKeyGroupRange {
  start: number;
  count: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Keyed handles

/**
 * A file of an incremental handle: RocksDB's local file name (`000010.sst`, `MANIFEST-000005`) and its stream.
 * ([spec](../../spec/flink.md#keyed-handles-by-tag))
 */
export interface FlinkHandleAndLocalPath {
  localPath: string;
  handle: FlinkStreamHandle | null;
}

/**
 * Tags 5 and 11, `IncrementalRemoteKeyedStateHandle` (11 is its V2 with size and id).
 * ([spec](../../spec/flink.md#keyed-handles-by-tag))
 */
export interface FlinkIncrementalHandle {
  kind: "incremental";
  tag: 5 | 11;
  checkpointId: bigint;
  backendId: string;
  keyGroups: FlinkKeyGroupRange;
  /** Tag 11 only. */
  checkpointedSize?: bigint;
  metaStateHandle: FlinkStreamHandle | null;
  sharedState: FlinkHandleAndLocalPath[];
  privateState: FlinkHandleAndLocalPath[];
  /** Tag 11 only. */
  stateHandleId?: string;
}

/**
 * Tags 8 and 14, `ChangelogStateBackendHandle`: materialized keyed handles plus changelog deltas.
 * ([spec](../../spec/flink.md#keyed-handles-by-tag))
 */
export interface FlinkChangelogBackendHandle {
  kind: "changelog-backend";
  tag: 8 | 14;
  keyGroups: FlinkKeyGroupRange;
  checkpointedSize: bigint;
  materialized: (FlinkKeyedHandle | null)[];
  nonMaterialized: (FlinkKeyedHandle | null)[];
  materializationId: bigint;
  /** Tag 14 only. */
  checkpointId?: bigint;
  stateHandleId: string;
}

/** One change of an in-memory changelog handle. ([spec](../../spec/flink.md#keyed-handles-by-tag)) */
export interface FlinkChangelogChange {
  keyGroup: number;
  data: Uint8Array;
}

/** Tag 9, `InMemoryChangelogStateHandle`: changes held inline. ([spec](../../spec/flink.md#keyed-handles-by-tag)) */
export interface FlinkInMemoryChangelogHandle {
  kind: "in-memory-changelog";
  tag: 9;
  keyGroups: FlinkKeyGroupRange;
  from: bigint;
  to: bigint;
  changes: FlinkChangelogChange[];
  stateHandleId: string;
}

/**
 * A stream of a changelog file handle and where this handle's changes start in it.
 * ([spec](../../spec/flink.md#keyed-handles-by-tag))
 */
export interface FlinkChangelogStreamPart {
  offset: bigint;
  handle: FlinkStreamHandle | null;
}

/**
 * Tags 10 and 13, `ChangelogStateHandleStreamImpl`: changes in (shared) changelog files.
 * ([spec](../../spec/flink.md#keyed-handles-by-tag))
 */
export interface FlinkChangelogStreamHandle {
  kind: "changelog-stream";
  tag: 10 | 13;
  keyGroups: FlinkKeyGroupRange;
  handlesAndOffsets: FlinkChangelogStreamPart[];
  size: bigint;
  checkpointedSize: bigint;
  stateHandleId: string;
  /** Tag 13 only. */
  storageIdentifier?: string;
}

/**
 * A keyed state handle (Flink's `KeyedStateHandle`), by tag; tag 0 is `null`.
 * ([spec](../../spec/flink.md#keyed-handles-by-tag))
 */
export type FlinkKeyedHandle =
  | FlinkKeyGroupsHandle
  | FlinkIncrementalHandle
  | FlinkChangelogBackendHandle
  | FlinkInMemoryChangelogHandle
  | FlinkChangelogStreamHandle;

// ---------------------------------------------------------------------------------------------------------------
// Operator handles

/**
 * How Flink redistributes a named operator state on rescaling (the byte is the enum's ordinal).
 * ([spec](../../spec/flink.md#operator-handles))
 */
export type FlinkDistributionMode = "SPLIT_DISTRIBUTE" | "UNION" | "BROADCAST";

/** One named operator state of an operator handle. ([spec](../../spec/flink.md#operator-handles)) */
export interface FlinkNamedOperatorState {
  name: string;
  mode: FlinkDistributionMode;
  /** Where each partition (list element) starts in the delegate stream. */
  offsets: bigint[];
}

/**
 * Tags 4 (`OperatorStreamStateHandle`) and 17 (`FileMergingOperatorStreamStateHandle`, **unverified** field order:
 * spec/flink.md "Sources"). ([spec](../../spec/flink.md#operator-handles))
 */
export interface FlinkOperatorHandle {
  kind: "operator-stream";
  tag: 4 | 17;
  /** In Flink's (HashMap) order. */
  states: FlinkNamedOperatorState[];
  /** Tag 17 only. */
  taskOwnedDirectory?: string;
  /** Tag 17 only. */
  sharedDirectory?: string;
  /** Tag 17 only: true for `EmptyFileMergingOperatorStreamStateHandle`. */
  isEmpty?: boolean;
  delegate: FlinkStreamHandle | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Channel handles (unaligned checkpoints, V3+)

/**
 * An `InputChannelStateHandle` (V6 type byte 1; no type byte in V3–V5). ([spec](../../spec/flink.md#channel-handles))
 */
export interface FlinkInputChannelStateHandle {
  kind: "input-channel";
  /** V6 only. */
  typeByte?: 1;
  subtaskIndex: number;
  gateIndex: number;
  inputChannelIndex: number;
  offsets: bigint[];
  size: bigint;
  delegate: FlinkStreamHandle | null;
}

/**
 * A `ResultSubpartitionStateHandle` (V6 type byte 2; no type byte in V3–V5).
 * ([spec](../../spec/flink.md#channel-handles))
 */
export interface FlinkResultSubpartitionStateHandle {
  kind: "result-subpartition";
  /** V6 only. */
  typeByte?: 2;
  subtaskIndex: number;
  partitionIndex: number;
  subpartitionIndex: number;
  offsets: bigint[];
  size: bigint;
  delegate: FlinkStreamHandle | null;
}

/**
 * V6 type bytes 3 (`MergedInputChannelStateHandle`) and 4 (`MergedResultSubpartitionStateHandle`).
 * ([spec](../../spec/flink.md#channel-handles))
 */
export interface FlinkMergedChannelStateHandle {
  kind: "merged-input-channel" | "merged-result-subpartition";
  typeByte: 3 | 4;
  subtaskIndex: number;
  size: bigint;
  delegate: FlinkStreamHandle | null;
  /** Flink's own serialization of the merged channels' infos and offsets, kept verbatim. */
  serializedChannelOffsets: Uint8Array;
}

/** An input channel handle. ([spec](../../spec/flink.md#channel-handles)) */
export type FlinkInputChannelHandle = FlinkInputChannelStateHandle | FlinkMergedChannelStateHandle;
/** An output (result subpartition) channel handle. ([spec](../../spec/flink.md#channel-handles)) */
export type FlinkOutputChannelHandle = FlinkResultSubpartitionStateHandle | FlinkMergedChannelStateHandle;

// ---------------------------------------------------------------------------------------------------------------
// CheckpointProperties (V4+), decoded from Java serialization

/** `SnapshotType.SharingFilesStrategy`. ([spec](../../spec/flink.md#checkpointproperties)) */
export type FlinkSharingFilesStrategy = "FORWARD_BACKWARD" | "FORWARD" | "NO_SHARING";
/** `SavepointFormatType`. ([spec](../../spec/flink.md#checkpointproperties)) */
export type FlinkSavepointFormatType = "CANONICAL" | "NATIVE";
/** `SavepointType.PostCheckpointAction`. ([spec](../../spec/flink.md#checkpointproperties)) */
export type FlinkPostCheckpointAction = "NONE" | "SUSPEND" | "TERMINATE";

/**
 * `CheckpointType`: a checkpoint ("Checkpoint", "Full Checkpoint", …).
 * ([spec](../../spec/flink.md#checkpointproperties))
 */
export interface FlinkCheckpointType {
  kind: "checkpoint";
  name: string;
  sharingFilesStrategy: FlinkSharingFilesStrategy;
}

/**
 * `SavepointType`: a savepoint ("Savepoint", "Suspend Savepoint", "Terminate Savepoint").
 * ([spec](../../spec/flink.md#checkpointproperties))
 */
export interface FlinkSavepointType {
  kind: "savepoint";
  name: string;
  formatType: FlinkSavepointFormatType;
  postCheckpointAction: FlinkPostCheckpointAction;
}

/** Flink's `CheckpointProperties`. ([spec](../../spec/flink.md#checkpointproperties)) */
export interface FlinkCheckpointProperties {
  discardCancelled: boolean;
  discardFailed: boolean;
  discardFinished: boolean;
  discardSubsumed: boolean;
  discardSuspended: boolean;
  forced: boolean;
  unclaimed: boolean;
  checkpointType: FlinkCheckpointType | FlinkSavepointType;
}
