/**
 * `flinkToSnapshot`: a Flink `_metadata` AST ({@link readFlinkMetadata}) to a KSNAP snapshot, following
 * [spec/flink.md](../../spec/flink.md)'s mapping tables and "Rules of the mapping". One snapshot is converted alone:
 * shared files' origin is the snapshot's own checkpoint (`flinkHistoryToSnapshots`, convert-history.ts, derives history-wide ones).
 */
import { compareCodePoints, compareNames, compareOpaque } from "../body/canonical-order.js";
import { KsnapError } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type {
  KeyedStateHandle, MasterState, OperatorState, Snapshot, SnapshotKind, SnapshotProperties, SubtaskState,
} from "../model.js";
import { convertChannelHandle, convertKeyedHandle, convertOperatorHandle, type HandleContext } from "./convert-handles.js";
import { NoteList, type ConversionNote } from "./convert-notes.js";
import { fillEmptyKeyGroups } from "./convert-key-groups.js";
import { FlinkPathResolver } from "./convert-paths.js";
import type { FlinkCheckpointProperties, FlinkKeyedHandle, FlinkMetadata, FlinkOperatorState, FlinkSubtaskState } from "./flink-model.js";

export type { ConversionNote, ConversionNoteCode } from "./convert-notes.js";

/** The system name in `Snapshot.source`. */
export const FLINK_SOURCE_SYSTEM = "apache-flink";

/** Options of {@link flinkToSnapshot}. */
export interface FlinkConversionOptions {
  /**
   * Absolute path or URI of the snapshot root: the job directory for a checkpoint, the savepoint folder for a
   * savepoint. Absolute file paths under it become root-relative; without it every absolute path is external.
   */
  jobDir?: string;
  /**
   * Other spellings of the root (needs `jobDir`): its real path when `jobDir` goes through a symbolic link, and the
   * path or URI Flink wrote the job directory under when it is read here under another one (`--job-uri`).
   */
  jobDirAliases?: readonly string[];
  /** The folder holding `_metadata`, relative to the root: `chk-42`, or `""` for a savepoint. */
  snapshotDir: string;
  /** Required when the file has no CheckpointProperties (V2, V3, or a Java null); otherwise it must agree with them. */
  kind?: SnapshotKind;
  /** The KSNAP `snapshot_id` to write instead of Flink's checkpoint id (≥ 1); `source.checkpointId` keeps Flink's. */
  checkpointIdOverride?: bigint;
}

/** A converted snapshot and what the conversion has to say about it. */
export interface FlinkConversion {
  snapshot: Snapshot;
  notes: ConversionNote[];
}

/**
 * Converts one Flink snapshot. Anything that cannot be converted is a {@link KsnapError} naming the Flink field
 * (`operators[3].subtasks[0].managedKeyedState…`): MISSING_FIELD (a null stream where one is required, no kind for
 * a file without properties), INVALID_FIELD, UNSAFE_PATH (a path with `..`, a bad relative path), LIMIT_EXCEEDED,
 * INVALID_OPERATION (a bad option).
 */
export function flinkToSnapshot(meta: FlinkMetadata, options: FlinkConversionOptions): FlinkConversion {
  const notes = new NoteList();
  const snapshotId = snapshotIdOf(meta, options, notes);
  const ctx: HandleContext = { paths: new FlinkPathResolver(options.jobDir, options.snapshotDir, options.jobDirAliases), notes, origin: snapshotId };
  const maxParallelism = commonMaxParallelism(meta.operators, notes);
  const operators = meta.operators.map((op, i) => convertOperator(ctx, op, `operators[${i}]`, maxParallelism, options.snapshotDir));
  operators.sort((a, b) => compareCodePoints(a.operatorId, b.operatorId));
  const masterStates = [...meta.masterStates]
    .map((m): MasterState => ({ name: m.name, version: m.version, payload: m.payload }))
    .sort(compareNames);
  const { kind, properties } = kindAndProperties(meta, options, operators, notes);
  if (properties.keyGroupAware) fillEmptyKeyGroups(operators, (op) => op.maxParallelism ?? maxParallelism, notes);
  const snapshot: Snapshot = {
    snapshotId, kind, properties, maxParallelism, operators, snapshotDir: options.snapshotDir, jobId: "", timestampMillis: 0n,
    source: { system: FLINK_SOURCE_SYSTEM, formatVersion: meta.version, checkpointId: meta.checkpointId },
  };
  if (masterStates.length > 0) snapshot.masterStates = masterStates;
  return { snapshot, notes: notes.notes };
}

