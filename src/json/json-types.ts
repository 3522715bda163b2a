/**
 * The JSON form's types ([spec](../../spec/format-v1.md#json-form)), as
 * `inspect --json` prints them: every 64-bit value a decimal string, hashes hex,
 * bytes base64. Members marked optional are 1.1's: printed only when set, so a
 * 1.0 file prints exactly as a 1.0 reader prints it.
 */
import type { DistributionMode, FileOwnership, FileSharing, KeyGroupRange, SegmentScope, SnapshotKind } from "../model.js";

export interface FileRefJson { id: string; path: string; size: string; xxh64: string; localName?: string }
export interface SharedFileRefJson extends FileRefJson { originCheckpointId: string }
export interface IncrementalHandleJson {
  type: "incremental"; backendId: string; keyGroups: KeyGroupRange; folder: string; checkpointId: string;
  baseCheckpointId: string; sharedFiles: SharedFileRefJson[]; privateFiles: FileRefJson[]; metaFile: FileRefJson;
  stateSize: string; checkpointedSize: string;
}
export interface SavepointHandleJson { type: "savepoint"; keyGroups: KeyGroupRange; dataFile: FileRefJson; offsets: string[] }

/** 1.1 streams: flat objects tagged by `type`. */
export interface FileStreamJson extends FileRefJson { type: "file" }
export interface SegmentStreamJson {
  type: "segment"; id: string; path: string; offset: string; length: string; scope: SegmentScope; xxh64: string;
  logicalId?: string; localName?: string;
}
export interface InlineStreamJson { type: "inline"; data: string; name?: string; localName?: string }
export interface ExternalStreamJson { type: "external"; uri: string; size: string; xxh64: string; localName?: string }
export type StreamJson = FileStreamJson | SegmentStreamJson | InlineStreamJson | ExternalStreamJson;
export type SharedStreamJson = StreamJson & { originCheckpointId: string };

export interface StreamIncrementalHandleJson {
  type: "stream-incremental"; backendId: string; keyGroups: KeyGroupRange; folder: string; checkpointId: string;
  baseCheckpointId: string; sharedFiles: SharedStreamJson[]; privateFiles: StreamJson[]; meta: StreamJson;
  stateSize: string; checkpointedSize: string;
}
export interface KeyGroupsStreamHandleJson {
  type: "key-groups-stream"; keyGroups: KeyGroupRange; data: StreamJson; offsets: string[]; dataFormat: string;
}
export interface OpaqueHandleJson {
  type: "opaque"; kind: string; keyGroups?: KeyGroupRange; files: StreamJson[]; sharedFiles: SharedStreamJson[]; payload: string;
}
export type HandleJson = IncrementalHandleJson | SavepointHandleJson | StreamIncrementalHandleJson | KeyGroupsStreamHandleJson | OpaqueHandleJson;

export interface NamedOperatorStateJson { name: string; mode: DistributionMode; offsets: string[] }
export interface OperatorStateHandleJson { stream: StreamJson; states: NamedOperatorStateJson[] }
export interface MasterStateJson { name: string; version: number; payload: string }
export interface SourceJson { system: string; formatVersion: number; checkpointId: string }

export interface SubtaskJson {
  subtaskIndex: number; handles: HandleJson[];
  managedOperatorState?: OperatorStateHandleJson; rawOperatorState?: OperatorStateHandleJson;
  rawKeyedHandles?: HandleJson[]; channelState?: OpaqueHandleJson[]; finished?: boolean;
}
export interface OperatorJson {
  operatorId: string; name: string; parallelism: number; subtasks: SubtaskJson[];
  maxParallelism?: number; uid?: string; coordinatorState?: StreamJson; finished?: boolean;
}
/** The whole document. */
export interface SnapshotJson {
  formatVersion: string; snapshotId: string; kind: SnapshotKind;
  properties: { incremental: boolean; keyGroupAware: boolean; sharing: FileSharing; ownership: FileOwnership };
  maxParallelism: number; snapshotDir: string; jobId: string; timestampMillis: string; operators: OperatorJson[];
  masterStates?: MasterStateJson[]; source?: SourceJson;
}
