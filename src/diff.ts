/**
 * Diff of two snapshots by file id ([spec](../spec/diff-and-restore.md#diff)):
 * which files B added, reused from A and dropped, how many bytes B uploaded
 * relative to A, per operator and subtask, and which ids denote different content
 * in the two (never allowed: an id always names the same bytes).
 */
import { compareCodePoints } from "./body/canonical-order.js";
import { hashToHex } from "./hash/xxh64.js";
import type { FileRefJson } from "./json/json-types.js";
import { fileToJson } from "./json/to-json.js";
import type { FileRef, Snapshot } from "./model.js";
import { eachFile, type FileSite } from "./snapshot-walk.js";

/** A number of files and their total size ([spec](../spec/diff-and-restore.md#diff-json)). */
export interface FileTally {
  files: number;
  bytes: bigint;
}

/** One snapshot's identity and size, files counted once per id ([spec](../spec/diff-and-restore.md#diff-json)). */
export interface SnapshotSummary extends FileTally {
  snapshotId: bigint;
  kind: Snapshot["kind"];
}

/** Where a file id occurs, with the content recorded there ([spec](../spec/diff-and-restore.md#changed-content)). */
export interface FileOccurrence {
  snapshot: "a" | "b";
  operatorId: string;
  subtaskIndex: number;
  path: string;
  size: bigint;
  xxh64: bigint;
}

/**
 * A file id that denotes more than one content (size, xxh64) across A and B
 * ([spec](../spec/diff-and-restore.md#changed-content)): one occurrence per snapshot and content.
 */
export interface ChangedFile {
  id: string;
  occurrences: FileOccurrence[];
}

/** Added, reused and dropped files of one subtask; the classification is by id over the whole snapshots ([spec](../spec/diff-and-restore.md#diff)). */
export interface SubtaskDiff {
  subtaskIndex: number;
  inA: boolean;
  inB: boolean;
  /** B's files of this subtask whose id is not in A. */
  added: FileTally;
  /** B's files of this subtask whose id is also in A. */
  reused: FileTally;
  /** A's files of this subtask whose id is not in B. */
  dropped: FileTally;
}

/** The subtasks of one operator present in A, B or both ([spec](../spec/diff-and-restore.md#diff-json)). */
export interface OperatorDiff {
  operatorId: string;
  /** B's name, or A's when the operator is only in A. */
  name: string;
  inA: boolean;
  inB: boolean;
  subtasks: SubtaskDiff[];
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
  /** Ids with more than one content: a hard error for incremental checkpoints. */
  changed: ChangedFile[];
  /** Sum of the sizes of `added`: what B uploaded relative to A. */
  uploadedBytes: bigint;
  /** B's full size, each id counted once. */
  fullBytes: bigint;
  /** Operators of A and B, sorted by id. */
  operators: OperatorDiff[];
}

/**
 * Compares snapshot `a` (the earlier one) with `b` by file id
 * ([spec](../spec/diff-and-restore.md#diff)). Never throws: an id whose content
 * differs is reported in `changed`, for the caller to treat as an error.
 */
export function diffSnapshots(a: Snapshot, b: Snapshot): SnapshotDiff {
  const inA = [...eachFile(a)];
  const inB = [...eachFile(b)];
  const aById = firstById(inA);
  const bById = firstById(inB);
  const added = [...bById.values()].filter((f) => !aById.has(f.id));
  return {
    a: summary(a, aById),
    b: summary(b, bById),
    added,
    reused: [...bById.values()].filter((f) => aById.has(f.id)),
    dropped: [...aById.values()].filter((f) => !bById.has(f.id)),
    changed: changedContent(inA, inB),
    uploadedBytes: sizeOf(added),
    fullBytes: sizeOf(bById.values()),
    operators: operatorDiffs(a, b, inA, inB, new Set(aById.keys()), new Set(bById.keys())),
  };
}

/** The first record of each id, sorted by id; after rescaling several handles may share a file. */
function firstById(files: readonly FileSite[]): Map<string, FileRef> {
  const byId = new Map<string, FileRef>();
  for (const { ref } of files) if (!byId.has(ref.id)) byId.set(ref.id, ref);
  return new Map([...byId].sort(([x], [y]) => compareCodePoints(x, y)));
}

function summary(s: Snapshot, byId: Map<string, FileRef>): SnapshotSummary {
  return { snapshotId: s.snapshotId, kind: s.kind, files: byId.size, bytes: sizeOf(byId.values()) };
}

function sizeOf(files: Iterable<FileRef>): bigint {
  let sum = 0n;
  for (const f of files) sum += f.size;
  return sum;
}

function changedContent(inA: readonly FileSite[], inB: readonly FileSite[]): ChangedFile[] {
  const versions = new Map<string, Map<string, FileOccurrence>>();
  const record = (side: "a" | "b", { ref: file, site }: FileSite) => {
    const byContent = versions.get(file.id) ?? new Map<string, FileOccurrence>();
    versions.set(file.id, byContent);
    const key = `${side} ${file.size} ${file.xxh64}`;
    if (!byContent.has(key)) {
      byContent.set(key, {
        snapshot: side, operatorId: site.operator.operatorId, subtaskIndex: site.subtask.subtaskIndex,
        path: file.path, size: file.size, xxh64: file.xxh64,
      });
    }
  };
  inA.forEach((l) => record("a", l));
  inB.forEach((l) => record("b", l));
  return [...versions]
    .map(([id, byContent]) => ({ id, occurrences: [...byContent.values()] }))
    .filter((c) => new Set(c.occurrences.map((o) => `${o.size} ${o.xxh64}`)).size > 1)
    .sort((x, y) => compareCodePoints(x.id, y.id));
}

