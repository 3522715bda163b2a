/**
 * Encodes the model as the canonical body ([spec](../../spec/format-v1.md#canonical-encoding)):
 * ascending field numbers, defaults omitted, offsets packed, lists in canonical order, each handle in its
 * canonical form. Refuses a model that a reader would reject, naming the field. Messages below the subtask are
 * written by the encode-*.ts files beside this one.
 */
import { FORMAT_LIMITS } from "../limits.js";
import type {
  FileRef, KeyedStateHandle, OperatorState, Snapshot, SnapshotProperties, StreamRef, SubtaskState,
} from "../model.js";
import { canonicalHandle } from "./canonical-form.js";
import { compareHandles, compareNames, compareOperators, compareOpaque, compareSubtasks } from "./canonical-order.js";
import {
  bool, enumField, inContext, invalid, list, message, optionalList, optionalStr, present, required, str, u32, u64,
} from "./encode-fields.js";
import { writeHandle, writeOpaque } from "./encode-handles.js";
import { writeMasterState, writeOperatorState, writeSource } from "./encode-operator-state.js";
import { writeStreamField } from "./encode-streams.js";
import { KIND_NUMBERS, OWNERSHIP_NUMBERS, SHARING_NUMBERS } from "./enums.js";
import { varint32Size, WireWriter as Writer } from "./wire-writer.js";

const { maxIdBytes, maxStringBytes, maxKeyGroups } = FORMAT_LIMITS;

/**
 * The size of the body, nearly exact for ASCII ids and paths and sizes below
 * 2^35, so that the writer allocates once (growing a large buffer costs a copy
 * and a second allocation, and external memory that brings on a full GC).
 */
export function estimateBodySize(snapshot: Snapshot): number {
  let bytes = 4096;
  for (const op of snapshot.operators ?? []) bytes += operatorSize(op);
  return bytes;
}

/** Tags, length prefixes and numbers of a file ref besides its id and path (size < 2^35, origin < 2^35). */
const FILE_REF_OVERHEAD = 3 + 2 + 2 + 6 + 9;
const SHARED_REF_OVERHEAD = FILE_REF_OVERHEAD + 6;
/** Refs of a list whose id and path lengths are read: reading every one costs a cache miss per string. */
const SAMPLES = 64;
/** About the bytes of a stream that is not inline (1.1 structures are rare and small: a rough guess serves). */
const STREAM_GUESS = 96;

/** About the bytes `files` take (2% over for the ids and paths seen, ASCII assumed); never throws. */
function filesSize(files: readonly FileRef[] | undefined, overhead: number): number {
  if (!Array.isArray(files) || files.length === 0) return 0;
  const n = files.length;
  const step = Math.max(1, Math.floor(n / SAMPLES));
  let chars = 0, seen = 0;
  for (let i = 0; i < n; i += step) {
    const f = files[i];
    seen++;
    if (typeof f !== "object" || f === null) continue;
    const { id, path } = f;
    if (typeof id === "string") chars += id.length;
    if (typeof path === "string") chars += path.length;
  }
  return n * overhead + Math.ceil((chars / seen) * n * 1.02);
}

/** About the bytes of a list of streams: inline ones hold their data; never throws. */
function streamsSize(streams: readonly (StreamRef | undefined)[] | undefined): number {
  if (!Array.isArray(streams)) return 0;
  let bytes = 0;
  for (const s of streams) bytes += s?.type === "inline" && s.data instanceof Uint8Array ? 16 + s.data.length : STREAM_GUESS;
  return bytes;
}

const arrayLength = (v: unknown): number => (Array.isArray(v) ? v.length : 0);
const payloadLength = (v: unknown): number => (v instanceof Uint8Array ? v.length : 0);

/** About the bytes of a handle's message; never throws. */
function handleSize(h: KeyedStateHandle | undefined): number {
  if (typeof h !== "object" || h === null) return 0;
  switch (h.type) {
    case "incremental": return 512 + filesSize(h.sharedFiles, SHARED_REF_OVERHEAD) + filesSize(h.privateFiles, FILE_REF_OVERHEAD);
    case "savepoint": return 512 + arrayLength(h.offsets) * 5;
    case "stream-incremental": return 512 + streamsSize(h.sharedFiles) + streamsSize(h.privateFiles) + streamsSize([h.meta]);
    case "key-groups-stream": return 512 + arrayLength(h.offsets) * 5 + streamsSize([h.data]);
    case "opaque": return 512 + streamsSize(h.files) + streamsSize(h.sharedFiles) + payloadLength(h.payload);
    default: return 512;
  }
}

function subtaskSize(st: SubtaskState | undefined): number {
  if (typeof st !== "object" || st === null || !Array.isArray(st.handles)) return 0;
  let bytes = 16;
  for (const h of st.handles) bytes += 8 + handleSize(h);
  for (const h of Array.isArray(st.rawKeyedHandles) ? st.rawKeyedHandles : []) bytes += 8 + handleSize(h);
  for (const h of Array.isArray(st.channelState) ? st.channelState : []) bytes += 8 + handleSize(h);
  for (const o of [st.managedOperatorState, st.rawOperatorState]) {
    if (typeof o === "object" && o !== null) bytes += 64 + streamsSize([o.stream]) + arrayLength(o.states) * 64;
  }
  return bytes;
}

