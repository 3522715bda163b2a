/**
 * The JSON form's types ([spec](../../spec/format-v1.md#json-form)), as
 * `inspect --json` prints them: every 64-bit value a decimal string, hashes hex.
 */
import type { FileOwnership, FileSharing, KeyGroupRange, SnapshotKind } from "../model.js";

export interface FileRefJson { id: string; path: string; size: string; xxh64: string }
export interface SharedFileRefJson extends FileRefJson { originCheckpointId: string }
export interface IncrementalHandleJson {
  type: "incremental"; backendId: string; keyGroups: KeyGroupRange; folder: string; checkpointId: string;
  baseCheckpointId: string; sharedFiles: SharedFileRefJson[]; privateFiles: FileRefJson[]; metaFile: FileRefJson;
  stateSize: string; checkpointedSize: string;
}
export interface SavepointHandleJson { type: "savepoint"; keyGroups: KeyGroupRange; dataFile: FileRefJson; offsets: string[] }
export type HandleJson = IncrementalHandleJson | SavepointHandleJson;
export interface SubtaskJson { subtaskIndex: number; handles: HandleJson[] }
export interface OperatorJson { operatorId: string; name: string; parallelism: number; subtasks: SubtaskJson[] }
/** The whole document. */
export interface SnapshotJson {
  formatVersion: string; snapshotId: string; kind: SnapshotKind;
  properties: { incremental: boolean; keyGroupAware: boolean; sharing: FileSharing; ownership: FileOwnership };
  maxParallelism: number; snapshotDir: string; jobId: string; timestampMillis: string; operators: OperatorJson[];
}
