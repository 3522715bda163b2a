/**
 * Restore planning ([spec](../spec/diff-and-restore.md#restore-plan)): what each
 * subtask of a job restored at a new parallelism must read from a snapshot. A
 * key-group-aware handle is read by byte range; an incremental handle is
 * downloaded whole and clipped to the key groups the new subtask owns; operator
 * state is assigned as Flink's round-robin repartitioner does, in name order
 * ([spec](../spec/diff-and-restore.md#operator-state)).
 */
import { KsnapError } from "./errors.js";
import { quote } from "./quote.js";
import { keyGroupRangeForOperator, operatorIndexForKeyGroup } from "./key-groups.js";
import type {
  FileRef, KeyedStateHandle, KeyGroupRange, KeyGroupsStreamHandle, OperatorState, SavepointHandle, Snapshot, StreamRef,
} from "./model.js";
import {
  filesOf, handleKeyGroups, operatorHandles, operatorMaxParallelism, refKind, streamLength, refsOf, subtaskField, variantField, type HandleList, type HandleSite,
} from "./snapshot-walk.js";
import { streamBytes, streamsBytes } from "./stream-ref.js";
import { assignOperatorState, type OldOperatorState, type OperatorStateRead } from "./restore-plan/operator-state.js";

export { restorePlanToJson, type ReadJson, type RestorePlanJson } from "./restore-plan/plan-json.js";
export { MAX_REPLICATED_OPERATOR_STATE, type KeptState, type OperatorStateRead } from "./restore-plan/operator-state.js";

/** Bytes `start..end` (half-open) of a file or stream ([spec](../spec/diff-and-restore.md#reads)). */
export interface ByteRange {
  start: bigint;
  end: bigint;
}

/** Fields every read has: which old handle, and which of its key groups the new subtask keeps. */
interface ReadBase {
  /** The subtask of the snapshot that holds the handle. */
  oldSubtaskIndex: number;
  /** The handle's position in that subtask's `handles` (or `rawKeyedHandles`, for a raw keyed read). */
  handleIndex: number;
  /** All key groups the handle holds. */
  handleKeyGroups: KeyGroupRange;
  /** The key groups the new subtask keeps: the handle's range intersected with the new subtask's. */
  keyGroups: KeyGroupRange;
  /** Bytes to fetch for this read. */
  bytes: bigint;
}

/** Reading part of a key-group-aware data file ([spec](../spec/diff-and-restore.md#reads)). */
export interface SavepointRead extends ReadBase {
  type: "savepoint";
  dataFile: FileRef;
  /** The kept key groups' bytes, adjacent ranges merged. */
  byteRanges: ByteRange[];
}

/** Downloading a whole incremental handle ([spec](../spec/diff-and-restore.md#reads)). */
export interface IncrementalRead extends ReadBase {
  type: "incremental";
  backendId: string;
  checkpointId: bigint;
  folder: string;
  /** Every file of the handle (shared, private, meta): the backend cannot open part of it. */
  files: FileRef[];
  /** True when the handle holds key groups the new subtask does not own, which it must delete after download. */
  clipped: boolean;
}

/** 1.1: downloading a whole incremental handle whose parts are streams ([spec](../spec/diff-and-restore.md#reads)). */
export interface StreamIncrementalRead extends ReadBase {
  type: "stream-incremental";
  backendId: string;
  checkpointId: bigint;
  /** "" when none. */
  folder: string;
  /** Every stream of the handle: shared, private, then meta. */
  streams: StreamRef[];
  clipped: boolean;
}

/**
 * 1.1: reading part of a key-groups stream, as a savepoint handle is read
 * ([spec](../spec/diff-and-restore.md#reads)). Its bytes are in `dataFormat`, not
 * KSNAP savepoint data: ksnap's savepoint-data reader must not be used on them.
 */
export interface KeyGroupsStreamRead extends ReadBase {
  type: "key-groups-stream";
  data: StreamRef;
  dataFormat: string;
  /** Within the stream (for a segment, add its `offset` for the physical file), merged, empty key groups left out. */
  byteRanges: ByteRange[];
}

