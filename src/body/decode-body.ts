/**
 * Decodes the protobuf body into the model ([spec](../../spec/format-v1.md#messages)).
 * Accepts any valid proto3 encoding (field order, unpacked repeated fields,
 * explicit defaults, unknown fields); rejects what the version read requires and
 * is absent, and a 1.1 structure whose feature bit the header does not set.
 * As a 1.0 reader (`readerMinor` 0) it skips every 1.1 field as unknown, exactly
 * as the released 1.0 reader does. Messages live one concern per file, below this one.
 */
import { KsnapError, withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type {
  FileOwnership, FileSharing, KeyedStateHandle, MasterState, OpaqueHandle, OperatorState, OperatorStateHandle,
  Snapshot, SnapshotKind, SnapshotProperties, SourceInfo, StreamRef, SubtaskState,
} from "../model.js";
import {
  closeMessage, enumValue, fieldNumber, missing, once, requireFeature, skip, type BodyContext, type BodyReader,
} from "./decode-fields.js";
import { readHandleAt } from "./decode-handles.js";
import { readMasterStateAt, readOperatorStateAt, readSource } from "./decode-operator-state.js";
import { readChannelStateAt } from "./decode-stream-handles.js";
import { readStreamAt } from "./decode-streams.js";
import { byNumber, KIND_NUMBERS, OWNERSHIP_NUMBERS, SHARING_NUMBERS } from "./enums.js";
import {
  FEATURE_COORDINATOR_AND_MASTER_STATE, FEATURE_FINISHED_MARKERS, FEATURE_OPAQUE_HANDLES, FEATURE_OPERATOR_MAX_PARALLELISM,
  FEATURE_OPERATOR_STATE, FEATURE_RAW_KEYED_STATE,
} from "./features.js";
import { createReader, expectWireType, readBool, readLengthEnd, readString, readTag, readUint32, readUint64, WT_LEN, WT_VARINT } from "./wire.js";
import { KNOWN_FEATURES } from "../container/layout.js";

const KINDS = byNumber(KIND_NUMBERS);
const SHARINGS = byNumber(SHARING_NUMBERS);
const OWNERSHIPS = byNumber(OWNERSHIP_NUMBERS);
const { maxIdBytes, maxStringBytes, maxKeyGroups } = FORMAT_LIMITS;

/** A body read on its own, without a header: the 1.1 reader, every bit taken as set. */
const BODY_ONLY: BodyContext = { readerMinor: 1, features: KNOWN_FEATURES };

export type { BodyContext } from "./decode-fields.js";

/**
 * Decodes `body` as the reader `context` names, with the header's feature bits; error offsets are reported as
 * `bodyOffset + position in body`.
 */
export function decodeBody(body: Uint8Array, bodyOffset = 0, context: BodyContext = BODY_ONLY): Snapshot {
  const r = createReader(body) as BodyReader;
  r.readerMinor = context.readerMinor;
  r.features = context.features;
  try {
    return readSnapshot(r, body.length);
  } catch (e) {
    return withContext(e, "", bodyOffset);
  }
}

function readSnapshot(r: BodyReader, end: number): Snapshot {
  let snapshotId = 0n, maxParallelism = 0, snapshotDir = "", jobId = "", timestampMillis = 0n;
  let kind: SnapshotKind | undefined;
  let properties: SnapshotProperties | undefined;
  let source: SourceInfo | undefined;
  const operators: OperatorState[] = [];
  const masterStates: MasterState[] = [];
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag, 15)) {
      case 1: expectWireType(r, tag, WT_VARINT, "Snapshot"); snapshotId = readUint64(r); break;
      case 2: expectWireType(r, tag, WT_VARINT, "Snapshot"); kind = enumValue(r, end, KINDS, "snapshot kind", "kind"); break;
      case 3: expectWireType(r, tag, WT_LEN, "Snapshot"); once(r, properties, "properties"); properties = readProperties(r, readLengthEnd(r, end)); break;
      case 4: expectWireType(r, tag, WT_VARINT, "Snapshot"); maxParallelism = readUint32(r); break;
      case 5: expectWireType(r, tag, WT_LEN, "Snapshot"); operators.push(readOperatorAt(r, end, operators.length)); break;
      case 6: expectWireType(r, tag, WT_LEN, "Snapshot"); snapshotDir = readString(r, end, maxStringBytes, "snapshot_dir", "snapshotDir"); break;
      case 7: expectWireType(r, tag, WT_LEN, "Snapshot"); jobId = readString(r, end, maxIdBytes, "job_id", "jobId"); break;
      case 8: expectWireType(r, tag, WT_VARINT, "Snapshot"); timestampMillis = readUint64(r); break;
      case 15:
        expectWireType(r, tag, WT_LEN, "Snapshot");
        requireFeature(r, FEATURE_COORDINATOR_AND_MASTER_STATE, "master state", `masterStates[${masterStates.length}]`);
        masterStates.push(readMasterStateAt(r, end, masterStates.length));
        break;
      case 16: expectWireType(r, tag, WT_LEN, "Snapshot"); once(r, source, "source"); source = readSource(r, readLengthEnd(r, end)); break;
      default: skip(r, tag);
    }
  }
  closeMessage(r, end, "Snapshot");
  // Snapshot id 0 stays invalid in 1.1: 1.0 readers require >= 1, and ids order a history.
  if (snapshotId === 0n) throw missing(r, "snapshot_id", "snapshotId");
  if (kind === undefined) throw missing(r, "kind", "kind");
  if (properties === undefined) throw missing(r, "properties", "properties");
  if (maxParallelism === 0) throw missing(r, "max_parallelism", "maxParallelism");
  if (maxParallelism > maxKeyGroups) {
    throw new KsnapError("INVALID_FIELD", `max_parallelism ${maxParallelism} exceeds ${maxKeyGroups}`, { field: "maxParallelism" });
  }
  operators.forEach((op, i) => checkOperatorMaxParallelism(r, op, maxParallelism, i));
  const snapshot: Snapshot = { snapshotId, kind, properties, maxParallelism, operators, snapshotDir, jobId, timestampMillis };
  if (masterStates.length > 0) snapshot.masterStates = masterStates;
  if (source !== undefined) snapshot.source = source;
  return snapshot;
}

