/**
 * The canonical choice of form ([spec](../../spec/format-v1.md#canonical-choice-of-form)): a stream-incremental
 * handle that the 1.0 `incremental` form can hold is written in that form, so that a snapshot has one canonical
 * file and a file needing nothing of 1.1 stays readable by 1.0 readers.
 */
import type {
  FileRef, FileStream, IncrementalHandle, KeyedStateHandle, SharedFileRef, StreamIncrementalHandle, StreamRef,
} from "../model.js";

function isFileStream(s: unknown): s is FileStream {
  return typeof s === "object" && s !== null && (s as StreamRef).type === "file";
}

/** True when `h` holds only whole files under the root and has a folder: the 1.0 form can hold it. */
export function fitsIncrementalForm(h: StreamIncrementalHandle): boolean {
  return typeof h.folder === "string" && h.folder !== ""
    && Array.isArray(h.sharedFiles) && h.sharedFiles.every(isFileStream)
    && Array.isArray(h.privateFiles) && h.privateFiles.every(isFileStream)
    && isFileStream(h.meta);
}

/** A FileStream as a FileRef: the stream's local name becomes the file's (a FileRef inside a StreamRef has none). */
function asFileRef(s: FileStream): FileRef {
  const f: FileRef = { id: s.id, path: s.path, size: s.size, xxh64: s.xxh64 };
  if (s.localName !== undefined && s.localName !== "") f.localName = s.localName;
  return f;
}

/** `h` in the form it is written in: a new object when converted, `h` itself otherwise (the input is never mutated). */
export function canonicalHandle(h: KeyedStateHandle): KeyedStateHandle {
  if (typeof h !== "object" || h === null || h.type !== "stream-incremental" || !fitsIncrementalForm(h)) return h;
  const converted: IncrementalHandle = {
    type: "incremental", backendId: h.backendId, keyGroups: h.keyGroups, folder: h.folder,
    checkpointId: h.checkpointId, baseCheckpointId: h.baseCheckpointId,
    sharedFiles: h.sharedFiles.map((s): SharedFileRef => ({ ...asFileRef(s as FileStream), originCheckpointId: s.originCheckpointId })),
    privateFiles: h.privateFiles.map((s) => asFileRef(s as FileStream)),
    metaFile: asFileRef(h.meta as FileStream),
    stateSize: h.stateSize, checkpointedSize: h.checkpointedSize,
  };
  return converted;
}
