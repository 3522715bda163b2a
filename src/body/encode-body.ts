/**
 * Encodes the model as the canonical body ([spec](../../spec/format-v1.md#canonical-encoding)):
 * ascending field numbers, defaults omitted, offsets packed, lists in canonical order.
 * Refuses a model that a 1.0 reader would reject, naming the field.
 */
import { KsnapError, withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type {
  FileRef, IncrementalHandle, KeyedStateHandle, KeyGroupRange, OperatorState, SavepointHandle,
  SharedFileRef, Snapshot, SnapshotProperties, SubtaskState,
} from "../model.js";
import { compareCodePoints, compareFiles, compareHandles, compareOperators, compareSubtasks, sortedPositions } from "./canonical-order.js";
import { KIND_NUMBERS, OWNERSHIP_NUMBERS, SHARING_NUMBERS } from "./enums.js";
import { varint32Size, varint64Size, WireWriter as Writer } from "./wire-writer.js";

const VARINT = 0, I64 = 1, LEN = 2;
const U64_MAX = (1n << 64n) - 1n;
const { maxIdBytes, maxStringBytes, maxKeyGroups } = FORMAT_LIMITS;

/**
 * The size of the body, nearly exact for ASCII ids and paths and sizes below
 * 2^35, so that the writer allocates once (growing a large buffer costs a copy
 * and a second allocation, and external memory that brings on a full GC).
 */
export function estimateBodySize(snapshot: Snapshot): number {
  let bytes = 4096;
  for (const op of snapshot.operators ?? []) {
    for (const st of op.subtasks ?? []) {
      for (const h of st.handles ?? []) {
        if (h.type === "incremental") {
          bytes += 256 + filesSize(h.sharedFiles, SHARED_REF_OVERHEAD) + filesSize(h.privateFiles, FILE_REF_OVERHEAD) + FILE_REF_OVERHEAD + 256;
        } else {
          bytes += 256 + FILE_REF_OVERHEAD + 256 + (h.offsets?.length ?? 0) * 5;
        }
      }
    }
  }
  return bytes;
}

/** Tags, length prefixes and numbers of a file ref besides its id and path (size < 2^35, origin < 2^35). */
const FILE_REF_OVERHEAD = 3 + 2 + 2 + 6 + 9;
const SHARED_REF_OVERHEAD = FILE_REF_OVERHEAD + 6;
/** Refs of a list whose id and path lengths are read: reading every one costs a cache miss per string. */
const SAMPLES = 64;

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

/** About the bytes of a handle's message; never throws. */
function handleSize(h: KeyedStateHandle | undefined): number {
  if (typeof h !== "object" || h === null) return 0;
  if (h.type === "incremental") return 512 + filesSize(h.sharedFiles, SHARED_REF_OVERHEAD) + filesSize(h.privateFiles, FILE_REF_OVERHEAD);
  return 512 + (Array.isArray(h.offsets) ? h.offsets.length * 5 : 0);
}

function subtaskSize(st: SubtaskState | undefined): number {
  if (typeof st !== "object" || st === null || !Array.isArray(st.handles)) return 0;
  let bytes = 16;
  for (const h of st.handles) bytes += 8 + handleSize(h);
  return bytes;
}

function operatorSize(op: OperatorState | undefined): number {
  if (typeof op !== "object" || op === null || !Array.isArray(op.subtasks)) return 0;
  let bytes = 128;
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

function invalid(field: string, message: string): KsnapError {
  return new KsnapError("INVALID_FIELD", message, { field });
}

function required(ok: boolean, field: string, what: string): void {
  if (!ok) throw new KsnapError("MISSING_FIELD", `${what} is required in format 1.0 and is absent or zero`, { field });
}

function tag(w: Writer, field: number, wireType: number): Writer {
  w.varint32((field << 3) | wireType);
  return w;
}

function u32(w: Writer, field: number, v: number, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(name, `${name} ${v} is not an integer in [0, 2^32)`);
  if (v !== 0) tag(w, field, VARINT).varint32(v);
}

function u64(w: Writer, field: number, v: bigint, name: string): void {
  if (v !== 0n) writeU64(tag(w, field, VARINT), v, name);
}

function writeU64(w: Writer, v: bigint, name: string): void {
  checkU64(v, name);
  w.varint64(v);
}

function checkU64(v: bigint, name: string): void {
  if (typeof v !== "bigint" || v < 0n || v > U64_MAX) throw invalid(name, `${name} ${String(v)} is not a bigint in [0, 2^64)`);
}

function fixed64(w: Writer, field: number, v: bigint, name: string): void {
  checkU64(v, name);
  if (v !== 0n) tag(w, field, I64).fixed64(v);
}

function str(w: Writer, field: number, v: string, maxBytes: number, name: string): void {
  if (typeof v !== "string") throw invalid(name, `${name} is not a string`);
  if (v === "") return;
  const bytes = tag(w, field, LEN).string(v);
  if (bytes < 0) throw invalid(name, `${name} contains a lone UTF-16 surrogate and has no UTF-8 form`);
  if (bytes > maxBytes) throw invalid(name, `${name} is ${bytes} bytes of UTF-8; at most ${maxBytes} are allowed`);
}

function bool(w: Writer, field: number, v: boolean): void {
  if (v) tag(w, field, VARINT).varint32(1);
}

function enumField<T extends string>(w: Writer, field: number, table: Readonly<Record<T, number>>, v: T, name: string): void {
  const n = Object.hasOwn(table, v) ? table[v] : undefined;
  if (n === undefined) throw invalid(name, `${name} "${String(v)}" is not one of ${Object.keys(table).join(", ")}`);
  tag(w, field, VARINT).varint32(n);
}

function message(w: Writer, field: number, write: () => void, reserve = 1): void {
  const mark = tag(w, field, LEN).begin(reserve);
  write();
  w.end(mark, reserve);
}

/** Writes `items` in `compare` order; an error names the item by its index in `items`, as the caller gave them. */
function list<T>(items: readonly T[], compare: (a: T, b: T) => number, name: string, write: (item: T) => void): void {
  if (!Array.isArray(items)) throw invalid(name, `${name} is not a list`);
  const order = sortedPositions(items, compare);
  for (let k = 0; k < items.length; k++) {
    const i = order === undefined ? k : order[k]!;
    try {
      write(items[i]!);
    } catch (e) {
      withContext(e, `${name}[${i}]`);
    }
  }
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
  list(s.operators, compareOperators, "operators", (op) => message(w, 5, () => writeOperator(w, op), reserveFor(operatorSize(op))));
  str(w, 6, s.snapshotDir, maxStringBytes, "snapshotDir");
  str(w, 7, s.jobId, maxIdBytes, "jobId");
  u64(w, 8, s.timestampMillis, "timestampMillis");
}

function writeProperties(w: Writer, p: SnapshotProperties): void {
  bool(w, 1, p.incremental);
  bool(w, 2, p.keyGroupAware);
  enumField(w, 3, SHARING_NUMBERS, p.sharing, "properties.sharing");
  enumField(w, 4, OWNERSHIP_NUMBERS, p.ownership, "properties.ownership");
}

function writeOperator(w: Writer, op: OperatorState): void {
  required(op.operatorId !== "", "operatorId", "operator_id");
  str(w, 1, op.operatorId, maxIdBytes, "operatorId");
  str(w, 2, op.name, maxStringBytes, "name");
  required(op.parallelism !== 0, "parallelism", "parallelism");
  u32(w, 3, op.parallelism, "parallelism");
  list(op.subtasks, compareSubtasks, "subtasks", (st) => message(w, 4, () => writeSubtask(w, st), reserveFor(subtaskSize(st))));
}

function writeSubtask(w: Writer, st: SubtaskState): void {
  u32(w, 1, st.subtaskIndex, "subtaskIndex");
  list(st.handles, compareHandles, "handles", (h) => message(w, 2, () => writeHandle(w, h), reserveFor(handleSize(h) + 8)));
}

function writeHandle(w: Writer, h: KeyedStateHandle): void {
  if (h.type === "incremental") message(w, 1, () => writeIncremental(w, h), reserveFor(handleSize(h)));
  else if (h.type === "savepoint") message(w, 2, () => writeSavepoint(w, h));
  else throw invalid("type", `handle type "${String((h as { type: unknown }).type)}" is not incremental or savepoint`);
}

function writeKeyGroups(w: Writer, field: number, kg: KeyGroupRange): void {
  required(kg !== undefined && kg !== null, "keyGroups", "key_groups");
  message(w, field, () => {
    u32(w, 1, kg.start, "keyGroups.start");
    u32(w, 2, kg.count, "keyGroups.count");
  });
}

function writeIncremental(w: Writer, h: IncrementalHandle): void {
  try {
    required(h.backendId !== "", "backendId", "backend_id");
    str(w, 1, h.backendId, maxIdBytes, "backendId");
    writeKeyGroups(w, 2, h.keyGroups);
    required(h.folder !== "", "folder", "folder");
    str(w, 3, h.folder, maxStringBytes, "folder");
    required(h.checkpointId !== 0n, "checkpointId", "checkpoint_id");
    u64(w, 4, h.checkpointId, "checkpointId");
    u64(w, 5, h.baseCheckpointId, "baseCheckpointId");
    writeFileList(w, 6, h.sharedFiles, "sharedFiles", true);
    writeFileList(w, 7, h.privateFiles, "privateFiles", false);
    required(h.metaFile !== undefined && h.metaFile !== null, "metaFile", "meta_file");
    message(w, 8, () => writeFileIn(w, h.metaFile, "metaFile"));
    u64(w, 9, h.stateSize, "stateSize");
    u64(w, 10, h.checkpointedSize, "checkpointedSize");
  } catch (e) {
    withContext(e, "incremental");
  }
}

function writeSavepoint(w: Writer, h: SavepointHandle): void {
  try {
    writeKeyGroups(w, 1, h.keyGroups);
    required(h.dataFile !== undefined && h.dataFile !== null, "dataFile", "data_file");
    message(w, 2, () => writeFileIn(w, h.dataFile, "dataFile"));
    if (!Array.isArray(h.offsets)) throw invalid("offsets", "offsets is not a list");
    if (h.offsets.length > maxKeyGroups) throw invalid("offsets", `${h.offsets.length} offsets exceed ${maxKeyGroups}`);
    if (h.offsets.length > 0) {
      message(w, 3, () => h.offsets.forEach((o, i) => writeU64(w, o, `offsets[${i}]`)));
    }
  } catch (e) {
    withContext(e, "savepoint");
  }
}

/**
 * Writes a list of file refs in canonical order. The hot loop of a large
 * checkpoint: a list that is already in order and valid (the usual case) is
 * checked and written in one pass; otherwise the writer is rewound and the
 * list goes through {@link writeFiles}, which sorts, validates and reports
 * exactly as always.
 */
function writeFileList(w: Writer, field: number, files: readonly FileRef[], name: string, shared: boolean): void {
  const start = w.length;
  if (Array.isArray(files) && writeSortedValidFiles(w, (field << 3) | LEN, files, shared)) return;
  w.rewind(start);
  writeFiles(w, field, files, name, shared);
}

/** Writes `files` when they are in canonical order and valid; returns false (with partial output) otherwise. */
function writeSortedValidFiles(w: Writer, tagByte: number, files: readonly FileRef[], shared: boolean): boolean {
  let prev = "";
  // True when `prev` is ASCII (its UTF-8 length is its length): then it holds no
  // surrogates and JavaScript's native order is code point order.
  let prevAscii = true;
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const id = f.id;
      if (typeof id !== "string" || id === "") return false;
      if (i > 0 && (prevAscii ? prev > id : compareCodePoints(prev, id) > 0)) return false;
      const idBytes = writeValidFile(w, tagByte, f, id, shared);
      if (idBytes < 0) return false;
      prev = id;
      prevAscii = idBytes === id.length;
    }
  } catch {
    return false;
  }
  return true;
}

