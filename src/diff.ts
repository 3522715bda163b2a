/**
 * Diff of two snapshots by stored identity ([spec](../spec/diff-and-restore.md#diff)):
 * which files (and, in 1.1, segments and external files) B added, reused from A
 * and dropped, how many bytes B uploaded relative to A, per operator and subtask,
 * which ids denote different content in the two (never allowed: an id always
 * names the same bytes), and, in 1.1, inline bytes, local names, operator,
 * coordinator and master state that changed.
 */
import { compareCodePoints } from "./body/canonical-order.js";
import type { ExternalStream, FileRef, OperatorState, SegmentStream, Snapshot, StreamRef } from "./model.js";
import { eachRef, refKind, streamLength, type AnyRefSite } from "./snapshot-walk.js";
import {
  compareStored, ContentSet, contentsDiffer, storedId, storedKey, storedPath, storedRef, storedSize, type StoredRef,
} from "./diff/stored-refs.js";
import {
  coordinatorChange, masterStateChanges, operatorStateChanges, type MasterStateChange, type OperatorStateChange, type StateChange,
} from "./diff/state-changes.js";

export { diffToJson, type DiffJson } from "./diff/diff-json.js";
export type { MasterStateChange, NamedStateSummary, OperatorStateChange, StateChange } from "./diff/state-changes.js";

/** A number of stored refs (files, segments, external files) and their total size ([spec](../spec/diff-and-restore.md#diff-json)). */
export interface FileTally {
  files: number;
  bytes: bigint;
}

/** A number of distinct inline contents and their total size ([spec](../spec/diff-and-restore.md#diff-json)). */
export interface InlineTally {
  streams: number;
  bytes: bigint;
}

/** One snapshot's identity and size, each identity counted once ([spec](../spec/diff-and-restore.md#diff-json)). */
export interface SnapshotSummary {
  snapshotId: bigint;
  kind: Snapshot["kind"];
  /** Distinct file ids. */
  files: number;
  /** 1.1: distinct segments (physical id and range). */
  segments: number;
  /** 1.1: distinct external URIs. */
  external: number;
  /** 1.1: distinct inline contents. */
  inline: number;
  /** Total size of the distinct files, segments and external files; inline bytes are not counted. */
  bytes: bigint;
}

/** Where a stored identity occurs, with the content recorded there ([spec](../spec/diff-and-restore.md#changed-content)). */
export interface FileOccurrence {
  snapshot: "a" | "b";
  operatorId: string;
  /** -1 for an operator's coordinator state. */
  subtaskIndex: number;
  /** The path under the root (a segment's physical file), or an external file's URI. */
  path: string;
  /** A segment's length. */
  size: bigint;
  xxh64: bigint;
}

/**
 * A stored identity that denotes more than one content across A and B
 * ([spec](../spec/diff-and-restore.md#changed-content)): one occurrence per snapshot and content.
 */
export interface ChangedFile {
  /** 1.1: "file" for every 1.0 snapshot. */
  kind: StoredRef["kind"];
  /** The file id, the segment's physical file id, or the external URI. */
  id: string;
  /** Only for a segment. */
  offset?: bigint;
  /** Only for a segment. */
  length?: bigint;
  occurrences: FileOccurrence[];
}

/** 1.1: a stored identity whose local name differs from A to B ([spec](../spec/diff-and-restore.md#local-names)); "" when not recorded. */
export interface LocalNameChange {
  kind: StoredRef["kind"];
  id: string;
  offset?: bigint;
  length?: bigint;
  a: string;
  b: string;
}

/** Added, reused and dropped stored refs of one subtask; the classification is by identity over the whole snapshots ([spec](../spec/diff-and-restore.md#diff)). */
export interface SubtaskDiff {
  subtaskIndex: number;
  inA: boolean;
  inB: boolean;
  /** B's refs of this subtask whose identity is not in A. */
  added: FileTally;
  /** B's refs of this subtask whose identity is also in A. */
  reused: FileTally;
  /** A's refs of this subtask whose identity is not in B. */
  dropped: FileTally;
  /** 1.1: named operator states that differ. */
  operatorState: OperatorStateChange[];
}

