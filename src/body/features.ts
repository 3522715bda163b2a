/**
 * Required-feature bits and the version a snapshot is written as
 * ([spec](../../spec/format-v1.md#required-features)). A writer writes the lowest minor and the fewest bits that
 * express the snapshot: one that uses nothing of 1.1 is written as 1.0, byte for byte as a 1.0 writer would.
 */
import type {
  FileRef, KeyedStateHandle, OpaqueHandle, OperatorState, OperatorStateHandle, Snapshot, StreamRef, SubtaskState,
} from "../model.js";
import { canonicalHandle } from "./canonical-form.js";

/** Bit 0: SubtaskState.managed_operator_state or raw_operator_state. */
export const FEATURE_OPERATOR_STATE = 1 << 0;
/** Bit 1: SubtaskState.raw_keyed_handles. */
export const FEATURE_RAW_KEYED_STATE = 1 << 1;
/** Bit 2: a StreamRef.segment. */
export const FEATURE_SEGMENTS = 1 << 2;
/** Bit 3: a keyed handle of variant stream_incremental or key_groups_stream. */
export const FEATURE_STREAM_HANDLES = 1 << 3;
/** Bit 4: a keyed handle of variant opaque, or SubtaskState.channel_state. */
export const FEATURE_OPAQUE_HANDLES = 1 << 4;
/** Bit 5: OperatorState.coordinator_state or Snapshot.master_states. */
export const FEATURE_COORDINATOR_AND_MASTER_STATE = 1 << 5;
/** Bit 6: a StreamRef.external. */
export const FEATURE_EXTERNAL_REFS = 1 << 6;
/** Bit 7: OperatorState.finished or SubtaskState.finished. */
export const FEATURE_FINISHED_MARKERS = 1 << 7;
/** Bit 8: an OperatorState.max_parallelism that is non-zero and differs from Snapshot.max_parallelism. */
export const FEATURE_OPERATOR_MAX_PARALLELISM = 1 << 8;

/** Every bit format 1.1 defines, by name: for messages and for the table in the spec. */
export const FEATURE_NAMES: Readonly<Record<number, string>> = {
  [FEATURE_OPERATOR_STATE]: "OPERATOR_STATE",
  [FEATURE_RAW_KEYED_STATE]: "RAW_KEYED_STATE",
  [FEATURE_SEGMENTS]: "SEGMENTS",
  [FEATURE_STREAM_HANDLES]: "STREAM_HANDLES",
  [FEATURE_OPAQUE_HANDLES]: "OPAQUE_HANDLES",
  [FEATURE_COORDINATOR_AND_MASTER_STATE]: "COORDINATOR_AND_MASTER_STATE",
  [FEATURE_EXTERNAL_REFS]: "EXTERNAL_REFS",
  [FEATURE_FINISHED_MARKERS]: "FINISHED_MARKERS",
  [FEATURE_OPERATOR_MAX_PARALLELISM]: "OPERATOR_MAX_PARALLELISM",
};

/** "bit 3 (STREAM_HANDLES)", for error messages. */
export function describeFeature(bit: number): string {
  return `bit ${Math.log2(bit)} (${FEATURE_NAMES[bit] ?? "unknown"})`;
}

/** The version and feature bits a snapshot is written with. */
export interface WrittenVersion {
  major: 1;
  minor: 0 | 1;
  requiredFeatures: number;
}

/** What a walk found: the bits, and whether any 1.1 field (ignorable ones included) holds a non-default value. */
interface Usage { bits: number; uses11: boolean }

/**
 * The required-feature bits of the file `snapshot` is written as ([spec](../../spec/format-v1.md#required-features)):
 * exactly the bits of the 1.1 structures the file holds, after the canonical choice of form.
 */
export function requiredFeaturesOf(snapshot: Snapshot): number {
  return usageOf(snapshot).bits;
}

/** The version `snapshot` is written as: 1.1 when any 1.1 field is set (even an ignorable one), else 1.0 with no bits. */
export function formatVersionOf(snapshot: Snapshot): WrittenVersion {
  const { bits, uses11 } = usageOf(snapshot);
  return uses11 || bits !== 0 ? { major: 1, minor: 1, requiredFeatures: bits } : { major: 1, minor: 0, requiredFeatures: 0 };
}

const set = (s: string | undefined): boolean => typeof s === "string" && s !== "";
const some = <T>(list: readonly T[] | undefined): list is readonly T[] => Array.isArray(list) && list.length > 0;