/**
 * One file ref of a list, without the error paths of {@link writeFile}:
 * returns the UTF-8 length of the id, or -1 when anything is invalid. The
 * length prefix is sized for the message as it is when id and path are
 * ASCII, so that it rarely needs shifting.
 */
function writeValidFile(w: Writer, tagByte: number, f: FileRef, id: string, shared: boolean): number {
  const { path, size, xxh64 } = f;
  if (typeof path !== "string" || path === "") return -1;
  if (typeof size !== "bigint" || typeof xxh64 !== "bigint") return -1;
  // Sizes and origins usually fit 32 bits: one conversion serves the length estimate and the write.
  const smallSize = size >= 0n && size <= 0xffffffffn ? Number(size) : -1;
  if (smallSize < 0 && (size < 0n || size > U64_MAX)) return -1;
  if (xxh64 < 0n || xxh64 > U64_MAX) return -1;
  let length = 2 + varint32Size(id.length) + id.length + varint32Size(path.length) + path.length
    + (size === 0n ? 0 : 1 + (smallSize >= 0 ? varint32Size(smallSize) : varint64Size(size))) + (xxh64 === 0n ? 0 : 9);
  let origin = 0n, smallOrigin = -1;
  if (shared) {
    origin = (f as SharedFileRef).originCheckpointId;
    if (typeof origin !== "bigint" || origin <= 0n || origin > U64_MAX) return -1;
    if (origin <= 0xffffffffn) smallOrigin = Number(origin);
    length += 1 + (smallOrigin >= 0 ? varint32Size(smallOrigin) : varint64Size(origin));
  }
  w.varint32(tagByte);
  const reserve = varint32Size(length);
  const mark = w.begin(reserve);
  const idBytes = w.fieldString(0x0a, id); // field 1, LEN
  if (idBytes < 0 || idBytes > maxIdBytes) return -1;
  const pathBytes = w.fieldString(0x12, path); // field 2, LEN
  if (pathBytes < 0 || pathBytes > maxStringBytes) return -1;
  if (smallSize > 0) w.fieldVarint32(0x18, smallSize); // field 3, VARINT
  else if (smallSize < 0) w.fieldVarint64(0x18, size);
  if (xxh64 !== 0n) w.fieldFixed64(0x21, xxh64); // field 4, I64
  if (shared) { // field 5, VARINT
    if (smallOrigin >= 0) w.fieldVarint32(0x28, smallOrigin);
    else w.fieldVarint64(0x28, origin);
  }
  w.end(mark, reserve);
  return idBytes;
}

