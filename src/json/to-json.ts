/**
 * Model → JSON form ([spec](../../spec/format-v1.md#json-form)). Prints every
 * field, defaults included, so the output shows all a file says.
 */
import { hashToHex } from "../hash/xxh64.js";
import type { FileRef, FormatVersion, KeyedStateHandle, KeyGroupRange, SavepointHandle, SharedFileRef, Snapshot } from "../model.js";
import type { FileRefJson, HandleJson, SavepointHandleJson, SharedFileRefJson, SnapshotJson } from "./json-types.js";

/** The JSON form of `snapshot`, as read from a file of `version` (default 1.0). */
export function snapshotToJson(snapshot: Snapshot, version: FormatVersion = { major: 1, minor: 0 }): SnapshotJson {
  const s = snapshot;
  return {
    formatVersion: `${version.major}.${version.minor}`,
    snapshotId: String(s.snapshotId),
    kind: s.kind,
    properties: { ...s.properties },
    maxParallelism: s.maxParallelism,
    snapshotDir: s.snapshotDir,
    jobId: s.jobId,
    timestampMillis: String(s.timestampMillis),
    operators: s.operators.map((op) => ({
      operatorId: op.operatorId,
      name: op.name,
      parallelism: op.parallelism,
      subtasks: op.subtasks.map((st) => ({ subtaskIndex: st.subtaskIndex, handles: st.handles.map(handleToJson) })),
    })),
  };
}

function handleToJson(h: KeyedStateHandle): HandleJson {
  if (h.type === "savepoint") return savepointHandleToJson(h);
  return {
    type: "incremental",
    backendId: h.backendId,
    keyGroups: rangeToJson(h.keyGroups),
    folder: h.folder,
    checkpointId: String(h.checkpointId),
    baseCheckpointId: String(h.baseCheckpointId),
    sharedFiles: h.sharedFiles.map(sharedToJson),
    privateFiles: h.privateFiles.map(fileToJson),
    metaFile: fileToJson(h.metaFile),
    stateSize: String(h.stateSize),
    checkpointedSize: String(h.checkpointedSize),
  };
}

/**
 * A savepoint handle in the snapshot's JSON form ([spec](../../spec/format-v1.md#json-form)):
 * also how a savepoint data file's handle is written beside it (the vectors' `.handle.json`).
 */
export function savepointHandleToJson(h: SavepointHandle): SavepointHandleJson {
  return { type: "savepoint", keyGroups: rangeToJson(h.keyGroups), dataFile: fileToJson(h.dataFile), offsets: h.offsets.map(String) };
}

/** Start and count only, in that order, whatever else the object holds: the printed form is fixed. */
function rangeToJson(kg: KeyGroupRange): KeyGroupRange {
  return { start: kg.start, count: kg.count };
}

/**
 * A file ref in the snapshot's JSON form ([spec](../../spec/format-v1.md#json-form)),
 * which diffs and restore plans print their files in too
 * ([spec](../../spec/diff-and-restore.md#restore-plan-json)).
 */
export function fileToJson(f: FileRef): FileRefJson {
  return { id: f.id, path: f.path, size: String(f.size), xxh64: hashToHex(f.xxh64) };
}

function sharedToJson(f: SharedFileRef): SharedFileRefJson {
  return { ...fileToJson(f), originCheckpointId: String(f.originCheckpointId) };
}

/** The JSON form as text: two-space indented, one trailing newline (the vectors' .json files). */
export function snapshotToJsonText(snapshot: Snapshot, version?: FormatVersion): string {
  return JSON.stringify(snapshotToJson(snapshot, version), null, 2) + "\n";
}
