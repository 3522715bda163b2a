/**
 * Restore planning ([spec](../spec/diff-and-restore.md#restore-plan)): what each
 * subtask of a job restored at a new parallelism must read from a snapshot. A
 * key-group-aware handle is read by byte range; an incremental handle is
 * downloaded whole and clipped to the key groups the new subtask owns.
 */
import { KsnapError } from "./errors.js";
import { quote } from "./quote.js";
import type { FileRefJson } from "./json/json-types.js";
import { fileToJson } from "./json/to-json.js";
import { keyGroupRangeForOperator, operatorIndexForKeyGroup } from "./key-groups.js";
import type {
  FileRef, IncrementalHandle, KeyedStateHandle, KeyGroupRange, OperatorState, SavepointHandle, Snapshot,
} from "./model.js";
import { filesOf, operatorHandles, type HandleSite } from "./snapshot-walk.js";

/** Bytes `start..end` (half-open) of a file ([spec](../spec/diff-and-restore.md#reads)). */
export interface ByteRange {
  start: bigint;
  end: bigint;
}

/** Fields every read has: which old handle, and which of its key groups the new subtask keeps. */
interface ReadBase {
  /** The subtask of the snapshot that holds the handle. */
  oldSubtaskIndex: number;
  /** The handle's position in that subtask's `handles`. */
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

/** One read of one handle by a new subtask ([spec](../spec/diff-and-restore.md#reads)). */
export type HandleRead = SavepointRead | IncrementalRead;

/** What one subtask of the restored operator reads ([spec](../spec/diff-and-restore.md#restore-plan)). */
export interface SubtaskRestorePlan {
  subtaskIndex: number;
  /** The key groups the subtask owns at the new parallelism. */
  keyGroups: KeyGroupRange;
  /** In key-group order. */
  reads: HandleRead[];
  /** Sum of the reads' bytes. */
  bytes: bigint;
  /** Owned key groups no handle holds: the subtask starts with no state for them. */
  uncovered: KeyGroupRange[];
}

/** The plan of one operator ([spec](../spec/diff-and-restore.md#restore-plan-json)). */
export interface OperatorRestorePlan {
  operatorId: string;
  name: string;
  oldParallelism: number;
  newParallelism: number;
  subtasks: SubtaskRestorePlan[];
}

/** The result of {@link planRestore} ([spec](../spec/diff-and-restore.md#restore-plan)). */
export interface RestorePlan {
  snapshotId: bigint;
  kind: Snapshot["kind"];
  maxParallelism: number;
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
 * ([spec](../spec/key-groups.md)) with the snapshot's max parallelism, which a
 * restore cannot change. Throws INVALID_FIELD for a parallelism outside
 * 1..maxParallelism, an unknown operator id in the options, or a handle whose key
 * groups or offsets cannot be planned; LIMIT_EXCEEDED when overlapping handles
 * would make the plan longer than handles + parallelism reads for an operator.
 * Key groups no handle holds are reported in `uncovered`, not thrown.
 */
export function planRestore(snapshot: Snapshot, newParallelism: number, options: RestorePlanOptions = {}): RestorePlan {
  requireParallelism(newParallelism, snapshot.maxParallelism, "newParallelism");
  const overrides = checkOverrides(snapshot, options.operatorParallelism ?? {});
  return {
    snapshotId: snapshot.snapshotId,
    kind: snapshot.kind,
    maxParallelism: snapshot.maxParallelism,
    operators: snapshot.operators.map((op, i) =>
      planOperator(op, i, snapshot.maxParallelism, overrides.get(op.operatorId) ?? newParallelism)),
  };
}

function requireParallelism(value: number, maxParallelism: number, field: string): void {
  if (!Number.isInteger(value) || value < 1 || value > maxParallelism) {
    throw new KsnapError("INVALID_FIELD",
      `${field} ${value} is out of range: it must be an integer in 1..${maxParallelism}, the snapshot's max parallelism, which a restore cannot change`,
      { field });
  }
}

function checkOverrides(snapshot: Snapshot, overrides: Readonly<Record<string, number>>): Map<string, number> {
  const known = new Set(snapshot.operators.map((op) => op.operatorId));
  const checked = new Map<string, number>();
  for (const [id, parallelism] of Object.entries(overrides)) {
    const field = `operatorParallelism[${JSON.stringify(id)}]`;
    if (!known.has(id)) {
      throw new KsnapError("INVALID_FIELD", `no operator "${id}" in snapshot ${snapshot.snapshotId}: check the operator id`, { field });
    }
    requireParallelism(parallelism, snapshot.maxParallelism, field);
    checked.set(id, parallelism);
  }
  return checked;
}

function planOperator(op: OperatorState, operatorIndex: number, maxParallelism: number, parallelism: number): OperatorRestorePlan {
  const sites = [...operatorHandles(op, operatorIndex)];
  for (const site of sites) checkHandle(site.handle, site.field, maxParallelism);
  checkPlanSize(op, operatorIndex, sites, maxParallelism, parallelism);
  const byNewSubtask: HandleRead[][] = Array.from({ length: parallelism }, () => []);
  for (const site of sites) {
    // One file list per handle, shared by every read of it: a handle read by thousands of new subtasks is listed once in memory.
    const files = site.handle.type === "incremental" ? [...filesOf(site)].map((f) => f.ref) : [];
    for (const [subtask, kept] of splitByNewSubtask(site.handle.keyGroups, maxParallelism, parallelism)) {
      byNewSubtask[subtask]!.push(read(site, kept, files));
    }
  }
  return {
    operatorId: op.operatorId,
    name: op.name,
    oldParallelism: op.parallelism,
    newParallelism: parallelism,
    subtasks: byNewSubtask.map((reads, i) => subtaskPlan(i, keyGroupRangeForOperator(maxParallelism, parallelism, i), reads)),
  };
}

/**
 * Refuses, before building anything, a plan whose reads outnumber `handles +
 * parallelism` ([spec](../spec/diff-and-restore.md#restore-plan)). Handles that do
 * not overlap never need more: a read either starts its handle or starts its new
 * subtask's range. Only overlapping handles do, and each key group held by many
 * handles multiplies the plan by the new parallelism: a 1 KB file could ask for
 * millions of reads. Counted by interval arithmetic, per handle.
 */
function checkPlanSize(op: OperatorState, operatorIndex: number, sites: readonly HandleSite[], maxParallelism: number, parallelism: number): void {
  let reads = 0;
  for (const { handle: { keyGroups: kg } } of sites) {
    if (kg.count === 0) continue;
    reads += operatorIndexForKeyGroup(maxParallelism, parallelism, kg.start + kg.count - 1)
      - operatorIndexForKeyGroup(maxParallelism, parallelism, kg.start) + 1;
  }
  const bound = sites.length + parallelism;
  if (reads > bound) {
    throw new KsnapError("LIMIT_EXCEEDED",
      `operator ${quote(op.operatorId)}: its handles' key groups overlap, so a plan at parallelism ${parallelism} would list ${reads} reads, ` +
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

function subtaskPlan(subtaskIndex: number, keyGroups: KeyGroupRange, reads: HandleRead[]): SubtaskRestorePlan {
  reads.sort((a, b) => a.keyGroups.start - b.keyGroups.start || a.oldSubtaskIndex - b.oldSubtaskIndex || a.handleIndex - b.handleIndex);
  return {
    subtaskIndex,
    keyGroups,
    reads,
    bytes: reads.reduce((sum, r) => sum + r.bytes, 0n),
    uncovered: uncovered(keyGroups, reads.map((r) => r.keyGroups)),
  };
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

function read(at: HandleSite, kept: KeyGroupRange, files: FileRef[]): HandleRead {
  const h = at.handle;
  const base = { oldSubtaskIndex: at.subtask.subtaskIndex, handleIndex: at.handleIndex, handleKeyGroups: { ...h.keyGroups }, keyGroups: kept };
  return h.type === "savepoint" ? savepointRead(h, base, kept) : incrementalRead(h, files, base, kept);
}

function savepointRead(h: SavepointHandle, base: Omit<ReadBase, "bytes">, kept: KeyGroupRange): SavepointRead {
  const byteRanges = keyGroupBytes(h, kept);
  return { ...base, type: "savepoint", dataFile: h.dataFile, byteRanges, bytes: byteRanges.reduce((s, r) => s + r.end - r.start, 0n) };
}

/** Key group k's bytes run from its offset to the next key group's, the last one's to the end of the file. */
function keyGroupBytes(h: SavepointHandle, kept: KeyGroupRange): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let i = kept.start - h.keyGroups.start; i < kept.start - h.keyGroups.start + kept.count; i++) {
    const start = h.offsets[i]!;
    const end = h.offsets[i + 1] ?? h.dataFile.size;
    if (start === end) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.end === start) last.end = end;
    else ranges.push({ start, end });
  }
  return ranges;
}

function incrementalRead(h: IncrementalHandle, files: FileRef[], base: Omit<ReadBase, "bytes">, kept: KeyGroupRange): IncrementalRead {
  return {
    ...base, type: "incremental", backendId: h.backendId, checkpointId: h.checkpointId, folder: h.folder, files,
    bytes: files.reduce((s, f) => s + f.size, 0n), clipped: kept.count < h.keyGroups.count,
  };
}

/**
 * A handle the plan cannot use: key groups past max parallelism would be silently
 * dropped, and offsets that are missing, past the end or out of order give no byte
 * ranges. Checked for every handle so the outcome does not depend on the new parallelism.
 */
function checkHandle(h: KeyedStateHandle, path: string, maxParallelism: number): void {
  const field = `${path}.${h.type}`;
  const kg = h.keyGroups;
  if (kg.count > 0 && kg.start + kg.count > maxParallelism) {
    throw new KsnapError("INVALID_FIELD",
      `key groups ${kg.start}..${kg.start + kg.count - 1} reach past max parallelism ${maxParallelism}: the snapshot is invalid (run validate)`,
      { field: `${field}.keyGroups` });
  }
  if (h.type === "savepoint") checkOffsets(h, field);
}

function checkOffsets(h: SavepointHandle, field: string): void {
  if (h.offsets.length !== h.keyGroups.count) {
    throw new KsnapError("INVALID_FIELD",
      `${h.offsets.length} offset(s) for ${h.keyGroups.count} key group(s): a key-group-aware handle needs exactly one offset per key group to locate its bytes`,
      { field: `${field}.offsets` });
  }
  h.offsets.forEach((offset, i) => {
    if (offset >= h.dataFile.size) {
      throw new KsnapError("INVALID_FIELD", `offset ${offset} is ${offset === h.dataFile.size ? "at" : "past"} the end of data file ${h.dataFile.path} (${h.dataFile.size} bytes)`,
        { field: `${field}.offsets[${i}]` });
    }
    const previous = h.offsets[i - 1];
    if (previous !== undefined && offset <= previous) {
      throw new KsnapError("INVALID_FIELD",
        `offset ${offset} is ${offset === previous ? "equal to" : "before"} the previous key group's offset ${previous}: key groups are stored in order, each with at least its end marker`,
        { field: `${field}.offsets[${i}]` });
    }
  });
}

/**
 * The JSON form of a plan ([spec](../spec/diff-and-restore.md#restore-plan-json)):
 * 64-bit values as decimal strings and hashes as 16 hex digits, as in the snapshot's JSON form.
 */
export function restorePlanToJson(plan: RestorePlan): RestorePlanJson {
  return {
    snapshotId: String(plan.snapshotId),
    kind: plan.kind,
    maxParallelism: plan.maxParallelism,
    operators: plan.operators.map((op) => ({
      ...op,
      subtasks: op.subtasks.map((st) => ({ ...st, reads: st.reads.map(readToJson), bytes: String(st.bytes) })),
    })),
  };
}

function readToJson(r: HandleRead): ReadJson {
  const base = { oldSubtaskIndex: r.oldSubtaskIndex, handleIndex: r.handleIndex, handleKeyGroups: r.handleKeyGroups, keyGroups: r.keyGroups, bytes: String(r.bytes) };
  if (r.type === "savepoint") {
    return { type: "savepoint", ...base, dataFile: fileToJson(r.dataFile), byteRanges: r.byteRanges.map((b) => ({ start: String(b.start), end: String(b.end) })) };
  }
  return {
    type: "incremental", ...base, backendId: r.backendId, checkpointId: String(r.checkpointId), folder: r.folder,
    files: r.files.map(fileToJson), clipped: r.clipped,
  };
}

type ReadBaseJson = Omit<ReadBase, "bytes"> & { bytes: string };
/** A read in the plan's JSON form ([spec](../spec/diff-and-restore.md#restore-plan-json)). */
export type ReadJson =
  | (ReadBaseJson & { type: "savepoint"; dataFile: FileRefJson; byteRanges: { start: string; end: string }[] })
  | (ReadBaseJson & { type: "incremental"; backendId: string; checkpointId: string; folder: string; files: FileRefJson[]; clipped: boolean });
/** The plan's JSON form ([spec](../spec/diff-and-restore.md#restore-plan-json)). */
export interface RestorePlanJson {
  snapshotId: string;
  kind: Snapshot["kind"];
  maxParallelism: number;
  operators: (Omit<OperatorRestorePlan, "subtasks"> & {
    subtasks: (Omit<SubtaskRestorePlan, "reads" | "bytes"> & { reads: ReadJson[]; bytes: string })[];
  })[];
}
