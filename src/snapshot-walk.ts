/**
 * The one walker of a snapshot's handles and refs, with the field paths that
 * errors and findings name ([spec](../spec/format-v1.md#errors):
 * `operators[0].subtasks[1].handles[0].incremental.sharedFiles[3]`). Validation,
 * the registry, gc, diff, restore planning and rendering all start from it, so
 * a file role or a new kind of ref is added in one place. Field paths are built
 * only when asked for: a checkpoint can hold millions of refs, and most of them
 * need none.
 *
 * Format 1.1 adds refs outside keyed handles (operator state, coordinator state,
 * channel state) and refs that are not whole files (segments of a physical file,
 * inline bytes, external URIs). `eachFile` yields every whole file under the root
 * wherever it sits, so a check written for 1.0 covers every 1.1 structure too;
 * `eachSegment` and `eachExternal` yield the other two kinds that name storage.
 */
import type {
  ExternalStream, FileRef, InlineStream, KeyedStateHandle, KeyGroupRange, OperatorState, SegmentStream, SharedFileRef, Snapshot, StreamRef,
  SubtaskState,
} from "./model.js";

/** The list of a subtask a handle sits in ([spec](../spec/format-v1.md#subtaskstate)). */
export type HandleList = "handles" | "rawKeyedHandles" | "channelState";

/** One handle and where it sits. */
export interface HandleSite {
  handle: KeyedStateHandle;
  operator: OperatorState;
  operatorIndex: number;
  subtask: SubtaskState;
  /** k: the handle's position in its list. */
  handleIndex: number;
  /** Which list of the subtask holds it; `handles` is the managed keyed state the backend restores. */
  list: HandleList;
  /** `operators[i].subtasks[j].handles[k]` (or `rawKeyedHandles[k]`, `channelState[k]`) */
  field: string;
}

/**
 * How a ref belongs to its owner ([spec](../spec/ownership.md#owners)). Only
 * `shared` refs are shared across snapshots; every other role is exclusive to
 * the snapshot that holds it.
 */
export type FileRole = "shared" | "private" | "meta" | "data" | "operator" | "coordinator";

/** One ref and where it sits: in a keyed handle (`site`), or in operator or coordinator state (`owner`). */
export interface RefSite<R> {
  ref: R;
  role: FileRole;
  /** The handle holding the ref; undefined for operator and coordinator state. */
  site: HandleSite | undefined;
  /** The field path of the ref's owner when `site` is undefined. */
  owner: string;
  /** Index in its list; -1 for a single ref (`metaFile`, `dataFile`, `meta`, `data`, `stream`, a coordinator's state). */
  index: number;
  /** The operator holding the ref. */
  operator: OperatorState;
  /** The subtask holding the ref; undefined for a coordinator's state, which belongs to the operator. */
  subtask: SubtaskState | undefined;
}

/** A whole file under the root: a 1.0 FileRef or SharedFileRef, or a 1.1 stream of type `file`. */
export type FileSite = RefSite<FileRef | SharedFileRef>;
/** A segment of a physical file (1.1, [spec](../spec/format-v1.md#segmentref)); `originCheckpointId` when shared. */
export type SegmentSite = RefSite<SegmentStream & { originCheckpointId?: bigint }>;
/** A file outside the root, by URI (1.1, [spec](../spec/format-v1.md#streamref)). */
export type ExternalSite = RefSite<ExternalStream & { originCheckpointId?: bigint }>;
/** Any ref, of any kind. */
export type AnyRefSite = RefSite<FileRef | SharedFileRef | StreamRef>;

/** What kind of storage a ref names: a whole file under the root, a segment, inline bytes, or an external URI. */
export type RefKind = "file" | "segment" | "inline" | "external";

/** The kind of a ref; a 1.0 FileRef, which has no `type`, is a whole file. */
export function refKind(ref: FileRef | StreamRef): RefKind {
  return "type" in ref ? ref.type : "file";
}

const NO_KEY_GROUPS: KeyGroupRange = Object.freeze({ start: 0, count: 0 });

/**
 * The key groups a handle holds. Every keyed handle has a range (the decoder
 * requires one for an opaque handle in `handles` and `rawKeyedHandles`); a
 * `channelState` entry has none and holds no key group.
 */
export function handleKeyGroups(h: KeyedStateHandle): KeyGroupRange {
  return h.keyGroups ?? NO_KEY_GROUPS;
}

/** `operators[i].subtasks[j]` */
export function subtaskField(operatorIndex: number, subtaskPosition: number): string {
  return `operators[${operatorIndex}].subtasks[${subtaskPosition}]`;
}

/** The JSON name of each handle variant, as field paths name it. */
const VARIANT_FIELDS: Record<KeyedStateHandle["type"], string> = {
  "incremental": "incremental",
  "savepoint": "savepoint",
  "stream-incremental": "streamIncremental",
  "key-groups-stream": "keyGroupsStream",
  "opaque": "opaque",
};

