/**
 * A test-only writer of Apache Flink's checkpoint `_metadata` (format versions 3 to 6), following the byte layout
 * in /work/shared/REFERENCE.md ("Flink's `_metadata`, byte by byte") and spec/flink.md. Never shipped: it exists to
 * build Flink job directories that the 21 real fixtures do not cover (shared files reused across checkpoints).
 */
import { CHECKPOINT_PROPERTIES, NULL_PROPERTIES, SAVEPOINT_PROPERTIES } from "./checkpoint-properties.js";
import { DataOutput } from "./data-output.js";

/** `_metadata` starts with this i32. */
export const FLINK_METADATA_MAGIC = 0x4960672d;
const MASTER_STATE_MAGIC = 0xc96b1696;

/** A stream handle: tag 1 inline bytes, tag 2 absolute `FileStateHandle`, tag 6 `RelativeFileStateHandle`. */
export type FlinkStreamHandle =
  | { readonly kind: "inline"; readonly name: string; readonly data: Uint8Array }
  | { readonly kind: "file"; readonly path: string; readonly size: number }
  | { readonly kind: "relative"; readonly relativePath: string; readonly size: number };

/** One `(localPath, handle)` entry of an incremental handle's shared or private files. */
export interface FlinkNamedHandle {
  readonly localPath: string;
  readonly handle: FlinkStreamHandle;
}

/** Key groups `start .. start + count - 1`. */
export interface FlinkKeyGroupRange {
  readonly start: number;
  readonly count: number;
}

/** `IncrementalRemoteKeyedStateHandle`, written as tag 11. */
export interface FlinkIncrementalHandle {
  readonly kind: "incremental";
  readonly checkpointId: number;
  readonly backendId: string;
  readonly keyGroups: FlinkKeyGroupRange;
  readonly checkpointedSize: number;
  readonly meta: FlinkStreamHandle | null;
  readonly shared: readonly FlinkNamedHandle[];
  readonly private: readonly FlinkNamedHandle[];
  readonly stateHandleId: string;
}

/**
 * A key-groups handle: tag 3 `KeyGroupsStateHandle`, 12 its V2 (with `stateHandleId`), 7
 * `KeyGroupsSavepointStateHandle`. One offset per key group, starting at `startKeyGroup`.
 */
export interface FlinkKeyGroupsHandle {
  readonly kind: "key-groups";
  readonly tag: 3 | 7 | 12;
  readonly startKeyGroup: number;
  readonly offsets: readonly number[];
  readonly data: FlinkStreamHandle | null;
  /** Written for tag 12 only. */
  readonly stateHandleId?: string;
}

/** A keyed state handle, or null (tag 0). */
export type FlinkKeyedHandle = FlinkIncrementalHandle | FlinkKeyGroupsHandle | null;

/** Flink's `OperatorStateHandle.Mode`, by ordinal. */
export const OPERATOR_STATE_MODES = { SPLIT_DISTRIBUTE: 0, UNION: 1, BROADCAST: 2 } as const;

/** `OperatorStreamStateHandle`, tag 4: named states with their offsets in one delegate stream. */
export interface FlinkOperatorHandle {
  readonly states: readonly {
    readonly name: string;
    readonly mode: keyof typeof OPERATOR_STATE_MODES;
    readonly offsets: readonly number[];
  }[];
  readonly delegate: FlinkStreamHandle | null;
}

/** One subtask's state. `finished` writes the V3+ finished marker (`-(index+1)`) and nothing else. */
export interface FlinkSubtask {
  readonly index: number;
  readonly finished?: boolean;
  readonly managedOperatorState?: FlinkOperatorHandle | null;
  readonly rawOperatorState?: FlinkOperatorHandle | null;
  readonly managedKeyedState?: FlinkKeyedHandle;
  readonly rawKeyedState?: FlinkKeyedHandle;
}

/** An operator. `id` is 32 hex digits: Flink's OperatorID as printed (lower long, then upper long). */
export interface FlinkOperator {
  readonly name: string;
  readonly uid: string;
  readonly id: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Tag 0 when absent; Flink only ever writes inline coordinator state. */
  readonly coordinatorState?: (FlinkStreamHandle & { kind: "inline" }) | null;
  /** `"finished"` writes V3+'s fully-finished operator (count −1). */
  readonly subtasks: readonly FlinkSubtask[] | "finished";
}

/** A master hook's state. */
export interface FlinkMasterState {
  readonly name: string;
  readonly version: number;
  readonly payload: Uint8Array;
}

/** The whole `_metadata`. */
export interface FlinkMetadata {
  readonly version: 3 | 4 | 5 | 6;
  readonly checkpointId: number;
  readonly masterStates?: readonly FlinkMasterState[];
  readonly operators: readonly FlinkOperator[];
  /**
   * V4+ only: `"checkpoint"` / `"savepoint"` (bytes copied from real files, see checkpoint-properties.ts), `null`
   * for Java's null, or raw Java serialization bytes. Defaults to `"checkpoint"`.
   */
  readonly properties?: "checkpoint" | "savepoint" | null | Uint8Array;
}

