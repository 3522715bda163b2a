/**
 * Decodes the protobuf body into the model ([spec](../../spec/format-v1.md#messages)).
 * Accepts any valid proto3 encoding (field order, unpacked repeated fields,
 * explicit defaults, unknown fields); rejects what 1.0 requires and is absent.
 */
import { KsnapError, withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type {
  FileOwnership, FileRef, FileSharing, IncrementalHandle, KeyedStateHandle, KeyGroupRange,
  OperatorState, SavepointHandle, SharedFileRef, Snapshot, SnapshotKind, SnapshotProperties, SubtaskState,
} from "../model.js";
import { byNumber, KIND_NUMBERS, OWNERSHIP_NUMBERS, SHARING_NUMBERS } from "./enums.js";
import {
  createReader, expectWireType, malformed, readBool, readFixed64, readLengthEnd, readString, readTag,
  readUint32, readUint64, readUint64Repeated, skipField, WT_I64, WT_LEN, WT_VARINT, type Reader,
} from "./wire.js";

const KINDS = byNumber(KIND_NUMBERS);
const SHARINGS = byNumber(SHARING_NUMBERS);
const OWNERSHIPS = byNumber(OWNERSHIP_NUMBERS);
const { maxIdBytes, maxStringBytes, maxKeyGroups } = FORMAT_LIMITS;

/** Decodes `body`; error offsets are reported as `bodyOffset + position in body`. */
export function decodeBody(body: Uint8Array, bodyOffset = 0): Snapshot {
  const r = createReader(body);
  try {
    return readSnapshot(r, body.length);
  } catch (e) {
    return withContext(e, "", bodyOffset);
  }
}

function missing(r: Reader, what: string, field: string): KsnapError {
  return new KsnapError("MISSING_FIELD", `${what} is required in format 1.0 and is absent or zero`, { offset: r.pos, field });
}

function fieldNumber(r: Reader, tag: number): number {
  const n = tag >>> 3;
  if (n === 0) throw malformed(r, "field number 0 is not allowed");
  return n;
}

function closeMessage(r: Reader, end: number, name: string): void {
  if (r.pos > end) throw malformed(r, `a field of ${name} runs past the end of the message at ${end}`);
}

/** protobuf merges a repeated singular message field; KSNAP forbids it so that readers need not merge. */
function once<T>(r: Reader, seen: T | undefined, name: string): void {
  if (seen !== undefined) throw malformed(r, `${name} occurs more than once`);
}

/**
 * An enum field: undefined for 0 (absent). The whole varint is the number: one of 2^32 or more is not defined, and
 * is never cut to its low 32 bits (2^32 + 1 would become 1). A value running past its message is MALFORMED_BODY,
 * whatever its number.
 */
function enumValue<T>(r: Reader, end: number, table: ReadonlyMap<number, T>, what: string, field: string): T | undefined {
  const at = r.pos;
  const n = readUint64(r);
  if (r.pos > end) throw malformed(r, `${what} runs past the end of its message`);
  if (n === 0n) return undefined;
  const v = n > 0xffffffffn ? undefined : table.get(Number(n));
  if (v === undefined) {
    throw new KsnapError("INVALID_FIELD", `${what} ${n} is not defined in format 1.0`, { offset: at, field });
  }
  return v;
}

function readSnapshot(r: Reader, end: number): Snapshot {
  let snapshotId = 0n, maxParallelism = 0, snapshotDir = "", jobId = "", timestampMillis = 0n;
  let kind: SnapshotKind | undefined;
  let properties: SnapshotProperties | undefined;
  const operators: OperatorState[] = [];
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_VARINT, "Snapshot"); snapshotId = readUint64(r); break;
      case 2: expectWireType(r, tag, WT_VARINT, "Snapshot"); kind = enumValue(r, end, KINDS, "snapshot kind", "kind"); break;
      case 3: expectWireType(r, tag, WT_LEN, "Snapshot"); once(r, properties, "properties"); properties = readProperties(r, readLengthEnd(r, end)); break;
      case 4: expectWireType(r, tag, WT_VARINT, "Snapshot"); maxParallelism = readUint32(r); break;
      case 5: expectWireType(r, tag, WT_LEN, "Snapshot"); operators.push(readOperatorAt(r, end, operators.length)); break;
      case 6: expectWireType(r, tag, WT_LEN, "Snapshot"); snapshotDir = readString(r, end, maxStringBytes, "snapshot_dir", "snapshotDir"); break;
      case 7: expectWireType(r, tag, WT_LEN, "Snapshot"); jobId = readString(r, end, maxIdBytes, "job_id", "jobId"); break;
      case 8: expectWireType(r, tag, WT_VARINT, "Snapshot"); timestampMillis = readUint64(r); break;
      default: skipField(r, tag & 7, tag >>> 3);
    }
  }
  closeMessage(r, end, "Snapshot");
  if (snapshotId === 0n) throw missing(r, "snapshot_id", "snapshotId");
  if (kind === undefined) throw missing(r, "kind", "kind");
  if (properties === undefined) throw missing(r, "properties", "properties");
  if (maxParallelism === 0) throw missing(r, "max_parallelism", "maxParallelism");
  if (maxParallelism > maxKeyGroups) {
    throw new KsnapError("INVALID_FIELD", `max_parallelism ${maxParallelism} exceeds ${maxKeyGroups}`, { field: "maxParallelism" });
  }
  return { snapshotId, kind, properties, maxParallelism, operators, snapshotDir, jobId, timestampMillis };
}