/**
 * The field path of a handle's variant: `…handles[k].incremental`,
 * `…handles[k].streamIncremental`; a `channelState` entry is an OpaqueHandle
 * itself, with no variant to name.
 */
export function variantField(site: HandleSite): string {
  return site.list === "channelState" ? site.field : `${site.field}.${VARIANT_FIELDS[site.handle.type]}`;
}

/** The field path of a ref, such as `…handles[0].incremental.sharedFiles[2]` or `…managedOperatorState.stream`. */
export function fileField(f: RefSite<unknown>): string {
  const site = f.site;
  if (site === undefined) return f.role === "coordinator" ? f.owner : `${f.owner}.stream`;
  const base = variantField(site);
  const type = site.handle.type;
  switch (f.role) {
    case "shared": return `${base}.sharedFiles[${f.index}]`;
    case "private": return type === "opaque" ? `${base}.files[${f.index}]` : `${base}.privateFiles[${f.index}]`;
    case "meta": return type === "incremental" ? `${base}.metaFile` : `${base}.meta`;
    case "data": return type === "savepoint" ? `${base}.dataFile` : `${base}.data`;
    default: return `${base}.${f.role}`;
  }
}

/** Every managed keyed handle (`handles`) of `snapshot`, in file order. */
export function* eachHandle(snapshot: Snapshot): Generator<HandleSite> {
  for (const [operatorIndex, operator] of snapshot.operators.entries()) yield* operatorHandles(operator, operatorIndex);
}

/**
 * The managed keyed handles (`handles`) of one operator
 * ([spec](../spec/format-v1.md#operatorstate)), `operators[operatorIndex]`, in file
 * order: for the checks and plans that work an operator at a time. `list` picks
 * another list of its subtasks (`rawKeyedHandles`, `channelState`) instead.
 */
export function* operatorHandles(operator: OperatorState, operatorIndex: number, list: HandleList = "handles"): Generator<HandleSite> {
  for (const [j, subtask] of operator.subtasks.entries()) yield* listSites(operator, operatorIndex, subtask, j, list);
}

/**
 * Every handle of `snapshot` in every list (`handles`, `rawKeyedHandles`,
 * `channelState`), in file order: for the checks that hold for any handle, such
 * as key-group ranges inside the operator's key groups.
 */
export function* eachStateHandle(snapshot: Snapshot): Generator<HandleSite> {
  for (const [operatorIndex, operator] of snapshot.operators.entries()) {
    for (const [j, subtask] of operator.subtasks.entries()) {
      yield* listSites(operator, operatorIndex, subtask, j, "handles");
      yield* listSites(operator, operatorIndex, subtask, j, "rawKeyedHandles");
      yield* listSites(operator, operatorIndex, subtask, j, "channelState");
    }
  }
}

function* listSites(operator: OperatorState, operatorIndex: number, subtask: SubtaskState, j: number, list: HandleList): Generator<HandleSite> {
  const handles: readonly KeyedStateHandle[] | undefined = subtask[list];
  if (handles === undefined) return;
  for (const [k, handle] of handles.entries()) {
    yield { handle, operator, operatorIndex, subtask, handleIndex: k, list, field: `${subtaskField(operatorIndex, j)}.${list}[${k}]` };
  }
}

/**
 * The handles of the first operator whose id is `operatorId`, in file order;
 * none when the snapshot has no such operator (a valid snapshot has at most one).
 */
export function* operatorHandlesById(snapshot: Snapshot, operatorId: string): Generator<HandleSite> {
  const i = snapshot.operators.findIndex((o) => o.operatorId === operatorId);
  if (i >= 0) yield* operatorHandles(snapshot.operators[i]!, i);
}

/** Every ref of one handle, of every kind: shared, private, meta, data. */
export function* refsOf(site: HandleSite): Generator<AnyRefSite> {
  const h = site.handle;
  const at = (ref: FileRef | StreamRef, role: FileRole, index: number): AnyRefSite =>
    ({ ref, role, site, owner: "", index, operator: site.operator, subtask: site.subtask });
  switch (h.type) {
    case "savepoint": yield at(h.dataFile, "data", -1); return;
    case "key-groups-stream": yield at(h.data, "data", -1); return;
    case "opaque":
      for (const [i, ref] of h.sharedFiles.entries()) yield at(ref, "shared", i);
      for (const [i, ref] of h.files.entries()) yield at(ref, "private", i);
      return;
    case "incremental":
    case "stream-incremental":
      for (const [i, ref] of h.sharedFiles.entries()) yield at(ref, "shared", i);
      for (const [i, ref] of h.privateFiles.entries()) yield at(ref, "private", i);
      yield at(h.type === "incremental" ? h.metaFile : h.meta, "meta", -1);
  }
}

/** The whole-file refs of one handle: shared, private, meta or data. */
export function* filesOf(site: HandleSite): Generator<FileSite> {
  for (const r of refsOf(site)) if (refKind(r.ref) === "file") yield r as FileSite;
}