function operatorSize(op: OperatorState | undefined): number {
  if (typeof op !== "object" || op === null || !Array.isArray(op.subtasks)) return 0;
  let bytes = 128 + (present(op.coordinatorState) ? streamsSize([op.coordinatorState]) : 0);
  for (const st of op.subtasks) bytes += 8 + subtaskSize(st);
  return bytes;
}

/**
 * Length-prefix bytes to reserve for a message of about `size` bytes: its
 * varint size when the estimate is well inside one size class, else one byte.
 * A wrong guess costs a shift of the message, never a wrong encoding.
 */
function reserveFor(size: number): number {
  const low = varint32Size(Math.floor(size * 0.8));
  return low === varint32Size(Math.ceil(size * 1.25)) ? low : 1;
}

/** Appends the canonical protobuf body of `snapshot` to `w` (the container frames it in place). */
export function encodeBody(snapshot: Snapshot, w: Writer = new Writer()): Writer {
  writeSnapshot(w, snapshot);
  return w;
}

function writeSnapshot(w: Writer, s: Snapshot): void {
  required(typeof s.snapshotId === "bigint" && s.snapshotId !== 0n, "snapshotId", "snapshot_id");
  u64(w, 1, s.snapshotId, "snapshotId");
  required(s.kind !== undefined && s.kind !== null, "kind", "kind");
  enumField(w, 2, KIND_NUMBERS, s.kind, "kind");
  required(s.properties !== undefined && s.properties !== null, "properties", "properties");
  message(w, 3, () => writeProperties(w, s.properties));
  required(s.maxParallelism !== 0, "maxParallelism", "max_parallelism");
  if (s.maxParallelism > maxKeyGroups) throw invalid("maxParallelism", `max_parallelism ${s.maxParallelism} exceeds ${maxKeyGroups}`);
  u32(w, 4, s.maxParallelism, "maxParallelism");
  list(s.operators, compareOperators, "operators", (op) => message(w, 5, () => writeOperator(w, op, s.maxParallelism), reserveFor(operatorSize(op))));
  str(w, 6, s.snapshotDir, maxStringBytes, "snapshotDir");
  str(w, 7, s.jobId, maxIdBytes, "jobId");
  u64(w, 8, s.timestampMillis, "timestampMillis");
  optionalList(s.masterStates, compareNames, "masterStates", (m) => message(w, 15, () => writeMasterState(w, m)));
  if (present(s.source)) message(w, 16, () => writeSource(w, s.source!));
}

function writeProperties(w: Writer, p: SnapshotProperties): void {
  bool(w, 1, p.incremental);
  bool(w, 2, p.keyGroupAware);
  enumField(w, 3, SHARING_NUMBERS, p.sharing, "properties.sharing");
  enumField(w, 4, OWNERSHIP_NUMBERS, p.ownership, "properties.ownership");
}

function writeOperator(w: Writer, op: OperatorState, snapshotMaxParallelism: number): void {
  required(op.operatorId !== "", "operatorId", "operator_id");
  str(w, 1, op.operatorId, maxIdBytes, "operatorId");
  str(w, 2, op.name, maxStringBytes, "name");
  required(op.parallelism !== 0, "parallelism", "parallelism");
  u32(w, 3, op.parallelism, "parallelism");
  list(op.subtasks, compareSubtasks, "subtasks", (st) => message(w, 4, () => writeSubtask(w, st), reserveFor(subtaskSize(st))));
  writeOperatorMaxParallelism(w, op.maxParallelism, snapshotMaxParallelism);
  optionalStr(w, 12, op.uid, maxStringBytes, "uid");
  if (present(op.coordinatorState)) writeStreamField(w, 13, op.coordinatorState, "coordinatorState");
  bool(w, 14, op.finished);
}

/** Canonical: omitted when 0 or equal to the snapshot's (it then says nothing and needs no feature bit). */
function writeOperatorMaxParallelism(w: Writer, v: number | undefined, snapshotMaxParallelism: number): void {
  if (!present(v) || v === snapshotMaxParallelism) return;
  if (typeof v === "number" && v > maxKeyGroups) throw invalid("maxParallelism", `operator max_parallelism ${v} exceeds ${maxKeyGroups}`);
  u32(w, 11, v, "maxParallelism");
}

function writeSubtask(w: Writer, st: SubtaskState): void {
  u32(w, 1, st.subtaskIndex, "subtaskIndex");
  writeHandles(w, 2, st.handles, "handles");
  if (present(st.managedOperatorState)) message(w, 9, () => inContext("managedOperatorState", () => writeOperatorState(w, st.managedOperatorState!)));
  if (present(st.rawOperatorState)) message(w, 10, () => inContext("rawOperatorState", () => writeOperatorState(w, st.rawOperatorState!)));
  if (present(st.rawKeyedHandles)) writeHandles(w, 11, st.rawKeyedHandles, "rawKeyedHandles");
  optionalList(st.channelState, compareOpaque, "channelState", (h) => message(w, 12, () => writeOpaque(w, h, false)));
  bool(w, 13, st.finished);
}

/** Handles in their canonical form (converted ones sort as what they become), then in handle order. */
function writeHandles(w: Writer, field: number, handles: readonly KeyedStateHandle[], name: string): void {
  const forms = Array.isArray(handles) ? handles.map(canonicalHandle) : handles;
  list(forms, compareHandles, name, (h) => message(w, field, () => writeHandle(w, h, reserveFor(handleSize(h))), reserveFor(handleSize(h) + 8)));
}
