/**
 * The files a snapshot refers to, each with its role and the field path that
 * names it ([spec](../../spec/ownership.md#owners)). Ownership decisions and
 * error messages both start from this list.
 */
import type { FileRef, KeyedStateHandle, Snapshot } from "../model.js";

/** What a file is to the snapshot that refers to it. */
export type FileRole = "shared" | "private" | "meta" | "data";

/** One reference from a snapshot to a file. */
export interface ReferencedFile {
  ref: FileRef;
  role: FileRole;
  /** The checkpoint that uploaded the file, for shared files; undefined otherwise. */
  origin: bigint | undefined;
  /** Field path of the reference, for example `operators[0].subtasks[1].handles[0].incremental.sharedFiles[3]`. */
  field: string;
}

/** Every file reference of `snapshot`, in file order (a file referenced twice appears twice). */
export function referencedFiles(snapshot: Snapshot): ReferencedFile[] {
  const out: ReferencedFile[] = [];
  snapshot.operators.forEach((op, o) => op.subtasks.forEach((st, s) => st.handles.forEach((h, i) => {
    out.push(...handleFiles(h, `operators[${o}].subtasks[${s}].handles[${i}]`));
  })));
  return out;
}

/** The distinct paths `snapshot` refers to. */
export function referencedPaths(snapshot: Snapshot): Set<string> {
  return new Set(referencedFiles(snapshot).map((f) => f.ref.path));
}

/** The `base_checkpoint_id` of each incremental handle that has one (non-zero), with its field path. */
export function baseReferences(snapshot: Snapshot): { base: bigint; field: string }[] {
  const out: { base: bigint; field: string }[] = [];
  snapshot.operators.forEach((op, o) => op.subtasks.forEach((st, s) => st.handles.forEach((h, i) => {
    if (h.type === "incremental" && h.baseCheckpointId !== 0n) {
      out.push({ base: h.baseCheckpointId, field: `operators[${o}].subtasks[${s}].handles[${i}].incremental.baseCheckpointId` });
    }
  })));
  return out;
}

function handleFiles(h: KeyedStateHandle, at: string): ReferencedFile[] {
  if (h.type === "savepoint") return [{ ref: h.dataFile, role: "data", origin: undefined, field: `${at}.savepoint.dataFile` }];
  const inc = `${at}.incremental`;
  return [
    ...h.sharedFiles.map((f, k): ReferencedFile => ({ ref: f, role: "shared", origin: f.originCheckpointId, field: `${inc}.sharedFiles[${k}]` })),
    ...h.privateFiles.map((f, k): ReferencedFile => ({ ref: f, role: "private", origin: undefined, field: `${inc}.privateFiles[${k}]` })),
    { ref: h.metaFile, role: "meta", origin: undefined, field: `${inc}.metaFile` },
  ];
}