/** The subtasks of one operator present in A, B or both ([spec](../spec/diff-and-restore.md#diff-json)). */
export interface OperatorDiff {
  operatorId: string;
  /** B's name, or A's when the operator is only in A. */
  name: string;
  inA: boolean;
  inB: boolean;
  /** 1.1: how the coordinator's state differs; null when neither has one. */
  coordinatorState: StateChange | null;
  subtasks: SubtaskDiff[];
}

/** Stored refs of one kind, added, reused and dropped, each sorted by identity. */
export interface StoredDiff<R> {
  added: R[];
  reused: R[];
  dropped: R[];
}

/** The result of {@link diffSnapshots} ([spec](../spec/diff-and-restore.md#diff)). */
export interface SnapshotDiff {
  a: SnapshotSummary;
  b: SnapshotSummary;
  /** Files of B whose id is not in A, sorted by id. */
  added: FileRef[];
  /** Files of B whose id is also in A (B's record), sorted by id. */
  reused: FileRef[];
  /** Files of A whose id is not in B, sorted by id. */
  dropped: FileRef[];
  /** 1.1: segments, by physical id and range. */
  segments: StoredDiff<SegmentStream>;
  /** 1.1: external files, by URI. */
  external: StoredDiff<ExternalStream>;
  /** 1.1: inline contents, by their bytes. */
  inline: { added: InlineTally; reused: InlineTally; dropped: InlineTally };
  /** Identities with more than one content: a hard error for incremental checkpoints. */
  changed: ChangedFile[];
  /** 1.1: identities in both whose local name differs. */
  localNames: LocalNameChange[];
  /** 1.1: master states that differ, by name. */
  masterStates: MasterStateChange[];
  /** Sum of the sizes of the added files, segments and external files: what B uploaded relative to A. */
  uploadedBytes: bigint;
  /** B's full size, each identity counted once. */
  fullBytes: bigint;
  /** Operators of A and B, sorted by id. */
  operators: OperatorDiff[];
}

/** A stored ref and where it sits. */
interface Located {
  stored: StoredRef;
  at: AnyRefSite;
}

/**
 * Compares snapshot `a` (the earlier one) with `b` by stored identity
 * ([spec](../spec/diff-and-restore.md#diff)). Never throws: an identity whose content
 * differs is reported in `changed`, for the caller to treat as an error.
 */
export function diffSnapshots(a: Snapshot, b: Snapshot): SnapshotDiff {
  const inA = located(a);
  const inB = located(b);
  const aByKey = firstByKey(inA);
  const bByKey = firstByKey(inB);
  const added = [...bByKey.values()].filter((s) => !aByKey.has(storedKey(s)));
  const reused = [...bByKey.values()].filter((s) => aByKey.has(storedKey(s)));
  const dropped = [...aByKey.values()].filter((s) => !bByKey.has(storedKey(s)));
  const [addedBy, reusedBy, droppedBy] = [byKind(added), byKind(reused), byKind(dropped)];
  const [inlineA, inlineB] = [inlineContents(a), inlineContents(b)];
  return {
    a: summary(a, aByKey, inlineA),
    b: summary(b, bByKey, inlineB),
    added: addedBy.file,
    reused: reusedBy.file,
    dropped: droppedBy.file,
    segments: { added: addedBy.segment, reused: reusedBy.segment, dropped: droppedBy.segment },
    external: { added: addedBy.external, reused: reusedBy.external, dropped: droppedBy.external },
    inline: inlineDiff(inlineA, inlineB),
    changed: changedContent(inA, inB),
    localNames: localNameChanges(aByKey, bByKey),
    masterStates: masterStateChanges(a, b),
    uploadedBytes: sizeOf(added),
    fullBytes: sizeOf(bByKey.values()),
    operators: operatorDiffs(a, b, inA, inB, aByKey, bByKey),
  };
}

function located(s: Snapshot): Located[] {
  const out: Located[] = [];
  for (const at of eachRef(s)) {
    const stored = storedRef(at);
    if (stored !== undefined) out.push({ stored, at });
  }
  return out;
}