// The walk tolerates malformed input (the encoder reports it, with its field path); it only reads what is there.
function usageOf(s: Snapshot): Usage {
  const u: Usage = { bits: 0, uses11: s.source !== undefined && s.source !== null };
  if (some(s.masterStates)) u.bits |= FEATURE_COORDINATOR_AND_MASTER_STATE;
  for (const op of Array.isArray(s.operators) ? s.operators : []) operatorUsage(u, op, s.maxParallelism);
  return u;
}

function operatorUsage(u: Usage, op: OperatorState, snapshotMaxParallelism: number): void {
  if (typeof op !== "object" || op === null) return;
  if (set(op.uid)) u.uses11 = true;
  if (op.maxParallelism !== undefined && op.maxParallelism !== 0 && op.maxParallelism !== snapshotMaxParallelism) {
    u.bits |= FEATURE_OPERATOR_MAX_PARALLELISM;
  }
  if (op.coordinatorState !== undefined && op.coordinatorState !== null) {
    u.bits |= FEATURE_COORDINATOR_AND_MASTER_STATE;
    streamUsage(u, op.coordinatorState);
  }
  if (op.finished === true) u.bits |= FEATURE_FINISHED_MARKERS;
  for (const st of Array.isArray(op.subtasks) ? op.subtasks : []) subtaskUsage(u, st);
}

function subtaskUsage(u: Usage, st: SubtaskState): void {
  if (typeof st !== "object" || st === null) return;
  for (const h of Array.isArray(st.handles) ? st.handles : []) handleUsage(u, h);
  for (const osh of [st.managedOperatorState, st.rawOperatorState]) {
    if (osh === undefined || osh === null) continue;
    u.bits |= FEATURE_OPERATOR_STATE;
    operatorStateUsage(u, osh);
  }
  if (some(st.rawKeyedHandles)) {
    u.bits |= FEATURE_RAW_KEYED_STATE;
    for (const h of st.rawKeyedHandles) handleUsage(u, h);
  }
  if (some(st.channelState)) {
    u.bits |= FEATURE_OPAQUE_HANDLES;
    for (const h of st.channelState) opaqueUsage(u, h);
  }
  if (st.finished === true) u.bits |= FEATURE_FINISHED_MARKERS;
}

function operatorStateUsage(u: Usage, osh: OperatorStateHandle): void {
  if (typeof osh === "object") streamUsage(u, osh.stream);
}

function handleUsage(u: Usage, handle: KeyedStateHandle): void {
  if (typeof handle !== "object" || handle === null) return;
  const h = canonicalHandle(handle);
  switch (h.type) {
    case "incremental":
      filesUsage(u, h.sharedFiles);
      filesUsage(u, h.privateFiles);
      filesUsage(u, [h.metaFile]);
      return;
    case "savepoint":
      filesUsage(u, [h.dataFile]);
      return;
    case "stream-incremental":
      u.bits |= FEATURE_STREAM_HANDLES;
      streamsUsage(u, h.sharedFiles);
      streamsUsage(u, h.privateFiles);
      streamUsage(u, h.meta);
      return;
    case "key-groups-stream":
      u.bits |= FEATURE_STREAM_HANDLES;
      streamUsage(u, h.data);
      return;
    case "opaque":
      opaqueUsage(u, h);
      return;
  }
}

function opaqueUsage(u: Usage, h: OpaqueHandle): void {
  if (typeof h !== "object" || h === null) return;
  u.bits |= FEATURE_OPAQUE_HANDLES;
  streamsUsage(u, h.files);
  streamsUsage(u, h.sharedFiles);
}

/** A 1.0 file ref sets no bit; its local name (ignorable) makes the file 1.1. */
function filesUsage(u: Usage, files: readonly (FileRef | undefined)[] | undefined): void {
  for (const f of Array.isArray(files) ? files : []) if (typeof f === "object" && f !== null && set(f.localName)) u.uses11 = true;
}

function streamsUsage(u: Usage, streams: readonly StreamRef[] | undefined): void {
  for (const s of Array.isArray(streams) ? streams : []) streamUsage(u, s);
}

/** A stream is 1.1 wherever it is; segments and external refs add their bits. */
function streamUsage(u: Usage, s: StreamRef | undefined): void {
  if (typeof s !== "object" || s === null) return;
  u.uses11 = true;
  if (s.type === "segment") u.bits |= FEATURE_SEGMENTS;
  else if (s.type === "external") u.bits |= FEATURE_EXTERNAL_REFS;
}
