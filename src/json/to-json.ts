/**
 * Model → JSON form ([spec](../../spec/format-v1.md#json-form)). Prints every
 * 1.0 field, defaults included, so the output shows all a file says; 1.1 fields
 * appear only when set, so a 1.0 file prints exactly as a 1.0 reader prints it.
 */
import { formatVersionOf } from "../body/features.js";
import type {
  FormatVersion, KeyedStateHandle, KeyGroupRange, MasterState, OpaqueHandle, OperatorState, OperatorStateHandle,
  SavepointHandle, SharedFileRef, Snapshot, SubtaskState,
} from "../model.js";
import { bytesToBase64 } from "./base64.js";
import type {
  HandleJson, MasterStateJson, OpaqueHandleJson, OperatorJson, OperatorStateHandleJson, SavepointHandleJson,
  SharedFileRefJson, SnapshotJson, SubtaskJson,
} from "./json-types.js";
import { fileToJson, sharedStreamToJson, streamToJson } from "./streams-to-json.js";

export { fileToJson } from "./streams-to-json.js";

/**
 * The JSON form of `snapshot`, as read from a file of `version` (by default the version it is written as: 1.0
 * unless it uses something of 1.1).
 */
export function snapshotToJson(snapshot: Snapshot, version: FormatVersion = formatVersionOf(snapshot)): SnapshotJson {
  const s = snapshot;
  const j: SnapshotJson = {
    formatVersion: `${version.major}.${version.minor}`,
    snapshotId: String(s.snapshotId),
    kind: s.kind,
    properties: { ...s.properties },
    maxParallelism: s.maxParallelism,
    snapshotDir: s.snapshotDir,
    jobId: s.jobId,
    timestampMillis: String(s.timestampMillis),
    operators: s.operators.map(operatorToJson),
  };
  if (s.masterStates !== undefined && s.masterStates.length > 0) j.masterStates = s.masterStates.map(masterStateToJson);
  if (s.source !== undefined) {
    j.source = { system: s.source.system, formatVersion: s.source.formatVersion, checkpointId: String(s.source.checkpointId) };
  }
  return j;
}

function operatorToJson(op: OperatorState): OperatorJson {
  const j: OperatorJson = { operatorId: op.operatorId, name: op.name, parallelism: op.parallelism, subtasks: op.subtasks.map(subtaskToJson) };
  if (op.maxParallelism !== undefined && op.maxParallelism !== 0) j.maxParallelism = op.maxParallelism;
  if (op.uid !== undefined && op.uid !== "") j.uid = op.uid;
  if (op.coordinatorState !== undefined) j.coordinatorState = streamToJson(op.coordinatorState);
  if (op.finished === true) j.finished = true;
  return j;
}

function subtaskToJson(st: SubtaskState): SubtaskJson {
  const j: SubtaskJson = { subtaskIndex: st.subtaskIndex, handles: st.handles.map(handleToJson) };
  if (st.managedOperatorState !== undefined) j.managedOperatorState = operatorStateToJson(st.managedOperatorState);
  if (st.rawOperatorState !== undefined) j.rawOperatorState = operatorStateToJson(st.rawOperatorState);
  if (st.rawKeyedHandles !== undefined && st.rawKeyedHandles.length > 0) j.rawKeyedHandles = st.rawKeyedHandles.map(handleToJson);
  if (st.channelState !== undefined && st.channelState.length > 0) j.channelState = st.channelState.map(opaqueToJson);
  if (st.finished === true) j.finished = true;
  return j;
}

function handleToJson(h: KeyedStateHandle): HandleJson {
  switch (h.type) {
    case "savepoint": return savepointHandleToJson(h);
    case "incremental": return {
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
    case "stream-incremental": return {
      type: "stream-incremental",
      backendId: h.backendId,
      keyGroups: rangeToJson(h.keyGroups),
      folder: h.folder,
      checkpointId: String(h.checkpointId),
      baseCheckpointId: String(h.baseCheckpointId),
      sharedFiles: h.sharedFiles.map(sharedStreamToJson),
      privateFiles: h.privateFiles.map(streamToJson),
      meta: streamToJson(h.meta),
      stateSize: String(h.stateSize),
      checkpointedSize: String(h.checkpointedSize),
    };
    case "key-groups-stream": return {
      type: "key-groups-stream", keyGroups: rangeToJson(h.keyGroups), data: streamToJson(h.data),
      offsets: h.offsets.map(String), dataFormat: h.dataFormat,
    };
    case "opaque": return opaqueToJson(h);
  }
}

/** An opaque handle; `keyGroups` only when it has them (a keyed handle does, channel state does not). */
function opaqueToJson(h: OpaqueHandle): OpaqueHandleJson {
  return {
    type: "opaque", kind: h.kind, ...(h.keyGroups === undefined ? {} : { keyGroups: rangeToJson(h.keyGroups) }),
    files: h.files.map(streamToJson), sharedFiles: h.sharedFiles.map(sharedStreamToJson), payload: bytesToBase64(h.payload),
  };
}

function operatorStateToJson(h: OperatorStateHandle): OperatorStateHandleJson {
  return {
    stream: streamToJson(h.stream),
    states: h.states.map((s) => ({ name: s.name, mode: s.mode, offsets: s.offsets.map(String) })),
  };
}

function masterStateToJson(m: MasterState): MasterStateJson {
  return { name: m.name, version: m.version, payload: bytesToBase64(m.payload) };
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

function sharedToJson(f: SharedFileRef): SharedFileRefJson {
  return { ...fileToJson(f), originCheckpointId: String(f.originCheckpointId) };
}

/** The JSON form as text: two-space indented, one trailing newline (the vectors' .json files). */
export function snapshotToJsonText(snapshot: Snapshot, version?: FormatVersion): string {
  return JSON.stringify(snapshotToJson(snapshot, version), null, 2) + "\n";
}