function readProperties(r: Reader, end: number): SnapshotProperties {
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
      default: skipField(r, tag & 7, tag >>> 3);
    }
  }
  closeMessage(r, end, "SnapshotProperties");
  if (sharing === undefined) throw missing(r, "properties.sharing", "properties.sharing");
  if (ownership === undefined) throw missing(r, "properties.ownership", "properties.ownership");
  return { incremental, keyGroupAware, sharing, ownership };
}

function readOperatorAt(r: Reader, parentEnd: number, index: number): OperatorState {
  try {
    return readOperator(r, readLengthEnd(r, parentEnd));
  } catch (e) {
    return withContext(e, `operators[${index}]`);
  }
}

function readOperator(r: Reader, end: number): OperatorState {
  let operatorId = "", name = "", parallelism = 0;
  const subtasks: SubtaskState[] = [];
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_LEN, "OperatorState"); operatorId = readString(r, end, maxIdBytes, "operator_id", "operatorId"); break;
      case 2: expectWireType(r, tag, WT_LEN, "OperatorState"); name = readString(r, end, maxStringBytes, "name", "name"); break;
      case 3: expectWireType(r, tag, WT_VARINT, "OperatorState"); parallelism = readUint32(r); break;
      case 4: expectWireType(r, tag, WT_LEN, "OperatorState"); subtasks.push(readSubtaskAt(r, end, subtasks.length)); break;
      default: skipField(r, tag & 7, tag >>> 3);
    }
  }
  closeMessage(r, end, "OperatorState");
  if (operatorId === "") throw missing(r, "operator_id", "operatorId");
  if (parallelism === 0) throw missing(r, "parallelism", "parallelism");
  return { operatorId, name, parallelism, subtasks };
}

function readSubtaskAt(r: Reader, parentEnd: number, index: number): SubtaskState {
  try {
    const end = readLengthEnd(r, parentEnd);
    let subtaskIndex = 0;
    const handles: KeyedStateHandle[] = [];
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_VARINT, "SubtaskState"); subtaskIndex = readUint32(r); break;
        case 2: expectWireType(r, tag, WT_LEN, "SubtaskState"); handles.push(readHandleAt(r, end, handles.length)); break;
        default: skipField(r, tag & 7, tag >>> 3);
      }
    }
    closeMessage(r, end, "SubtaskState");
    return { subtaskIndex, handles };
  } catch (e) {
    return withContext(e, `subtasks[${index}]`);
  }
}