/** One read of one keyed handle by a new subtask ([spec](../spec/diff-and-restore.md#reads)). */
export type HandleRead = SavepointRead | IncrementalRead | StreamIncrementalRead | KeyGroupsStreamRead;

/**
 * 1.1: a keyed handle whose key groups a new subtask owns but which this reader
 * cannot plan: an opaque handle of a kind it does not know
 * ([spec](../spec/diff-and-restore.md#unsupported-handles)).
 */
export interface UnsupportedRead {
  type: "opaque";
  kind: string;
  /** The list holding the handle. */
  list: Exclude<HandleList, "channelState">;
  oldSubtaskIndex: number;
  handleIndex: number;
  handleKeyGroups: KeyGroupRange;
  keyGroups: KeyGroupRange;
}

/** What one subtask of the restored operator reads ([spec](../spec/diff-and-restore.md#restore-plan)). */
export interface SubtaskRestorePlan {
  subtaskIndex: number;
  /** The key groups the subtask owns at the new parallelism. */
  keyGroups: KeyGroupRange;
  /** Managed keyed state (`handles`), in key-group order. */
  reads: HandleRead[];
  /** 1.1: raw keyed state (`rawKeyedHandles`), which user code restores; in key-group order. */
  rawKeyedReads: HandleRead[];
  /** 1.1: keyed handles of either list that cannot be planned; in key-group order. */
  unsupported: UnsupportedRead[];
  /** 1.1: managed operator state, by old subtask index. */
  managedOperatorState: OperatorStateRead[];
  /** 1.1: raw operator state, by old subtask index. */
  rawOperatorState: OperatorStateRead[];
  /** Sum of the bytes of all reads above. */
  bytes: bigint;
  /** Owned key groups no managed keyed handle holds: the subtask starts with no keyed state for them. */
  uncovered: KeyGroupRange[];
}

/** 1.1: a stream restored whole, once ([spec](../spec/diff-and-restore.md#restored-whole)). */
export interface WholeStreamRead {
  stream: StreamRef;
  bytes: bigint;
}

/** 1.1: one channel-state handle of an old subtask, listed and not planned ([spec](../spec/diff-and-restore.md#restored-whole)). */
export interface ChannelStateEntry {
  oldSubtaskIndex: number;
  handleIndex: number;
  kind: string;
  /** Shared streams, then exclusive ones. */
  streams: StreamRef[];
  bytes: bigint;
}

/** The plan of one operator ([spec](../spec/diff-and-restore.md#restore-plan-json)). */
export interface OperatorRestorePlan {
  operatorId: string;
  name: string;
  oldParallelism: number;
  newParallelism: number;
  /** The operator's number of key groups: its own max parallelism, or the snapshot's. */
  maxParallelism: number;
  /** 1.1: the operator had finished: nothing to restore, and `subtasks` is empty. */
  finished: boolean;
  /** 1.1: old subtasks that had finished: nothing to restore from them. */
  finishedSubtasks: number[];
  /** 1.1: the coordinator's state, restored whole; null when none. */
  coordinatorState: WholeStreamRead | null;
  /** 1.1: channel state per old subtask, in file order, which Flink maps itself. */
  channelState: ChannelStateEntry[];
  subtasks: SubtaskRestorePlan[];
}

/** 1.1: a master state, restored whole with the job ([spec](../spec/diff-and-restore.md#restored-whole)). */
export interface MasterStateEntry {
  name: string;
  version: number;
  /** The payload's size, which the metadata file holds. */
  size: number;
}

/** The result of {@link planRestore} ([spec](../spec/diff-and-restore.md#restore-plan)). */
export interface RestorePlan {
  snapshotId: bigint;
  kind: Snapshot["kind"];
  maxParallelism: number;
  /** 1.1: by name. */
  masterStates: MasterStateEntry[];
  operators: OperatorRestorePlan[];
}

/** Options of {@link planRestore} ([spec](../spec/diff-and-restore.md#restore-plan)). */
export interface RestorePlanOptions {
  /** A parallelism per operator id that overrides `newParallelism` for that operator. */
  operatorParallelism?: Readonly<Record<string, number>>;
}

