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
import { hashToHex } from "../hash/xxh64.js";
import { bytesToBase64 } from "./base64.js";
import { jsonTextLineChunks, mappedList } from "./json-text-chunks.js";
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
  return buildJson(snapshot, version, eagerList);
}

/**
 * How lists become JSON: at once ({@link eagerList}, a plain array), or item by item while written
 * ({@link mappedList}, for {@link snapshotToJsonChunks}). One converter, so both print the same.
 */
type ListOf = <A, B>(source: readonly A[], convert: (a: A) => B) => B[];

const eagerList: ListOf = (source, convert) => source.map((a) => convert(a));

function buildJson(s: Snapshot, version: FormatVersion, list: ListOf): SnapshotJson {
  const j: SnapshotJson = {
    formatVersion: `${version.major}.${version.minor}`,
    snapshotId: String(s.snapshotId),
    kind: s.kind,
    properties: { ...s.properties },
    maxParallelism: s.maxParallelism,
    snapshotDir: s.snapshotDir,
    jobId: s.jobId,
    timestampMillis: String(s.timestampMillis),
    operators: list(s.operators, (op) => operatorToJson(op, list)),
  };
  if (s.masterStates !== undefined && s.masterStates.length > 0) j.masterStates = list(s.masterStates, masterStateToJson);
  if (s.source !== undefined) {
    j.source = { system: s.source.system, formatVersion: s.source.formatVersion, checkpointId: String(s.source.checkpointId) };
  }
  return j;
}

function operatorToJson(op: OperatorState, list: ListOf): OperatorJson {
  const j: OperatorJson = { operatorId: op.operatorId, name: op.name, parallelism: op.parallelism, subtasks: list(op.subtasks, (st) => subtaskToJson(st, list)) };
  if (op.maxParallelism !== undefined && op.maxParallelism !== 0) j.maxParallelism = op.maxParallelism;
  if (op.uid !== undefined && op.uid !== "") j.uid = op.uid;
  if (op.coordinatorState !== undefined) j.coordinatorState = streamToJson(op.coordinatorState);
  if (op.finished === true) j.finished = true;
  return j;
}

function subtaskToJson(st: SubtaskState, list: ListOf): SubtaskJson {
  const j: SubtaskJson = { subtaskIndex: st.subtaskIndex, handles: list(st.handles, (h) => handleToJson(h, list)) };
  if (st.managedOperatorState !== undefined) j.managedOperatorState = operatorStateToJson(st.managedOperatorState, list);
  if (st.rawOperatorState !== undefined) j.rawOperatorState = operatorStateToJson(st.rawOperatorState, list);
  if (st.rawKeyedHandles !== undefined && st.rawKeyedHandles.length > 0) j.rawKeyedHandles = list(st.rawKeyedHandles, (h) => handleToJson(h, list));
  if (st.channelState !== undefined && st.channelState.length > 0) j.channelState = list(st.channelState, (h) => opaqueToJson(h, list));
  if (st.finished === true) j.finished = true;
  return j;
}

function handleToJson(h: KeyedStateHandle, list: ListOf): HandleJson {
  switch (h.type) {
    case "savepoint": return savepointHandleJson(h, list);
    case "incremental": return {
      type: "incremental",
      backendId: h.backendId,
      keyGroups: rangeToJson(h.keyGroups),
      folder: h.folder,
      checkpointId: String(h.checkpointId),
      baseCheckpointId: String(h.baseCheckpointId),
      sharedFiles: list(h.sharedFiles, sharedToJson),
      privateFiles: list(h.privateFiles, fileToJson),
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
      sharedFiles: list(h.sharedFiles, sharedStreamToJson),
      privateFiles: list(h.privateFiles, streamToJson),
      meta: streamToJson(h.meta),
      stateSize: String(h.stateSize),
      checkpointedSize: String(h.checkpointedSize),
    };
    case "key-groups-stream": return {
      type: "key-groups-stream", keyGroups: rangeToJson(h.keyGroups), data: streamToJson(h.data),
      offsets: list(h.offsets, String), dataFormat: h.dataFormat,
    };
    case "opaque": return opaqueToJson(h, list);
  }
}

/** An opaque handle; `keyGroups` only when it has them (a keyed handle does, channel state does not). */
function opaqueToJson(h: OpaqueHandle, list: ListOf): OpaqueHandleJson {
  return {
    type: "opaque", kind: h.kind, ...(h.keyGroups === undefined ? {} : { keyGroups: rangeToJson(h.keyGroups) }),
    files: list(h.files, streamToJson), sharedFiles: list(h.sharedFiles, sharedStreamToJson), payload: bytesToBase64(h.payload),
  };
}

function operatorStateToJson(h: OperatorStateHandle, list: ListOf): OperatorStateHandleJson {
  return {
    stream: streamToJson(h.stream),
    states: list(h.states, (s) => ({ name: s.name, mode: s.mode, offsets: list(s.offsets, String) })),
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
  return savepointHandleJson(h, eagerList);
}

function savepointHandleJson(h: SavepointHandle, list: ListOf): SavepointHandleJson {
  return { type: "savepoint", keyGroups: rangeToJson(h.keyGroups), dataFile: fileToJson(h.dataFile), offsets: list(h.offsets, String) };
}

/** Start and count only, in that order, whatever else the object holds: the printed form is fixed. */
function rangeToJson(kg: KeyGroupRange): KeyGroupRange {
  return { start: kg.start, count: kg.count };
}

function sharedToJson(f: SharedFileRef): SharedFileRefJson {
  // One literal in the common case: spreading fileToJson's object cost ~3× the time and, by what V8 kept of the
  // copies, ~350 MB more heap for a million refs (measured writing the JSON form of the 1M-ref checkpoint).
  if (f.localName === undefined || f.localName === "") {
    return { id: f.id, path: f.path, size: String(f.size), xxh64: hashToHex(f.xxh64), originCheckpointId: String(f.originCheckpointId) };
  }
  return { ...fileToJson(f), originCheckpointId: String(f.originCheckpointId) };
}

/** The JSON form as text: two-space indented, one trailing newline (the vectors' .json files). */
export function snapshotToJsonText(snapshot: Snapshot, version?: FormatVersion): string {
  return JSON.stringify(snapshotToJson(snapshot, version), null, 2) + "\n";
}

/**
 * {@link snapshotToJsonText} in chunks, made as they are written: each list item is converted when it is reached, so
 * the JSON form of a large snapshot exists neither as one string nor as a tree of objects.
 */
export function* snapshotToJsonChunks(snapshot: Snapshot, version: FormatVersion = formatVersionOf(snapshot)): Generator<string, void, undefined> {
  yield* jsonTextLineChunks(buildJson(snapshot, version, mappedList));
}
