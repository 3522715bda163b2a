/**
 * The hand-written model of a KSNAP snapshot ([spec](../spec/format-v1.md#messages)).
 * 64-bit quantities (ids, sizes, offsets, hashes) are `bigint` so that no value
 * above 2^53 loses precision.
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

/** Either handle kind. */
export type KeyedStateHandle = IncrementalHandle | SavepointHandle;

/** The handles of one subtask. */
export interface SubtaskState {
  subtaskIndex: number;
  handles: KeyedStateHandle[];
}

/** One operator's keyed state. */
export interface OperatorState {
  operatorId: string;
  /** "" when not recorded. */
  name: string;
  parallelism: number;
  subtasks: SubtaskState[];
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
}

/** The format version a file declares. */
export interface FormatVersion {
  major: number;
  minor: number;
}