/** The first record of each identity, sorted by identity; after rescaling several handles may share a file. */
function firstByKey(refs: readonly Located[]): Map<string, StoredRef> {
  const byKey = new Map<string, StoredRef>();
  for (const { stored } of refs) {
    const key = storedKey(stored);
    if (!byKey.has(key)) byKey.set(key, stored);
  }
  return new Map([...byKey].sort(([, x], [, y]) => compareStored(x, y)));
}

function byKind(refs: readonly StoredRef[]): { file: FileRef[]; segment: SegmentStream[]; external: ExternalStream[] } {
  const out = { file: [] as FileRef[], segment: [] as SegmentStream[], external: [] as ExternalStream[] };
  for (const s of refs) {
    if (s.kind === "file") out.file.push(s.ref);
    else if (s.kind === "segment") out.segment.push(s.ref);
    else out.external.push(s.ref);
  }
  return out;
}

function summary(s: Snapshot, byKey: Map<string, StoredRef>, inline: ContentSet): SnapshotSummary {
  const count = (kind: StoredRef["kind"]) => [...byKey.values()].filter((r) => r.kind === kind).length;
  return {
    snapshotId: s.snapshotId, kind: s.kind, files: count("file"), segments: count("segment"), external: count("external"),
    inline: inline.size, bytes: sizeOf(byKey.values()),
  };
}

function sizeOf(refs: Iterable<StoredRef>): bigint {
  let sum = 0n;
  for (const s of refs) sum += storedSize(s);
  return sum;
}

/** The distinct inline contents of a snapshot, wherever they sit. */
function inlineContents(s: Snapshot): ContentSet {
  const set = new ContentSet();
  for (const r of eachRef(s)) if (refKind(r.ref) === "inline") set.add((r.ref as StreamRef & { type: "inline" }).data);
  return set;
}

function inlineDiff(a: ContentSet, b: ContentSet): SnapshotDiff["inline"] {
  const tally = (from: ContentSet, keep: (d: Uint8Array) => boolean): InlineTally => {
    let streams = 0, bytes = 0n;
    for (const d of from) if (keep(d)) { streams++; bytes += BigInt(d.length); }
    return { streams, bytes };
  };
  return { added: tally(b, (d) => !a.has(d)), reused: tally(b, (d) => a.has(d)), dropped: tally(a, (d) => !b.has(d)) };
}

/** The identity fields a report names: kind, id, and a segment's range. */
function identity(s: StoredRef): Pick<ChangedFile, "kind" | "id" | "offset" | "length"> {
  return s.kind === "segment"
    ? { kind: s.kind, id: s.ref.id, offset: s.ref.offset, length: s.ref.length }
    : { kind: s.kind, id: storedId(s) };
}

function changedContent(inA: readonly Located[], inB: readonly Located[]): ChangedFile[] {
  const versions = new Map<string, { first: StoredRef; byContent: Map<string, FileOccurrence> }>();
  const record = (side: "a" | "b", { stored, at }: Located) => {
    const key = storedKey(stored);
    const entry = versions.get(key) ?? { first: stored, byContent: new Map<string, FileOccurrence>() };
    versions.set(key, entry);
    const size = storedSize(stored);
    const xxh64 = stored.ref.xxh64;
    const content = `${side} ${size} ${xxh64}`;
    if (!entry.byContent.has(content)) {
      entry.byContent.set(content, {
        snapshot: side, operatorId: at.operator.operatorId, subtaskIndex: at.subtask?.subtaskIndex ?? -1, path: storedPath(stored), size, xxh64,
      });
    }
  };
  inA.forEach((l) => record("a", l));
  inB.forEach((l) => record("b", l));
  return [...versions.values()]
    .filter(({ first, byContent }) => contentsDiffer([...byContent.values()], first.kind))
    .sort((x, y) => compareStored(x.first, y.first))
    .map(({ first, byContent }) => ({ ...identity(first), occurrences: [...byContent.values()] }));
}