/**
 * Plans a restore of `snapshot` with every operator at `newParallelism` (or its
 * entry in `options.operatorParallelism`). Key groups follow Flink's assignment
 * ([spec](../spec/key-groups.md)) with the operator's max parallelism (its own, or
 * the snapshot's), which a restore cannot change; operator state follows
 * [Operator state](../spec/diff-and-restore.md#operator-state). Throws INVALID_FIELD
 * for a parallelism outside 1..maxParallelism, an unknown operator id in the
 * options, or a handle whose key groups, offsets or state modes cannot be planned;
 * LIMIT_EXCEEDED when overlapping handles would make the plan longer than handles +
 * parallelism reads, or union and broadcast state would copy out more than
 * {@link MAX_REPLICATED_OPERATOR_STATE} entries, for an operator. Key groups no
 * handle holds are reported in `uncovered`, handles it cannot plan in
 * `unsupported`, not thrown.
 */
export function planRestore(snapshot: Snapshot, newParallelism: number, options: RestorePlanOptions = {}): RestorePlan {
  if (!Number.isInteger(newParallelism) || newParallelism < 1) requireParallelism(newParallelism, snapshot.maxParallelism, "newParallelism");
  const overrides = checkOverrides(snapshot, options.operatorParallelism ?? {});
  return {
    snapshotId: snapshot.snapshotId,
    kind: snapshot.kind,
    maxParallelism: snapshot.maxParallelism,
    masterStates: (snapshot.masterStates ?? []).map((m) => ({ name: m.name, version: m.version, size: m.payload.length })),
    operators: snapshot.operators.map((op, i) => {
      const maxP = operatorMaxParallelism(snapshot, op);
      const override = overrides.get(op.operatorId);
      const field = override === undefined ? "newParallelism" : overrideField(op.operatorId);
      const parallelism = override ?? newParallelism;
      requireParallelism(parallelism, maxP, field, maxP === snapshot.maxParallelism ? undefined : op.operatorId);
      return planOperator(op, i, maxP, parallelism);
    }),
  };
}

function requireParallelism(value: number, maxParallelism: number, field: string, ownOperator?: string): void {
  if (!Number.isInteger(value) || value < 1 || value > maxParallelism) {
    const bound = `it must be an integer in 1..${maxParallelism}`;
    const whose = ownOperator === undefined
      ? `: ${bound}, the snapshot's max parallelism`
      : ` for operator ${quote(ownOperator)}: ${bound}, the operator's own max parallelism`;
    throw new KsnapError("INVALID_FIELD", `${field} ${value} is out of range${whose}, which a restore cannot change`, { field });
  }
}

function overrideField(id: string): string {
  return `operatorParallelism[${JSON.stringify(id)}]`;
}

function checkOverrides(snapshot: Snapshot, overrides: Readonly<Record<string, number>>): Map<string, number> {
  const known = new Set(snapshot.operators.map((op) => op.operatorId));
  const checked = new Map<string, number>();
  for (const [id, parallelism] of Object.entries(overrides)) {
    if (!known.has(id)) {
      throw new KsnapError("INVALID_FIELD", `no operator "${id}" in snapshot ${snapshot.snapshotId}: check the operator id`, { field: overrideField(id) });
    }
    checked.set(id, parallelism);
  }
  return checked;
}

