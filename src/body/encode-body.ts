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
import { compareFiles, compareHandles, compareOperators, compareSubtasks, inOrder } from "./canonical-order.js";
import { KIND_NUMBERS, OWNERSHIP_NUMBERS, SHARING_NUMBERS } from "./enums.js";
import { WireWriter as Writer } from "./wire-writer.js";

const VARINT = 0, I64 = 1, LEN = 2;
const U64_MAX = (1n << 64n) - 1n;
const { maxIdBytes, maxStringBytes, maxKeyGroups } = FORMAT_LIMITS;

/** A rough size of the body, so the writer allocates once for large checkpoints. */
export function estimateBodySize(snapshot: Snapshot): number {
  let refs = 0;
  for (const op of snapshot.operators ?? []) {
    for (const st of op.subtasks ?? []) {
      for (const h of st.handles ?? []) {
        refs += h.type === "incremental" ? (h.sharedFiles?.length ?? 0) + (h.privateFiles?.length ?? 0) + 1 : 1 + (h.offsets?.length ?? 0) / 8;
      }
    }
  }
  return 4096 + Math.ceil(refs * 128);
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

function message(w: Writer, field: number, write: () => void): void {
  const mark = tag(w, field, LEN).begin();
  write();
  w.end(mark);
}

function list<T>(items: readonly T[], name: string, write: (item: T) => void): void {
  if (!Array.isArray(items)) throw invalid(name, `${name} is not a list`);
  for (let i = 0; i < items.length; i++) {
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
  enumField(w, 2, KIND_NUMBERS, s.kind, "kind");
  required(s.properties !== undefined && s.properties !== null, "properties", "properties");
  message(w, 3, () => writeProperties(w, s.properties));
  required(s.maxParallelism !== 0, "maxParallelism", "max_parallelism");
  if (s.maxParallelism > maxKeyGroups) throw invalid("maxParallelism", `max_parallelism ${s.maxParallelism} exceeds ${maxKeyGroups}`);
  u32(w, 4, s.maxParallelism, "maxParallelism");
  list(inOrder(s.operators, compareOperators), "operators", (op) => message(w, 5, () => writeOperator(w, op)));
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
  list(inOrder(op.subtasks, compareSubtasks), "subtasks", (st) => message(w, 4, () => writeSubtask(w, st)));
}

function writeSubtask(w: Writer, st: SubtaskState): void {
  u32(w, 1, st.subtaskIndex, "subtaskIndex");
  list(inOrder(st.handles, compareHandles), "handles", (h) => message(w, 2, () => writeHandle(w, h)));
}

function writeHandle(w: Writer, h: KeyedStateHandle): void {
  if (h.type === "incremental") message(w, 1, () => writeIncremental(w, h));
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
    writeFiles(w, 6, inOrder(h.sharedFiles, compareFiles), "sharedFiles", true);
    writeFiles(w, 7, inOrder(h.privateFiles, compareFiles), "privateFiles", false);
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

/** The hot loop of a large checkpoint: no closure per file. */
function writeFiles(w: Writer, field: number, files: readonly FileRef[], name: string, shared: boolean): void {
  if (!Array.isArray(files)) throw invalid(name, `${name} is not a list`);
  for (let i = 0; i < files.length; i++) {
    try {
      const mark = tag(w, field, LEN).begin();
      writeFile(w, files[i]!, shared);
      w.end(mark);
    } catch (e) {
      withContext(e, `${name}[${i}]`);
    }
  }
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