/** The careful loop, in canonical order: validation errors name the field and the ref's index in `files`. */
function writeFiles(w: Writer, field: number, files: readonly FileRef[], name: string, shared: boolean): void {
  list(files, compareFiles, name, (f) => {
    const mark = tag(w, field, LEN).begin();
    writeFile(w, f, shared);
    w.end(mark);
  });
}

function writeFileIn(w: Writer, f: FileRef, field: string): void {
  try {
    writeFile(w, f, false);
  } catch (e) {
    withContext(e, field);
  }
}

function writeFile(w: Writer, f: FileRef | SharedFileRef, shared: boolean): void {
  if (typeof f !== "object" || f === null) throw invalid("", "file ref is not an object");
  required(typeof f.id === "string" && f.id !== "", "id", "file id");
  str(w, 1, f.id, maxIdBytes, "id");
  required(typeof f.path === "string" && f.path !== "", "path", "file path");
  str(w, 2, f.path, maxStringBytes, "path");
  u64(w, 3, f.size, "size");
  fixed64(w, 4, f.xxh64, "xxh64");
  if (shared) {
    const origin = (f as SharedFileRef).originCheckpointId;
    required(typeof origin === "bigint" && origin !== 0n, "originCheckpointId", "origin_checkpoint_id");
    u64(w, 5, origin, "originCheckpointId");
  }
}
