/**
 * The one walker of a snapshot's handles and file refs, with the field paths
 * that errors and findings name ([spec](../spec/format-v1.md#errors):
 * `operators[0].subtasks[1].handles[0].incremental.sharedFiles[3]`). Validation,
 * the registry, gc, diff, restore planning and rendering all start from it, so
 * a file role or a new kind of ref is added in one place. Field paths are built
 * only when asked for: a checkpoint can hold millions of refs, and most of them
 * need none.
 */
import type { FileRef, KeyedStateHandle, OperatorState, SharedFileRef, Snapshot, SubtaskState } from "./model.js";

/** One handle and where it sits. */
export interface HandleSite {
  handle: KeyedStateHandle;
  operator: OperatorState;
  operatorIndex: number;
  subtask: SubtaskState;
  /** k: the handle's position in its subtask's `handles`. */
  handleIndex: number;
  /** `operators[i].subtasks[j].handles[k]` */
  field: string;
}

/** How a file ref belongs to its handle ([spec](../spec/ownership.md#owners)). */
export type FileRole = "shared" | "private" | "meta" | "data";

/** One file ref and where it sits. */
export interface FileSite {
  ref: FileRef | SharedFileRef;
  role: FileRole;
  site: HandleSite;
  /** Index in `sharedFiles` or `privateFiles`; -1 for `metaFile` and `dataFile`. */
  index: number;
}

/** `operators[i].subtasks[j]` */
export function subtaskField(operatorIndex: number, subtaskPosition: number): string {
  return `operators[${operatorIndex}].subtasks[${subtaskPosition}]`;
}

/** The field path of a handle's variant: `…handles[k].incremental` or `…handles[k].savepoint`. */
export function variantField(site: HandleSite): string {
  return `${site.field}.${site.handle.type}`;
}

/** The field path of a file ref, such as `…handles[0].incremental.sharedFiles[2]`. */
export function fileField(f: FileSite): string {
  const base = variantField(f.site);
  switch (f.role) {
    case "shared": return `${base}.sharedFiles[${f.index}]`;
    case "private": return `${base}.privateFiles[${f.index}]`;
    case "meta": return `${base}.metaFile`;
    case "data": return `${base}.dataFile`;
  }
}

/** Every handle of `snapshot`, in file order. */
export function* eachHandle(snapshot: Snapshot): Generator<HandleSite> {
  for (const [operatorIndex, operator] of snapshot.operators.entries()) yield* operatorHandles(operator, operatorIndex);
}

/**
 * The handles of one operator ([spec](../spec/format-v1.md#operatorstate)),
 * `operators[operatorIndex]`, in file order: for the checks and plans that work
 * an operator at a time.
 */
export function* operatorHandles(operator: OperatorState, operatorIndex: number): Generator<HandleSite> {
  for (const [j, subtask] of operator.subtasks.entries()) {
    for (const [k, handle] of subtask.handles.entries()) {
      yield { handle, operator, operatorIndex, subtask, handleIndex: k, field: `${subtaskField(operatorIndex, j)}.handles[${k}]` };
    }
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

/** The file refs of one handle: shared, private, meta (incremental) or data (savepoint). */
export function* filesOf(site: HandleSite): Generator<FileSite> {
  const h = site.handle;
  if (h.type === "savepoint") {
    yield { ref: h.dataFile, role: "data", site, index: -1 };
    return;
  }
  for (const [index, ref] of h.sharedFiles.entries()) yield { ref, role: "shared", site, index };
  for (const [index, ref] of h.privateFiles.entries()) yield { ref, role: "private", site, index };
  yield { ref: h.metaFile, role: "meta", site, index: -1 };
}

/** Every file ref of `snapshot`, in file order. */
export function* eachFile(snapshot: Snapshot): Generator<FileSite> {
  for (const site of eachHandle(snapshot)) yield* filesOf(site);
}

/** The checkpoint that uploaded the file, for a shared ref; undefined for private, meta and data files. */
export function originOf(f: FileSite): bigint | undefined {
  return f.role === "shared" ? (f.ref as SharedFileRef).originCheckpointId : undefined;
}

/** The distinct paths `snapshot` refers to. */
export function referencedPaths(snapshot: Snapshot): Set<string> {
  const paths = new Set<string>();
  for (const f of eachFile(snapshot)) paths.add(f.ref.path);
  return paths;
}

/** The non-zero `base_checkpoint_id` of each incremental handle, with its field path. */
export function baseReferences(snapshot: Snapshot): { base: bigint; field: string }[] {
  const out: { base: bigint; field: string }[] = [];
  for (const site of eachHandle(snapshot)) {
    const h = site.handle;
    if (h.type === "incremental" && h.baseCheckpointId !== 0n) out.push({ base: h.baseCheckpointId, field: `${variantField(site)}.baseCheckpointId` });
  }
  return out;
}