function readHandleAt(r: Reader, parentEnd: number, index: number): KeyedStateHandle {
  try {
    const end = readLengthEnd(r, parentEnd);
    let handle: KeyedStateHandle | undefined;
    while (r.pos < end) {
      const tag = readTag(r);
      const n = fieldNumber(r, tag);
      if (n !== 1 && n !== 2) { skipField(r, tag & 7, tag >>> 3); continue; }
      expectWireType(r, tag, WT_LEN, "KeyedStateHandle");
      const at = r.pos;
      const subEnd = readLengthEnd(r, end);
      if (handle !== undefined) {
        throw new KsnapError("INVALID_FIELD", "more than one variant of the handle oneof is set", { offset: at });
      }
      handle = n === 1 ? readIncremental(r, subEnd) : readSavepoint(r, subEnd);
    }
    closeMessage(r, end, "KeyedStateHandle");
    if (handle === undefined) {
      throw new KsnapError("MISSING_FIELD", "the handle sets no variant format 1.0 knows (incremental or savepoint)", { offset: r.pos });
    }
    return handle;
  } catch (e) {
    return withContext(e, `handles[${index}]`);
  }
}

function readIncremental(r: Reader, end: number): IncrementalHandle {
  let backendId = "", folder = "", checkpointId = 0n, baseCheckpointId = 0n, stateSize = 0n, checkpointedSize = 0n;
  let keyGroups: KeyGroupRange | undefined;
  let metaFile: FileRef | undefined;
  const sharedFiles: SharedFileRef[] = [];
  const privateFiles: FileRef[] = [];
  try {
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); backendId = readString(r, end, maxIdBytes, "backend_id", "backendId"); break;
        case 2: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); once(r, keyGroups, "key_groups"); keyGroups = readKeyGroups(r, readLengthEnd(r, end)); break;
        case 3: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); folder = readString(r, end, maxStringBytes, "folder", "folder"); break;
        case 4: expectWireType(r, tag, WT_VARINT, "IncrementalHandle"); checkpointId = readUint64(r); break;
        case 5: expectWireType(r, tag, WT_VARINT, "IncrementalHandle"); baseCheckpointId = readUint64(r); break;
        case 6: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); sharedFiles.push(readSharedFileAt(r, end, sharedFiles.length)); break;
        case 7: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); privateFiles.push(readFileRefAt(r, end, "privateFiles", privateFiles.length)); break;
        case 8: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); once(r, metaFile, "meta_file"); metaFile = readFileRefAt(r, end, "metaFile", -1); break;
        case 9: expectWireType(r, tag, WT_VARINT, "IncrementalHandle"); stateSize = readUint64(r); break;
        case 10: expectWireType(r, tag, WT_VARINT, "IncrementalHandle"); checkpointedSize = readUint64(r); break;
        default: skipField(r, tag & 7, tag >>> 3);
      }
    }
    closeMessage(r, end, "IncrementalHandle");
    if (backendId === "") throw missing(r, "backend_id", "backendId");
    if (keyGroups === undefined) throw missing(r, "key_groups", "keyGroups");
    if (folder === "") throw missing(r, "folder", "folder");
    if (checkpointId === 0n) throw missing(r, "checkpoint_id", "checkpointId");
    if (metaFile === undefined) throw missing(r, "meta_file", "metaFile");
  } catch (e) {
    return withContext(e, "incremental");
  }
  return {
    type: "incremental", backendId, keyGroups, folder, checkpointId, baseCheckpointId,
    sharedFiles, privateFiles, metaFile, stateSize, checkpointedSize,
  };
}

