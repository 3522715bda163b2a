/**
 * JSON form → model ([spec](../../spec/format-v1.md#json-form)): checked against
 * the JSON Schema first, then converted; optional fields may be omitted. A
 * document of any 1.x version may hold 1.1 members; the encoder then writes the
 * lowest version that holds what the document says.
 */
import { KsnapError } from "../errors.js";
import type {
  KeyedStateHandle, MasterState, OpaqueHandle, OperatorState, OperatorStateHandle, SavepointHandle, Snapshot, SubtaskState,
} from "../model.js";
import { base64ToBytes } from "./base64.js";
import type {
  HandleJson, MasterStateJson, OpaqueHandleJson, OperatorJson, OperatorStateHandleJson, SavepointHandleJson, SnapshotJson, SubtaskJson,
} from "./json-types.js";
import { escapeControls } from "../quote.js";
import { checkSnapshotJson } from "./schema.js";
import {
  fileFromJson, listFromJson, optionalU64, sharedFromJson, sharedStreamFromJson, streamFromJson, u64,
} from "./streams-from-json.js";
import { decodeUtf8Strict } from "./strict-utf8.js";

/** Parses JSON bytes, which must be UTF-8 (invalid bytes are INVALID_JSON with their offset, never replaced), and converts them. */
export function snapshotFromJsonBytes(bytes: Uint8Array): Snapshot {
  const text = decodeUtf8Strict(bytes);
  return snapshotFromJsonText(text, (position) => utf8Length(text.slice(0, position)));
}

/**
 * Parses JSON text and converts it; syntax errors are INVALID_JSON too, at the
 * offset `offsetOf` gives for the parser's position (the character index by default).
 */
export function snapshotFromJsonText(text: string, offsetOf: (position: number) => number = (p) => p): Snapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw syntaxError(e, offsetOf);
  }
  return snapshotFromJson(doc);
}

/**
 * The parser's complaint without the excerpt of the input it quotes (which would
 * echo raw bytes, escape sequences included, to the terminal), at a byte offset.
 */