function planOperator(op: OperatorState, operatorIndex: number, maxParallelism: number, parallelism: number): OperatorRestorePlan {
  const plan: OperatorRestorePlan = {
    operatorId: op.operatorId,
    name: op.name,
    oldParallelism: op.parallelism,
    newParallelism: parallelism,
    maxParallelism,
    finished: op.finished === true,
    finishedSubtasks: op.subtasks.filter((st) => st.finished === true).map((st) => st.subtaskIndex),
    coordinatorState: op.coordinatorState === undefined ? null : { stream: op.coordinatorState, bytes: streamBytes(op.coordinatorState) },
    channelState: [...operatorHandles(op, operatorIndex, "channelState")].map(channelEntry),
    subtasks: [],
  };
  if (plan.finished) return plan;
  const managed = [...operatorHandles(op, operatorIndex, "handles")];
  const raw = [...operatorHandles(op, operatorIndex, "rawKeyedHandles")];
  for (const site of [...managed, ...raw]) checkHandle(site, maxParallelism);
  checkPlanSize(op, operatorIndex, managed, maxParallelism, parallelism, "handles");
  checkPlanSize(op, operatorIndex, raw, maxParallelism, parallelism, "rawKeyedHandles");
  const keyed = assignKeyed(managed, maxParallelism, parallelism);
  const rawKeyed = assignKeyed(raw, maxParallelism, parallelism);
  const where = `operators[${operatorIndex}]`;
  const managedOps = assignOperatorState(oldOperatorStates(op, operatorIndex, "managedOperatorState"), op.parallelism, parallelism, where);
  const rawOps = assignOperatorState(oldOperatorStates(op, operatorIndex, "rawOperatorState"), op.parallelism, parallelism, where);
  plan.subtasks = keyed.map((k, i) => {
    const reads = sortByKeyGroup(k.reads);
    const unsupported = sortByKeyGroup([...k.unsupported, ...rawKeyed[i]!.unsupported]);
    const owned = keyGroupRangeForOperator(maxParallelism, parallelism, i);
    const rawKeyedReads = sortByKeyGroup(rawKeyed[i]!.reads);
    const all = [...reads, ...rawKeyedReads, ...managedOps[i]!, ...rawOps[i]!];
    return {
      subtaskIndex: i,
      keyGroups: owned,
      reads,
      rawKeyedReads,
      unsupported,
      managedOperatorState: managedOps[i]!,
      rawOperatorState: rawOps[i]!,
      bytes: all.reduce((sum, r) => sum + r.bytes, 0n),
      uncovered: uncovered(owned, sortByKeyGroup([...reads, ...k.unsupported.filter((u) => u.list === "handles")]).map((r) => r.keyGroups)),
    };
  });
  return plan;
}

function oldOperatorStates(op: OperatorState, operatorIndex: number, kind: "managedOperatorState" | "rawOperatorState"): OldOperatorState[] {
  const out: OldOperatorState[] = [];
  op.subtasks.forEach((st, j) => {
    const handle = st[kind];
    if (handle !== undefined) out.push({ oldSubtaskIndex: st.subtaskIndex, handle, field: `${subtaskField(operatorIndex, j)}.${kind}` });
  });
  return out;
}

function channelEntry(site: HandleSite): ChannelStateEntry {
  const streams = [...refsOf(site)].map((r) => r.ref as StreamRef);
  const kind = site.handle.type === "opaque" ? site.handle.kind : site.handle.type;
  return { oldSubtaskIndex: site.subtask.subtaskIndex, handleIndex: site.handleIndex, kind, streams, bytes: streamsBytes(streams) };
}

/** The reads and unsupported handles of each new subtask, for the handles of one list. */
function assignKeyed(sites: readonly HandleSite[], maxParallelism: number, parallelism: number): { reads: HandleRead[]; unsupported: UnsupportedRead[] }[] {
  const out = Array.from({ length: parallelism }, () => ({ reads: [] as HandleRead[], unsupported: [] as UnsupportedRead[] }));
  for (const site of sites) {
    const h = site.handle;
    // One file list per handle, shared by every read of it: a handle read by thousands of new subtasks is listed once in memory.
    const streams = h.type === "incremental" ? [...filesOf(site)].map((f) => f.ref)
      : h.type === "stream-incremental" ? [...refsOf(site)].map((r) => r.ref as StreamRef) : [];
    const wholeBytes = streamsBytes(streams);
    for (const [subtask, kept] of splitByNewSubtask(handleKeyGroups(h), maxParallelism, parallelism)) {
      if (h.type === "opaque") out[subtask]!.unsupported.push(unsupportedRead(site, kept));
      else out[subtask]!.reads.push(read(site, kept, streams, wholeBytes));
    }
  }
  return out;
}

function sortByKeyGroup<R extends { keyGroups: KeyGroupRange; oldSubtaskIndex: number; handleIndex: number }>(reads: R[]): R[] {
  return reads.sort((a, b) => a.keyGroups.start - b.keyGroups.start || a.oldSubtaskIndex - b.oldSubtaskIndex || a.handleIndex - b.handleIndex);
}

