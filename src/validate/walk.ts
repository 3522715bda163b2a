/**
 * Walks a snapshot's handles and file refs with the field paths findings name
 * ([spec](../../spec/format-v1.md#errors): `operators[0].subtasks[1].handles[0].incremental.sharedFiles[3]`).
 * File field paths are built only when a finding needs one: a checkpoint can
 * hold millions of refs, and most of them are fine.
 */
import type { FileRef, KeyedStateHandle, OperatorState, SharedFileRef, Snapshot, SubtaskState } from "../model.js";

/** One handle and where it sits. */
export interface HandleSite {
  handle: KeyedStateHandle;
  operator: OperatorState;
  operatorIndex: number;
  subtask: SubtaskState;
  /** `operators[i].subtasks[j].handles[k]` */
  field: string;
}

/** How a file ref belongs to its handle. */
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
  for (const [operatorIndex, operator] of snapshot.operators.entries()) {
    for (const [j, subtask] of operator.subtasks.entries()) {
      for (const [k, handle] of subtask.handles.entries()) {
        yield { handle, operator, operatorIndex, subtask, field: `${subtaskField(operatorIndex, j)}.handles[${k}]` };
      }
    }
  }
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