function readSavepoint(r: Reader, end: number): SavepointHandle {
  let keyGroups: KeyGroupRange | undefined;
  let dataFile: FileRef | undefined;
  const offsets: bigint[] = [];
  try {
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, "SavepointHandle"); once(r, keyGroups, "key_groups"); keyGroups = readKeyGroups(r, readLengthEnd(r, end)); break;
        case 2: expectWireType(r, tag, WT_LEN, "SavepointHandle"); once(r, dataFile, "data_file"); dataFile = readFileRefAt(r, end, "dataFile", -1); break;
        case 3: readOffsets(r, tag, end, offsets); break;
        default: skipField(r, tag & 7, tag >>> 3);
      }
    }
    closeMessage(r, end, "SavepointHandle");
    if (keyGroups === undefined) throw missing(r, "key_groups", "keyGroups");
    if (dataFile === undefined) throw missing(r, "data_file", "dataFile");
  } catch (e) {
    return withContext(e, "savepoint");
  }
  return { type: "savepoint", keyGroups, dataFile, offsets };
}

/** Offsets arrive packed (canonical) or one per field (accepted); either way at most maxKeyGroups. */
function readOffsets(r: Reader, tag: number, end: number, offsets: bigint[]): void {
  if ((tag & 7) === WT_VARINT) {
    closeMessage(r, end, "SavepointHandle");
    pushOffset(r, offsets);
    return;
  }
  expectWireType(r, tag, WT_LEN, "SavepointHandle");
  const stop = readLengthEnd(r, end);
  while (r.pos < stop) pushOffset(r, offsets);
  closeMessage(r, stop, "SavepointHandle.offsets");
}

function pushOffset(r: Reader, offsets: bigint[]): void {
  if (offsets.length === maxKeyGroups) {
    throw new KsnapError("INVALID_FIELD", `more than ${maxKeyGroups} offsets`, { offset: r.pos, field: "offsets" });
  }
  offsets.push(readUint64(r));
}

function readKeyGroups(r: Reader, end: number): KeyGroupRange {
  let start = 0, count = 0;
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_VARINT, "KeyGroupRange"); start = readUint32(r); break;
      case 2: expectWireType(r, tag, WT_VARINT, "KeyGroupRange"); count = readUint32(r); break;
      default: skipField(r, tag & 7, tag >>> 3);
    }
  }
  closeMessage(r, end, "KeyGroupRange");
  return { start, count };
}

function readFileRefAt(r: Reader, parentEnd: number, list: string, index: number): FileRef {
  try {
    return readFileFields(r, readLengthEnd(r, parentEnd), false);
  } catch (e) {
    return withContext(e, index < 0 ? list : `${list}[${index}]`);
  }
}

function readSharedFileAt(r: Reader, parentEnd: number, index: number): SharedFileRef {
  try {
    return readFileFields(r, readLengthEnd(r, parentEnd), true) as SharedFileRef;
  } catch (e) {
    return withContext(e, `sharedFiles[${index}]`);
  }
}

/** FileRef and SharedFileRef share fields 1-4; field 5 exists only in SharedFileRef. */
function readFileFields(r: Reader, end: number, shared: boolean): FileRef | SharedFileRef {
  let id = "", path = "", size = 0n, xxh64 = 0n, origin = 0n;
  const message = shared ? "SharedFileRef" : "FileRef";
  while (r.pos < end) {
    const tag = readTag(r);
    const n = fieldNumber(r, tag);
    if (n === 1) { expectWireType(r, tag, WT_LEN, message); id = readString(r, end, maxIdBytes, "file id", "id"); }
    else if (n === 2) { expectWireType(r, tag, WT_LEN, message); path = readString(r, end, maxStringBytes, "file path", "path"); }
    else if (n === 3) { expectWireType(r, tag, WT_VARINT, message); size = readUint64(r); }
    else if (n === 4) { expectWireType(r, tag, WT_I64, message); xxh64 = readFixed64(r); }
    else if (n === 5 && shared) { expectWireType(r, tag, WT_VARINT, message); origin = readUint64Repeated(r); }
    else skipField(r, tag & 7, tag >>> 3);
  }
  closeMessage(r, end, message);
  if (id === "") throw missing(r, "file id", "id");
  if (path === "") throw missing(r, "file path", "path");
  if (!shared) return { id, path, size, xxh64 };
  if (origin === 0n) throw missing(r, "origin_checkpoint_id", "originCheckpointId");
  return { id, path, size, xxh64, originCheckpointId: origin };
}