function syntaxError(e: unknown, offsetOf: (position: number) => number): KsnapError {
  const raw = e instanceof Error ? e.message : String(e);
  const position = /at position (\d+)/.exec(raw);
  const reason = raw.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
  const offset = position === null ? undefined : offsetOf(Number(position[1]));
  return new KsnapError("INVALID_JSON", `not JSON: ${escapeControls(reason)}`, offset === undefined ? {} : { offset });
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Converts a parsed JSON document, which must match schemas/ksnap-v1.schema.json. */
export function snapshotFromJson(doc: unknown): Snapshot {
  checkSnapshotJson(doc);
  const j = doc as SnapshotJson;
  const minor = Number(j.formatVersion.split(".")[1]);
  if (minor > 0xffff) throw new KsnapError("INVALID_JSON", `minor version ${minor} exceeds 65535`, { field: "formatVersion" });
  const s: Snapshot = {
    snapshotId: u64(j.snapshotId, "snapshotId"),
    kind: j.kind,
    properties: {
      incremental: j.properties.incremental ?? false,
      keyGroupAware: j.properties.keyGroupAware ?? false,
      sharing: j.properties.sharing,
      ownership: j.properties.ownership,
    },
    maxParallelism: j.maxParallelism,
    snapshotDir: j.snapshotDir ?? "",
    jobId: j.jobId ?? "",
    timestampMillis: optionalU64(j.timestampMillis, "timestampMillis"),
    operators: listFromJson(j.operators, "operators", operatorFromJson),
  };
  if (j.masterStates !== undefined && j.masterStates.length > 0) s.masterStates = listFromJson(j.masterStates, "masterStates", masterStateFromJson);
  if (j.source !== undefined) {
    s.source = { system: j.source.system, formatVersion: j.source.formatVersion ?? 0, checkpointId: optionalU64(j.source.checkpointId, "source.checkpointId") };
  }
  return s;
}

function operatorFromJson(op: OperatorJson, at: string): OperatorState {
  const o: OperatorState = {
    operatorId: op.operatorId,
    name: op.name ?? "",
    parallelism: op.parallelism,
    subtasks: listFromJson(op.subtasks, `${at}.subtasks`, subtaskFromJson),
  };
  if (op.maxParallelism !== undefined && op.maxParallelism !== 0) o.maxParallelism = op.maxParallelism;
  if (op.uid !== undefined && op.uid !== "") o.uid = op.uid;
  if (op.coordinatorState !== undefined) o.coordinatorState = streamFromJson(op.coordinatorState, `${at}.coordinatorState`);
  if (op.finished === true) o.finished = true;
  return o;
}

function subtaskFromJson(st: SubtaskJson, at: string): SubtaskState {
  const s: SubtaskState = { subtaskIndex: st.subtaskIndex ?? 0, handles: listFromJson(st.handles, `${at}.handles`, handleFromJson) };
  if (st.managedOperatorState !== undefined) s.managedOperatorState = operatorStateFromJson(st.managedOperatorState, `${at}.managedOperatorState`);
  if (st.rawOperatorState !== undefined) s.rawOperatorState = operatorStateFromJson(st.rawOperatorState, `${at}.rawOperatorState`);
  if (st.rawKeyedHandles !== undefined && st.rawKeyedHandles.length > 0) s.rawKeyedHandles = listFromJson(st.rawKeyedHandles, `${at}.rawKeyedHandles`, handleFromJson);
  if (st.channelState !== undefined && st.channelState.length > 0) s.channelState = listFromJson(st.channelState, `${at}.channelState`, opaqueFromJson);
  if (st.finished === true) s.finished = true;
  return s;
}

function handleFromJson(h: HandleJson, at: string): KeyedStateHandle {
  switch (h.type) {
    case "savepoint": return savepointHandleFromJson(h, at);
    case "incremental": return {
      type: "incremental",
      backendId: h.backendId,
      keyGroups: { start: h.keyGroups.start, count: h.keyGroups.count },
      folder: h.folder,
      checkpointId: u64(h.checkpointId, `${at}.checkpointId`),
      baseCheckpointId: optionalU64(h.baseCheckpointId, `${at}.baseCheckpointId`),
      sharedFiles: listFromJson(h.sharedFiles, `${at}.sharedFiles`, sharedFromJson),
      privateFiles: listFromJson(h.privateFiles, `${at}.privateFiles`, fileFromJson),
      metaFile: fileFromJson(h.metaFile, `${at}.metaFile`),
      stateSize: optionalU64(h.stateSize, `${at}.stateSize`),
      checkpointedSize: optionalU64(h.checkpointedSize, `${at}.checkpointedSize`),
    };
    case "stream-incremental": return {
      type: "stream-incremental",
      backendId: h.backendId,
      keyGroups: { start: h.keyGroups.start, count: h.keyGroups.count },
      folder: h.folder ?? "",
      checkpointId: u64(h.checkpointId, `${at}.checkpointId`),
      baseCheckpointId: optionalU64(h.baseCheckpointId, `${at}.baseCheckpointId`),
      sharedFiles: listFromJson(h.sharedFiles, `${at}.sharedFiles`, sharedStreamFromJson),
      privateFiles: listFromJson(h.privateFiles, `${at}.privateFiles`, streamFromJson),
      meta: streamFromJson(h.meta, `${at}.meta`),
      stateSize: optionalU64(h.stateSize, `${at}.stateSize`),
      checkpointedSize: optionalU64(h.checkpointedSize, `${at}.checkpointedSize`),
    };
    case "key-groups-stream": return {
      type: "key-groups-stream",
      keyGroups: { start: h.keyGroups.start, count: h.keyGroups.count },
      data: streamFromJson(h.data, `${at}.data`),
      offsets: listFromJson(h.offsets, `${at}.offsets`, u64),
      dataFormat: h.dataFormat,
    };
    case "opaque": return opaqueFromJson(h, at);
  }
}

/** An opaque handle: keyed (with key groups) or an item of channel state (without). */
function opaqueFromJson(h: OpaqueHandleJson, at: string): OpaqueHandle {
  const o: OpaqueHandle = {
    type: "opaque", kind: h.kind,
    files: listFromJson(h.files, `${at}.files`, streamFromJson),
    sharedFiles: listFromJson(h.sharedFiles, `${at}.sharedFiles`, sharedStreamFromJson),
    payload: base64ToBytes(h.payload ?? "", `${at}.payload`),
  };
  if (h.keyGroups !== undefined) o.keyGroups = { start: h.keyGroups.start, count: h.keyGroups.count };
  return o;
}

function operatorStateFromJson(h: OperatorStateHandleJson, at: string): OperatorStateHandle {
  return {
    stream: streamFromJson(h.stream, `${at}.stream`),
    states: listFromJson(h.states, `${at}.states`, (s, sat) => ({ name: s.name, mode: s.mode, offsets: listFromJson(s.offsets, `${sat}.offsets`, u64) })),
  };
}

function masterStateFromJson(m: MasterStateJson, at: string): MasterState {
  return { name: m.name, version: m.version ?? 0, payload: base64ToBytes(m.payload ?? "", `${at}.payload`) };
}

/**
 * The inverse of `savepointHandleToJson` ([spec](../../spec/format-v1.md#json-form)),
 * for a handle checked already (inside a snapshot) or trusted (a vector's
 * `.handle.json`): no schema check of its own, but 64-bit values are still
 * range-checked, and errors name fields under `at`. `type` may be omitted.
 */
export function savepointHandleFromJson(h: Omit<SavepointHandleJson, "type">, at = "handle"): SavepointHandle {
  return {
    type: "savepoint",
    keyGroups: { start: h.keyGroups.start, count: h.keyGroups.count },
    dataFile: fileFromJson(h.dataFile, `${at}.dataFile`),
    offsets: listFromJson(h.offsets, `${at}.offsets`, u64),
  };
}