function operatorDiffs(a: Snapshot, b: Snapshot, inA: readonly FileSite[], inB: readonly FileSite[],
  aIds: ReadonlySet<string>, bIds: ReadonlySet<string>): OperatorDiff[] {
  const opsA = new Map(a.operators.map((op) => [op.operatorId, op]));
  const opsB = new Map(b.operators.map((op) => [op.operatorId, op]));
  const filesA = bySubtask(inA);
  const filesB = bySubtask(inB);
  const ids = [...new Set([...opsA.keys(), ...opsB.keys()])].sort(compareCodePoints);
  return ids.map((id) => {
    const opA = opsA.get(id);
    const opB = opsB.get(id);
    const indexesA = new Set(opA?.subtasks.map((st) => st.subtaskIndex));
    const indexesB = new Set(opB?.subtasks.map((st) => st.subtaskIndex));
    const indexes = [...new Set([...indexesA, ...indexesB])].sort((x, y) => x - y);
    return {
      operatorId: id,
      name: opB?.name ?? opA?.name ?? "",
      inA: opA !== undefined,
      inB: opB !== undefined,
      subtasks: indexes.map((i) => ({
        subtaskIndex: i, inA: indexesA.has(i), inB: indexesB.has(i),
        ...subtaskTallies(filesA.get(id)?.get(i), filesB.get(id)?.get(i), aIds, bIds),
      })),
    };
  });
}

/** The distinct files (by id) of each subtask, by operator id and subtask index. */
function bySubtask(all: readonly FileSite[]): Map<string, Map<number, Map<string, FileRef>>> {
  const groups = new Map<string, Map<number, Map<string, FileRef>>>();
  for (const { ref: file, site } of all) {
    const subtasks = groups.get(site.operator.operatorId) ?? new Map<number, Map<string, FileRef>>();
    groups.set(site.operator.operatorId, subtasks);
    const files = subtasks.get(site.subtask.subtaskIndex) ?? new Map<string, FileRef>();
    subtasks.set(site.subtask.subtaskIndex, files);
    if (!files.has(file.id)) files.set(file.id, file);
  }
  return groups;
}

function subtaskTallies(inA: Map<string, FileRef> | undefined, inB: Map<string, FileRef> | undefined,
  aIds: ReadonlySet<string>, bIds: ReadonlySet<string>): Pick<SubtaskDiff, "added" | "reused" | "dropped"> {
  const filesA = [...(inA?.values() ?? [])];
  const filesB = [...(inB?.values() ?? [])];
  return {
    added: tallyOf(filesB.filter((f) => !aIds.has(f.id))),
    reused: tallyOf(filesB.filter((f) => aIds.has(f.id))),
    dropped: tallyOf(filesA.filter((f) => !bIds.has(f.id))),
  };
}

/** How many `files` and their total size ([spec](../spec/diff-and-restore.md#diff-json)). */
export function tallyOf(files: readonly FileRef[]): FileTally {
  return { files: files.length, bytes: sizeOf(files) };
}

/**
 * The JSON form of a diff ([spec](../spec/diff-and-restore.md#diff-json)): 64-bit
 * values as decimal strings and hashes as 16 hex digits, as in the snapshot's JSON form.
 */
export function diffToJson(d: SnapshotDiff): DiffJson {
  return {
    a: summaryJson(d.a),
    b: summaryJson(d.b),
    added: d.added.map(fileToJson),
    reused: d.reused.map(fileToJson),
    dropped: d.dropped.map(fileToJson),
    changed: d.changed.map((c) => ({
      id: c.id,
      occurrences: c.occurrences.map((o) => ({ ...o, size: String(o.size), xxh64: hashToHex(o.xxh64) })),
    })),
    uploadedBytes: String(d.uploadedBytes),
    fullBytes: String(d.fullBytes),
    operators: d.operators.map((op) => ({
      ...op,
      subtasks: op.subtasks.map((st) => ({ ...st, added: tallyJson(st.added), reused: tallyJson(st.reused), dropped: tallyJson(st.dropped) })),
    })),
  };
}

function summaryJson(s: SnapshotSummary): DiffJson["a"] {
  return { snapshotId: String(s.snapshotId), kind: s.kind, files: s.files, bytes: String(s.bytes) };
}

function tallyJson(t: FileTally): { files: number; bytes: string } {
  return { files: t.files, bytes: String(t.bytes) };
}

type TallyJson = { files: number; bytes: string };
/** The diff's JSON form ([spec](../spec/diff-and-restore.md#diff-json)). */
export interface DiffJson {
  a: { snapshotId: string; kind: Snapshot["kind"]; files: number; bytes: string };
  b: { snapshotId: string; kind: Snapshot["kind"]; files: number; bytes: string };
  added: FileRefJson[];
  reused: FileRefJson[];
  dropped: FileRefJson[];
  changed: { id: string; occurrences: (Omit<FileOccurrence, "size" | "xxh64"> & { size: string; xxh64: string })[] }[];
  uploadedBytes: string;
  fullBytes: string;
  operators: (Omit<OperatorDiff, "subtasks"> & {
    subtasks: (Omit<SubtaskDiff, "added" | "reused" | "dropped"> & { added: TallyJson; reused: TallyJson; dropped: TallyJson })[];
  })[];
}