/**
 * Refuses, before building anything, a plan whose reads of one list outnumber
 * `handles + parallelism` ([spec](../spec/diff-and-restore.md#restore-plan)).
 * Handles that do not overlap never need more: a read either starts its handle or
 * starts its new subtask's range. Only overlapping handles do, and each key group
 * held by many handles multiplies the plan by the new parallelism: a 1 KB file
 * could ask for millions of reads. Counted by interval arithmetic, per handle.
 */
function checkPlanSize(op: OperatorState, operatorIndex: number, sites: readonly HandleSite[], maxParallelism: number, parallelism: number,
  list: HandleList): void {
  let reads = 0;
  for (const { handle } of sites) {
    const kg = handleKeyGroups(handle);
    if (kg.count === 0) continue;
    reads += operatorIndexForKeyGroup(maxParallelism, parallelism, kg.start + kg.count - 1)
      - operatorIndexForKeyGroup(maxParallelism, parallelism, kg.start) + 1;
  }
  const bound = sites.length + parallelism;
  if (reads > bound) {
    const which = list === "handles" ? "handles'" : "raw keyed handles'";
    throw new KsnapError("LIMIT_EXCEEDED",
      `operator ${quote(op.operatorId)}: its ${which} key groups overlap, so a plan at parallelism ${parallelism} would list ${reads} reads, ` +
      `more than the ${bound} (handles + new parallelism) that handles without overlap ever need; a key group held twice has two states (run validate)`,
      { field: `operators[${operatorIndex}]` });
  }
}

/** The parts of `range` each new subtask owns; only the subtasks the range touches are visited. */
function splitByNewSubtask(range: KeyGroupRange, maxParallelism: number, parallelism: number): [number, KeyGroupRange][] {
  if (range.count === 0) return [];
  const first = operatorIndexForKeyGroup(maxParallelism, parallelism, range.start);
  const last = operatorIndexForKeyGroup(maxParallelism, parallelism, range.start + range.count - 1);
  const parts: [number, KeyGroupRange][] = [];
  for (let i = first; i <= last; i++) {
    parts.push([i, intersect(range, keyGroupRangeForOperator(maxParallelism, parallelism, i))]);
  }
  return parts;
}

/** The parts of `owned` that none of `held` (sorted by start, possibly overlapping) covers. */
function uncovered(owned: KeyGroupRange, held: readonly KeyGroupRange[]): KeyGroupRange[] {
  const gaps: KeyGroupRange[] = [];
  let next = owned.start;
  for (const r of held) {
    if (r.start > next) gaps.push({ start: next, count: r.start - next });
    next = Math.max(next, r.start + r.count);
  }
  const end = owned.start + owned.count;
  if (next < end) gaps.push({ start: next, count: end - next });
  return gaps;
}

function intersect(a: KeyGroupRange, b: KeyGroupRange): KeyGroupRange {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.start + a.count, b.start + b.count);
  return { start, count: Math.max(0, end - start) };
}

function readBase(at: HandleSite, kept: KeyGroupRange): Omit<ReadBase, "bytes"> {
  const kg = handleKeyGroups(at.handle);
  return { oldSubtaskIndex: at.subtask.subtaskIndex, handleIndex: at.handleIndex, handleKeyGroups: { start: kg.start, count: kg.count }, keyGroups: kept };
}

function unsupportedRead(at: HandleSite, kept: KeyGroupRange): UnsupportedRead {
  const kind = at.handle.type === "opaque" ? at.handle.kind : at.handle.type;
  return { type: "opaque", kind, list: at.list === "rawKeyedHandles" ? "rawKeyedHandles" : "handles", ...readBase(at, kept) };
}