function snapshotIdOf(meta: FlinkMetadata, options: FlinkConversionOptions, notes: NoteList): bigint {
  if (options.checkpointIdOverride !== undefined) {
    if (options.checkpointIdOverride < 1n) {
      throw new KsnapError("INVALID_OPERATION", `checkpoint id override ${options.checkpointIdOverride}: a snapshot_id is at least 1`);
    }
    return options.checkpointIdOverride;
  }
  if (meta.checkpointId < 0n) throw new KsnapError("INVALID_FIELD", `checkpoint id ${meta.checkpointId} is negative`, { field: "checkpointId" });
  if (meta.checkpointId === 0n) {
    notes.add("checkpoint-id-0", "checkpoint id 0 (State Processor API) is written as snapshot_id 1; source.checkpointId keeps 0", "checkpointId");
    return 1n;
  }
  return meta.checkpointId;
}

/** The value most operators have (ties: the largest); 128, Flink's default, when there is no operator. */
function commonMaxParallelism(ops: readonly FlinkOperatorState[], notes: NoteList): number {
  const counts = new Map<number, number>();
  for (const op of ops) counts.set(op.maxParallelism, (counts.get(op.maxParallelism) ?? 0) + 1);
  let best = 0;
  let bestCount = 0;
  for (const [v, n] of counts) if (n > bestCount || (n === bestCount && v > best)) [best, bestCount] = [v, n];
  if (ops.length === 0) {
    notes.add("no-operators", "the snapshot has no operator: max_parallelism is set to 128, Flink's default");
    return 128;
  }
  for (const [i, op] of ops.entries()) {
    if (op.maxParallelism < 1 || op.maxParallelism > FORMAT_LIMITS.maxKeyGroups) {
      throw new KsnapError("INVALID_FIELD", `max parallelism ${op.maxParallelism} is outside 1..${FORMAT_LIMITS.maxKeyGroups}`,
        { field: `operators[${i}].maxParallelism` });
    }
  }
  return best;
}

function convertOperator(ctx: HandleContext, op: FlinkOperatorState, field: string, maxParallelism: number, folder: string): OperatorState {
  const subtasks = op.subtasks.map((st, i) => convertSubtask(ctx, st, `${field}.subtasks[${i}]`, folder));
  subtasks.sort((a, b) => a.subtaskIndex - b.subtaskIndex);
  const out: OperatorState = { operatorId: op.operatorId, name: op.name ?? "", parallelism: op.parallelism, subtasks };
  if (op.maxParallelism !== maxParallelism) out.maxParallelism = op.maxParallelism;
  if (op.uid !== undefined && op.uid !== "") out.uid = op.uid;
  if (op.coordinatorState !== undefined && op.coordinatorState !== null) {
    const c = op.coordinatorState;
    out.coordinatorState = c.name === "" ? { type: "inline", data: c.data } : { type: "inline", data: c.data, name: c.name };
  }
  if (op.finished) out.finished = true;
  return out;
}