/**
 * An operator's own max parallelism is known to differ from the snapshot's only once the whole body is read
 * (fields come in any order). Equal to the snapshot's, it says nothing (canonical: omitted) and is dropped.
 */
function checkOperatorMaxParallelism(r: BodyReader, op: OperatorState, snapshotMax: number, index: number): void {
  if (op.maxParallelism === undefined) return;
  const field = `operators[${index}].maxParallelism`;
  if (op.maxParallelism === snapshotMax) {
    delete op.maxParallelism;
    return;
  }
  if (op.maxParallelism > maxKeyGroups) {
    throw new KsnapError("INVALID_FIELD", `operator max_parallelism ${op.maxParallelism} exceeds ${maxKeyGroups}`, { field });
  }
  // The field's offset is long gone: the path names it.
  requireFeature(r, FEATURE_OPERATOR_MAX_PARALLELISM,
    `an operator max_parallelism (${op.maxParallelism}) that differs from the snapshot's (${snapshotMax})`, field, null);
}

function readProperties(r: BodyReader, end: number): SnapshotProperties {
  let incremental = false, keyGroupAware = false;
  let sharing: FileSharing | undefined;
  let ownership: FileOwnership | undefined;
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_VARINT, "SnapshotProperties"); incremental = readBool(r); break;
      case 2: expectWireType(r, tag, WT_VARINT, "SnapshotProperties"); keyGroupAware = readBool(r); break;
      case 3: expectWireType(r, tag, WT_VARINT, "SnapshotProperties"); sharing = enumValue(r, end, SHARINGS, "sharing", "properties.sharing"); break;
      case 4: expectWireType(r, tag, WT_VARINT, "SnapshotProperties"); ownership = enumValue(r, end, OWNERSHIPS, "ownership", "properties.ownership"); break;
      default: skip(r, tag);
    }
  }
  closeMessage(r, end, "SnapshotProperties");
  if (sharing === undefined) throw missing(r, "properties.sharing", "properties.sharing");
  if (ownership === undefined) throw missing(r, "properties.ownership", "properties.ownership");
  return { incremental, keyGroupAware, sharing, ownership };
}

function readOperatorAt(r: BodyReader, parentEnd: number, index: number): OperatorState {
  try {
    return readOperator(r, readLengthEnd(r, parentEnd));
  } catch (e) {
    return withContext(e, `operators[${index}]`);
  }
}