/**
 * The bytes of a Flink `_metadata` file for `model`: big-endian DataOutputStream encoding, strings as Java
 * modified UTF-8, channel state written as empty lists (V3+), CheckpointProperties at the end (V4+).
 */
export function writeFlinkMetadata(model: FlinkMetadata): Uint8Array {
  const out = new DataOutput();
  const v = model.version;
  out.int(FLINK_METADATA_MAGIC).int(v).long(model.checkpointId);
  const masters = model.masterStates ?? [];
  out.int(masters.length);
  for (const m of masters) {
    const body = new DataOutput().int(m.version).utf(m.name).int(m.payload.length).bytes(m.payload).toBytes();
    out.int(MASTER_STATE_MAGIC).int(body.length).bytes(body);
  }
  out.int(model.operators.length);
  for (const op of model.operators) writeOperator(out, op, v);
  if (v >= 4) out.bytes(propertiesBytes(model.properties === undefined ? "checkpoint" : model.properties));
  return out.toBytes();
}

function propertiesBytes(p: FlinkMetadata["properties"]): Uint8Array {
  if (p === null) return NULL_PROPERTIES;
  if (p === "checkpoint") return CHECKPOINT_PROPERTIES;
  if (p === "savepoint") return SAVEPOINT_PROPERTIES;
  return p ?? CHECKPOINT_PROPERTIES;
}

/** The 16 bytes of an OperatorID from its 32 hex digits (they stand in the file in printed order). */
export function operatorIdBytes(id: string): Uint8Array {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`operator id must be 32 lowercase hex digits: ${id}`);
  return Uint8Array.from(Buffer.from(id, "hex"));
}

function writeOperator(out: DataOutput, op: FlinkOperator, v: number): void {
  if (v >= 5) out.utf(op.name).utf(op.uid);
  out.bytes(operatorIdBytes(op.id)).int(op.parallelism).int(op.maxParallelism);
  writeStreamHandle(out, op.coordinatorState ?? null);
  if (op.subtasks === "finished") {
    out.int(-1);
    return;
  }
  out.int(op.subtasks.length);
  for (const s of op.subtasks) {
    if (s.finished) {
      out.int(-(s.index + 1));
      continue;
    }
    out.int(s.index);
    writeOptionalOperatorHandle(out, s.managedOperatorState ?? null);
    writeOptionalOperatorHandle(out, s.rawOperatorState ?? null);
    writeKeyedHandle(out, s.managedKeyedState ?? null);
    writeKeyedHandle(out, s.rawKeyedState ?? null);
    out.int(0).int(0); // input and output channel state: none
  }
}

/** Writes a stream handle with its tag byte (0 for null). */
export function writeStreamHandle(out: DataOutput, h: FlinkStreamHandle | null): void {
  if (h === null) out.byte(0);
  else if (h.kind === "inline") out.byte(1).utf(h.name).int(h.data.length).bytes(h.data);
  else if (h.kind === "file") out.byte(2).long(h.size).utf(h.path);
  else out.byte(6).utf(h.relativePath).long(h.size);
}

function writeOptionalOperatorHandle(out: DataOutput, h: FlinkOperatorHandle | null): void {
  if (h === null) {
    out.int(0);
    return;
  }
  out.int(1).byte(4).int(h.states.length);
  for (const s of h.states) {
    out.utf(s.name).byte(OPERATOR_STATE_MODES[s.mode]).int(s.offsets.length);
    for (const o of s.offsets) out.long(o);
  }
  writeStreamHandle(out, h.delegate);
}

/** Writes a keyed state handle with its tag byte (0 for null). */
export function writeKeyedHandle(out: DataOutput, h: FlinkKeyedHandle): void {
  if (h === null) {
    out.byte(0);
    return;
  }
  if (h.kind === "key-groups") {
    out.byte(h.tag).int(h.startKeyGroup).int(h.offsets.length);
    for (const o of h.offsets) out.long(o);
    writeStreamHandle(out, h.data);
    if (h.tag === 12) out.utf(h.stateHandleId ?? "");
    return;
  }
  out.byte(11).long(h.checkpointId).utf(h.backendId).int(h.keyGroups.start).int(h.keyGroups.count);
  out.long(h.checkpointedSize);
  writeStreamHandle(out, h.meta);
  for (const list of [h.shared, h.private]) {
    out.int(list.length);
    for (const e of list) {
      out.utf(e.localPath);
      writeStreamHandle(out, e.handle);
    }
  }
  out.utf(h.stateHandleId);
}