function read(at: HandleSite, kept: KeyGroupRange, streams: (FileRef | StreamRef)[], wholeBytes: bigint): HandleRead {
  const h = at.handle;
  const base = readBase(at, kept);
  switch (h.type) {
    case "savepoint": {
      const byteRanges = keyGroupBytes(h, kept, h.dataFile.size);
      return { ...base, type: "savepoint", dataFile: h.dataFile, byteRanges, bytes: rangesBytes(byteRanges) };
    }
    case "key-groups-stream": {
      const byteRanges = keyGroupBytes(h, kept, streamLength(h.data));
      const bytes = refKind(h.data) === "inline" ? 0n : rangesBytes(byteRanges);
      return { ...base, type: "key-groups-stream", data: h.data, dataFormat: h.dataFormat, byteRanges, bytes };
    }
    case "incremental":
      return {
        ...base, type: "incremental", backendId: h.backendId, checkpointId: h.checkpointId, folder: h.folder, files: streams as FileRef[],
        bytes: wholeBytes, clipped: kept.count < h.keyGroups.count,
      };
    case "stream-incremental":
      return {
        ...base, type: "stream-incremental", backendId: h.backendId, checkpointId: h.checkpointId, folder: h.folder, streams: streams as StreamRef[],
        bytes: wholeBytes, clipped: kept.count < h.keyGroups.count,
      };
    case "opaque":
      throw new Error("unreachable: opaque handles are unsupported reads");
  }
}

function rangesBytes(ranges: readonly ByteRange[]): bigint {
  return ranges.reduce((s, r) => s + r.end - r.start, 0n);
}

/** Key group k's bytes run from its offset to the next key group's, the last one's to the end of the data (`size`). */
function keyGroupBytes(h: SavepointHandle | KeyGroupsStreamHandle, kept: KeyGroupRange, size: bigint): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let i = kept.start - h.keyGroups.start; i < kept.start - h.keyGroups.start + kept.count; i++) {
    const start = h.offsets[i]!;
    const end = h.offsets[i + 1] ?? size;
    if (start === end) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.end === start) last.end = end;
    else ranges.push({ start, end });
  }
  return ranges;
}

/**
 * A handle the plan cannot use: key groups past max parallelism would be silently
 * dropped, and offsets that are missing, past the end or out of order give no byte
 * ranges. Checked for every handle so the outcome does not depend on the new parallelism.
 */
function checkHandle(site: HandleSite, maxParallelism: number): void {
  const h: KeyedStateHandle = site.handle;
  const field = variantField(site);
  const kg = handleKeyGroups(h);
  if (kg.count > 0 && kg.start + kg.count > maxParallelism) {
    throw new KsnapError("INVALID_FIELD",
      `key groups ${kg.start}..${kg.start + kg.count - 1} reach past max parallelism ${maxParallelism}: the snapshot is invalid (run validate)`,
      { field: `${field}.keyGroups` });
  }
  if (h.type === "savepoint") checkOffsets(h, h.dataFile.size, `data file ${h.dataFile.path}`, field);
  if (h.type === "key-groups-stream") checkOffsets(h, streamLength(h.data), `its ${refKind(h.data)} data stream`, field);
}

function checkOffsets(h: SavepointHandle | KeyGroupsStreamHandle, size: bigint, data: string, field: string): void {
  if (h.offsets.length !== h.keyGroups.count) {
    throw new KsnapError("INVALID_FIELD",
      `${h.offsets.length} offset(s) for ${h.keyGroups.count} key group(s): a key-group-aware handle needs exactly one offset per key group to locate its bytes`,
      { field: `${field}.offsets` });
  }
  // Savepoint data holds at least an end marker per key group: its offsets strictly increase. A foreign
  // key-groups stream's only never decrease (validation's KS-E052 says the same).
  const strict = h.type === "savepoint";
  h.offsets.forEach((offset, i) => {
    // A key-groups stream's empty last key groups start at its end (spec/flink.md, "Empty key groups").
    if (strict ? offset >= size : offset > size) {
      throw new KsnapError("INVALID_FIELD", `offset ${offset} is ${offset === size ? "at" : "past"} the end of ${data} (${size} bytes)`,
        { field: `${field}.offsets[${i}]` });
    }
    const previous = h.offsets[i - 1];
    if (previous !== undefined && (offset < previous || (strict && offset === previous))) {
      throw new KsnapError("INVALID_FIELD",
        `offset ${offset} is ${offset === previous ? "equal to" : "before"} the previous key group's offset ${previous}: key groups are stored in order${strict ? ", each with at least its end marker" : ""}`,
        { field: `${field}.offsets[${i}]` });
    }
  });
}