function convertSubtask(ctx: HandleContext, st: FlinkSubtaskState, field: string, folder: string): SubtaskState {
  const out: SubtaskState = { subtaskIndex: st.index, handles: keyed(ctx, st.managedKeyedState, `${field}.managedKeyedState`, folder) };
  if (st.finished) {
    out.finished = true;
    return out;
  }
  const managed = st.managedOperatorState === null ? undefined
    : convertOperatorHandle(ctx, st.managedOperatorState, `${field}.managedOperatorState`);
  if (managed !== undefined) out.managedOperatorState = managed;
  const raw = st.rawOperatorState === null ? undefined : convertOperatorHandle(ctx, st.rawOperatorState, `${field}.rawOperatorState`);
  if (raw !== undefined) out.rawOperatorState = raw;
  const rawKeyed = keyed(ctx, st.rawKeyedState, `${field}.rawKeyedState`, folder);
  if (rawKeyed.length > 0) out.rawKeyedHandles = rawKeyed;
  const channels = [
    ...st.inputChannelState.map((h, i) => convertChannelHandle(ctx, h, `${field}.inputChannelState[${i}]`)),
    ...st.outputChannelState.map((h, i) => convertChannelHandle(ctx, h, `${field}.outputChannelState[${i}]`)),
  ];
  if (channels.length > 0) out.channelState = channels.sort(compareOpaque);
  return out;
}

function keyed(ctx: HandleContext, h: FlinkKeyedHandle | null, field: string, folder: string): KeyedStateHandle[] {
  return h === null ? [] : [convertKeyedHandle(ctx, h, field, folder)];
}

/** True when some keyed handle reuses files across checkpoints (incremental, changelog). */
function hasIncrementalState(operators: readonly OperatorState[]): boolean {
  return operators.some((op) => op.subtasks.some((st) => [...st.handles, ...(st.rawKeyedHandles ?? [])]
    .some((h) => h.type === "incremental" || h.type === "stream-incremental" || h.type === "opaque")));
}

/**
 * [CheckpointProperties](../../spec/flink.md#checkpointproperties) to kind and properties. A checkpoint is never
 * key-group-aware (Flink promises nothing of the kind for checkpoints; the table leaves it open); a savepoint is when
 * its format is CANONICAL, or, without properties, when it holds no incremental or changelog handle.
 */
function kindAndProperties(
  meta: FlinkMetadata, options: FlinkConversionOptions, operators: readonly OperatorState[], notes: NoteList,
): { kind: SnapshotKind; properties: SnapshotProperties } {
  const incremental = hasIncrementalState(operators);
  const p: FlinkCheckpointProperties | null | undefined = meta.properties;
  if (p === null || p === undefined) {
    if (options.kind === undefined) {
      throw new KsnapError("MISSING_FIELD",
        `the _metadata (V${meta.version}) has ${p === null ? "null CheckpointProperties" : "no CheckpointProperties"}: ` +
        "say whether it is a checkpoint or a savepoint (--kind); it is never inferred from the handles", { field: "properties" });
    }
    notes.add("kind-from-option", `the _metadata has no CheckpointProperties: kind ${options.kind} as given`, "properties");
    return options.kind === "checkpoint"
      ? { kind: "checkpoint", properties: { incremental, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } }
      : { kind: "savepoint", properties: { incremental: false, keyGroupAware: !incremental, sharing: "none", ownership: "user" } };
  }
  const t = p.checkpointType;
  if (options.kind !== undefined && options.kind !== t.kind) {
    throw new KsnapError("INVALID_OPERATION",
      `kind ${options.kind} was given, but the CheckpointProperties say ${t.kind} (${JSON.stringify(t.name)})`, { field: "properties.checkpointType" });
  }
  if (t.kind === "checkpoint") {
    const sharing = t.sharingFilesStrategy === "FORWARD_BACKWARD" ? "forward-backward" : t.sharingFilesStrategy === "FORWARD" ? "forward" : "none";
    return { kind: "checkpoint", properties: { incremental, keyGroupAware: false, sharing, ownership: "system" } };
  }
  return { kind: "savepoint", properties: { incremental: false, keyGroupAware: t.formatType === "CANONICAL", sharing: "none", ownership: "user" } };
}