function readOperator(r: BodyReader, end: number): OperatorState {
  let operatorId = "", name = "", parallelism = 0, maxParallelism = 0, uid = "", finished = false;
  let coordinatorState: StreamRef | undefined;
  const subtasks: SubtaskState[] = [];
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag, 11)) {
      case 1: expectWireType(r, tag, WT_LEN, "OperatorState"); operatorId = readString(r, end, maxIdBytes, "operator_id", "operatorId"); break;
      case 2: expectWireType(r, tag, WT_LEN, "OperatorState"); name = readString(r, end, maxStringBytes, "name", "name"); break;
      case 3: expectWireType(r, tag, WT_VARINT, "OperatorState"); parallelism = readUint32(r); break;
      case 4: expectWireType(r, tag, WT_LEN, "OperatorState"); subtasks.push(readSubtaskAt(r, end, subtasks.length)); break;
      case 11: expectWireType(r, tag, WT_VARINT, "OperatorState"); maxParallelism = readUint32(r); break;
      case 12: expectWireType(r, tag, WT_LEN, "OperatorState"); uid = readString(r, end, maxStringBytes, "uid", "uid"); break;
      case 13:
        expectWireType(r, tag, WT_LEN, "OperatorState");
        requireFeature(r, FEATURE_COORDINATOR_AND_MASTER_STATE, "coordinator state", "coordinatorState");
        once(r, coordinatorState, "coordinator_state");
        coordinatorState = readStreamAt(r, end, "coordinatorState");
        break;
      case 14: expectWireType(r, tag, WT_VARINT, "OperatorState"); finished = readFinished(r); break;
      default: skip(r, tag);
    }
  }
  closeMessage(r, end, "OperatorState");
  if (operatorId === "") throw missing(r, "operator_id", "operatorId");
  if (parallelism === 0) throw missing(r, "parallelism", "parallelism");
  const op: OperatorState = { operatorId, name, parallelism, subtasks };
  if (maxParallelism !== 0) op.maxParallelism = maxParallelism;
  if (uid !== "") op.uid = uid;
  if (coordinatorState !== undefined) op.coordinatorState = coordinatorState;
  if (finished) op.finished = true;
  return op;
}

/** A `finished` bool: true needs bit 7 (false is the default and needs nothing). */
function readFinished(r: BodyReader): boolean {
  const at = r.pos;
  const finished = readBool(r);
  if (finished) requireFeature(r, FEATURE_FINISHED_MARKERS, "finished", "finished", at);
  return finished;
}

/** SubtaskState's managed_operator_state or raw_operator_state (`field`, in JSON naming), whose tag has been read. */
function readOperatorStateField(r: BodyReader, tag: number, end: number, seen: OperatorStateHandle | undefined, field: string): OperatorStateHandle {
  expectWireType(r, tag, WT_LEN, "SubtaskState");
  requireFeature(r, FEATURE_OPERATOR_STATE, field, field);
  once(r, seen, field);
  return readOperatorStateAt(r, end, field);
}

function readSubtaskAt(r: BodyReader, parentEnd: number, index: number): SubtaskState {
  try {
    const end = readLengthEnd(r, parentEnd);
    let subtaskIndex = 0, finished = false;
    let managed: OperatorStateHandle | undefined;
    let raw: OperatorStateHandle | undefined;
    const handles: KeyedStateHandle[] = [];
    const rawKeyedHandles: KeyedStateHandle[] = [];
    const channelState: OpaqueHandle[] = [];
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag, 9)) {
        case 1: expectWireType(r, tag, WT_VARINT, "SubtaskState"); subtaskIndex = readUint32(r); break;
        case 2: expectWireType(r, tag, WT_LEN, "SubtaskState"); handles.push(readHandleAt(r, end, "handles", handles.length)); break;
        case 9: managed = readOperatorStateField(r, tag, end, managed, "managedOperatorState"); break;
        case 10: raw = readOperatorStateField(r, tag, end, raw, "rawOperatorState"); break;
        case 11:
          expectWireType(r, tag, WT_LEN, "SubtaskState");
          requireFeature(r, FEATURE_RAW_KEYED_STATE, "raw keyed state", `rawKeyedHandles[${rawKeyedHandles.length}]`);
          rawKeyedHandles.push(readHandleAt(r, end, "rawKeyedHandles", rawKeyedHandles.length));
          break;
        case 12:
          expectWireType(r, tag, WT_LEN, "SubtaskState");
          requireFeature(r, FEATURE_OPAQUE_HANDLES, "channel state", `channelState[${channelState.length}]`);
          channelState.push(readChannelStateAt(r, end, channelState.length));
          break;
        case 13: expectWireType(r, tag, WT_VARINT, "SubtaskState"); finished = readFinished(r); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, "SubtaskState");
    const st: SubtaskState = { subtaskIndex, handles };
    if (managed !== undefined) st.managedOperatorState = managed;
    if (raw !== undefined) st.rawOperatorState = raw;
    if (rawKeyedHandles.length > 0) st.rawKeyedHandles = rawKeyedHandles;
    if (channelState.length > 0) st.channelState = channelState;
    if (finished) st.finished = true;
    return st;
  } catch (e) {
    return withContext(e, `subtasks[${index}]`);
  }
}