/**
 * Every ref of `snapshot`, of every kind, in file order: per operator, per
 * subtask its handles, managed and raw operator state, raw keyed handles and
 * channel state; then the operator's coordinator state.
 */
export function* eachRef(snapshot: Snapshot): Generator<AnyRefSite> {
  for (const [operatorIndex, operator] of snapshot.operators.entries()) {
    for (const [j, subtask] of operator.subtasks.entries()) {
      for (const site of listSites(operator, operatorIndex, subtask, j, "handles")) yield* refsOf(site);
      const sub = subtaskField(operatorIndex, j);
      if (subtask.managedOperatorState !== undefined) {
        yield { ref: subtask.managedOperatorState.stream, role: "operator", site: undefined, owner: `${sub}.managedOperatorState`, index: -1, operator, subtask };
      }
      if (subtask.rawOperatorState !== undefined) {
        yield { ref: subtask.rawOperatorState.stream, role: "operator", site: undefined, owner: `${sub}.rawOperatorState`, index: -1, operator, subtask };
      }
      for (const site of listSites(operator, operatorIndex, subtask, j, "rawKeyedHandles")) yield* refsOf(site);
      for (const site of listSites(operator, operatorIndex, subtask, j, "channelState")) yield* refsOf(site);
    }
    if (operator.coordinatorState !== undefined) {
      yield {
        ref: operator.coordinatorState, role: "coordinator", site: undefined, owner: `operators[${operatorIndex}].coordinatorState`, index: -1,
        operator, subtask: undefined,
      };
    }
  }
}

/** Every whole file under the root that `snapshot` refers to, wherever it sits, in file order. */
export function* eachFile(snapshot: Snapshot): Generator<FileSite> {
  for (const r of eachRef(snapshot)) if (refKind(r.ref) === "file") yield r as FileSite;
}

/**
 * Every ref of `snapshot` that names a file under the root, in file order: whole
 * files and segments (whose `path` is their physical file's). What storage
 * checks, path rules and the registry count; inline and external refs name none.
 */
export function* eachRootRef(snapshot: Snapshot): Generator<FileSite | SegmentSite> {
  for (const r of eachRef(snapshot)) {
    const kind = refKind(r.ref);
    if (kind === "file" || kind === "segment") yield r as FileSite | SegmentSite;
  }
}

/** True when a ref from {@link eachRootRef} is a segment of a physical file rather than a whole file. */
export function isSegmentSite(r: FileSite | SegmentSite): r is SegmentSite {
  return refKind(r.ref) === "segment";
}

/**
 * The number of bytes a ref's stream holds, when the ref says it: a whole file's
 * or an external file's `size`, a segment's `length`, inline data's length.
 */
export function streamLength(ref: FileRef | StreamRef): bigint {
  switch (refKind(ref)) {
    case "segment": return (ref as SegmentStream).length;
    case "inline": return BigInt((ref as InlineStream).data.length);
    default: return (ref as FileRef | ExternalStream).size;
  }
}

/**
 * The number of key groups of `operator` (1.1, [spec](../spec/format-v1.md#operatorstate)):
 * its own `maxParallelism` when set, otherwise the snapshot's. Every key-group
 * range of the operator lies in `[0, operatorMaxParallelism)`.
 */
export function operatorMaxParallelism(snapshot: Snapshot, operator: OperatorState): number {
  return operator.maxParallelism || snapshot.maxParallelism;
}

/** Every segment ref of `snapshot` (1.1), in file order. */
export function* eachSegment(snapshot: Snapshot): Generator<SegmentSite> {
  for (const r of eachRef(snapshot)) if (refKind(r.ref) === "segment") yield r as SegmentSite;
}

/** Every external ref of `snapshot` (1.1), in file order. */
export function* eachExternal(snapshot: Snapshot): Generator<ExternalSite> {
  for (const r of eachRef(snapshot)) if (refKind(r.ref) === "external") yield r as ExternalSite;
}

/** The checkpoint that uploaded the file, for a shared ref; undefined for every exclusive role. */
export function originOf(f: RefSite<unknown>): bigint | undefined {
  return f.role === "shared" ? (f.ref as { originCheckpointId: bigint }).originCheckpointId : undefined;
}

/** The distinct paths under the root that `snapshot` refers to: whole files and the physical files of segments. */
export function referencedPaths(snapshot: Snapshot): Set<string> {
  const paths = new Set<string>();
  for (const r of eachRootRef(snapshot)) paths.add(r.ref.path);
  return paths;
}

/** The non-zero `base_checkpoint_id` of each incremental handle (either form), with its field path. */
export function baseReferences(snapshot: Snapshot): { base: bigint; field: string }[] {
  const out: { base: bigint; field: string }[] = [];
  for (const site of eachStateHandle(snapshot)) {
    const h = site.handle;
    if ((h.type === "incremental" || h.type === "stream-incremental") && h.baseCheckpointId !== 0n) {
      out.push({ base: h.baseCheckpointId, field: `${variantField(site)}.baseCheckpointId` });
    }
  }
  return out;
}