/** Identities in both snapshots whose first records carry different local names ("" when absent). */
function localNameChanges(aByKey: Map<string, StoredRef>, bByKey: Map<string, StoredRef>): LocalNameChange[] {
  const out: LocalNameChange[] = [];
  for (const [key, y] of bByKey) {
    const x = aByKey.get(key);
    if (x === undefined) continue;
    const [nameA, nameB] = [x.ref.localName ?? "", y.ref.localName ?? ""];
    if (nameA !== nameB) out.push({ ...identity(y), a: nameA, b: nameB });
  }
  return out;
}

function operatorDiffs(a: Snapshot, b: Snapshot, inA: readonly Located[], inB: readonly Located[],
  aKeys: ReadonlyMap<string, unknown>, bKeys: ReadonlyMap<string, unknown>): OperatorDiff[] {
  const opsA = new Map(a.operators.map((op) => [op.operatorId, op]));
  const opsB = new Map(b.operators.map((op) => [op.operatorId, op]));
  const refsA = bySubtask(inA);
  const refsB = bySubtask(inB);
  const ids = [...new Set([...opsA.keys(), ...opsB.keys()])].sort(compareCodePoints);
  return ids.map((id) => {
    const opA = opsA.get(id);
    const opB = opsB.get(id);
    const subtasksA = subtasksByIndex(opA);
    const subtasksB = subtasksByIndex(opB);
    const indexes = [...new Set([...subtasksA.keys(), ...subtasksB.keys()])].sort((x, y) => x - y);
    return {
      operatorId: id,
      name: opB?.name ?? opA?.name ?? "",
      inA: opA !== undefined,
      inB: opB !== undefined,
      coordinatorState: coordinatorChange(opA, opB),
      subtasks: indexes.map((i) => ({
        subtaskIndex: i, inA: subtasksA.has(i), inB: subtasksB.has(i),
        ...subtaskTallies(refsA.get(id)?.get(i), refsB.get(id)?.get(i), aKeys, bKeys),
        operatorState: operatorStateChanges(subtasksA.get(i), subtasksB.get(i)),
      })),
    };
  });
}

function subtasksByIndex(op: OperatorState | undefined): Map<number, OperatorState["subtasks"][number]> {
  return new Map((op?.subtasks ?? []).map((st) => [st.subtaskIndex, st]));
}

/** The distinct stored refs (by identity) of each subtask, by operator id and subtask index; coordinator state belongs to no subtask. */
function bySubtask(all: readonly Located[]): Map<string, Map<number, Map<string, StoredRef>>> {
  const groups = new Map<string, Map<number, Map<string, StoredRef>>>();
  for (const { stored, at } of all) {
    if (at.subtask === undefined) continue;
    const subtasks = groups.get(at.operator.operatorId) ?? new Map<number, Map<string, StoredRef>>();
    groups.set(at.operator.operatorId, subtasks);
    const refs = subtasks.get(at.subtask.subtaskIndex) ?? new Map<string, StoredRef>();
    subtasks.set(at.subtask.subtaskIndex, refs);
    const key = storedKey(stored);
    if (!refs.has(key)) refs.set(key, stored);
  }
  return groups;
}

function subtaskTallies(inA: Map<string, StoredRef> | undefined, inB: Map<string, StoredRef> | undefined,
  aKeys: ReadonlyMap<string, unknown>, bKeys: ReadonlyMap<string, unknown>): Pick<SubtaskDiff, "added" | "reused" | "dropped"> {
  const refsA = [...(inA ?? new Map<string, StoredRef>())];
  const refsB = [...(inB ?? new Map<string, StoredRef>())];
  const tally = (refs: [string, StoredRef][]): FileTally => ({ files: refs.length, bytes: sizeOf(refs.map(([, s]) => s)) });
  return {
    added: tally(refsB.filter(([k]) => !aKeys.has(k))),
    reused: tally(refsB.filter(([k]) => aKeys.has(k))),
    dropped: tally(refsA.filter(([k]) => !bKeys.has(k))),
  };
}

/** How many `refs` and their total size (a segment's length) ([spec](../spec/diff-and-restore.md#diff-json)). */
export function tallyOf(refs: readonly (FileRef | StreamRef)[]): FileTally {
  return { files: refs.length, bytes: refs.reduce((sum, r) => sum + streamLength(r), 0n) };
}
