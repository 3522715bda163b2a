/**
 * FileRef and SharedFileRef in the canonical body ([spec](../../spec/format-v1.md#fileref)), with 1.1's local name
 * (field 5 of FileRef, 6 of SharedFileRef; a FileRef inside a StreamRef has none).
 */
import { withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { FileRef, SharedFileRef } from "../model.js";
import { compareCodePoints, compareFiles } from "./canonical-order.js";
import { fixed64, invalid, LEN, list, optionalStr, required, str, tag, u64, U64_MAX } from "./encode-fields.js";
import { varint32Size, varint64Size, type WireWriter as Writer } from "./wire-writer.js";

const { maxIdBytes, maxStringBytes, maxLocalNameBytes } = FORMAT_LIMITS;

/** Where a file ref sits, which decides its fields: SharedFileRef has an origin, and a FileRef in a StreamRef no local name. */
export type FileRefPlace = "file" | "shared" | "stream";

/**
 * Writes a list of file refs in canonical order. The hot loop of a large
 * checkpoint: a list that is already in order and valid (the usual case) is
 * checked and written in one pass; otherwise the writer is rewound and the
 * list goes through {@link writeFiles}, which sorts, validates and reports
 * exactly as always.
 */
export function writeFileList(w: Writer, field: number, files: readonly FileRef[], name: string, shared: boolean): void {
  const start = w.length;
  if (Array.isArray(files) && writeSortedValidFiles(w, (field << 3) | LEN, files, shared)) return;
  w.rewind(start);
  writeFiles(w, field, files, name, shared);
}

/** Writes `files` when they are in canonical order and valid; returns false (with partial output) otherwise. */
function writeSortedValidFiles(w: Writer, tagByte: number, files: readonly FileRef[], shared: boolean): boolean {
  let prev = "";
  // True when `prev` is ASCII (its UTF-8 length is its length): then it holds no
  // surrogates and JavaScript's native order is code point order.
  let prevAscii = true;
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const id = f.id;
      if (typeof id !== "string" || id === "") return false;
      if (i > 0 && (prevAscii ? prev > id : compareCodePoints(prev, id) > 0)) return false;
      const idBytes = writeValidFile(w, tagByte, f, id, shared);
      if (idBytes < 0) return false;
      prev = id;
      prevAscii = idBytes === id.length;
    }
  } catch {
    return false;
  }
  return true;
}

/**
 * One file ref of a list, without the error paths of {@link writeFile}:
 * returns the UTF-8 length of the id, or -1 when anything is invalid or the
 * ref has a local name (rare: the careful loop writes those). The length
 * prefix is sized for the message as it is when id and path are ASCII, so
 * that it rarely needs shifting.
 */
function writeValidFile(w: Writer, tagByte: number, f: FileRef, id: string, shared: boolean): number {
  const { path, size, xxh64, localName } = f;
  if (localName !== undefined && localName !== "") return -1;
  if (typeof path !== "string" || path === "") return -1;
  if (typeof size !== "bigint" || typeof xxh64 !== "bigint") return -1;
  // Sizes and origins usually fit 32 bits: one conversion serves the length estimate and the write.
  const smallSize = size >= 0n && size <= 0xffffffffn ? Number(size) : -1;
  if (smallSize < 0 && (size < 0n || size > U64_MAX)) return -1;
  if (xxh64 < 0n || xxh64 > U64_MAX) return -1;
  let length = 2 + varint32Size(id.length) + id.length + varint32Size(path.length) + path.length
    + (size === 0n ? 0 : 1 + (smallSize >= 0 ? varint32Size(smallSize) : varint64Size(size))) + (xxh64 === 0n ? 0 : 9);
  let origin = 0n, smallOrigin = -1;
  if (shared) {
    origin = (f as SharedFileRef).originCheckpointId;
    if (typeof origin !== "bigint" || origin <= 0n || origin > U64_MAX) return -1;
    if (origin <= 0xffffffffn) smallOrigin = Number(origin);
    length += 1 + (smallOrigin >= 0 ? varint32Size(smallOrigin) : varint64Size(origin));
  }
  w.varint32(tagByte);
  const reserve = varint32Size(length);
  const mark = w.begin(reserve);
  const idBytes = w.fieldString(0x0a, id); // field 1, LEN
  if (idBytes < 0 || idBytes > maxIdBytes) return -1;
  const pathBytes = w.fieldString(0x12, path); // field 2, LEN
  if (pathBytes < 0 || pathBytes > maxStringBytes) return -1;
  if (smallSize > 0) w.fieldVarint32(0x18, smallSize); // field 3, VARINT
  else if (smallSize < 0) w.fieldVarint64(0x18, size);
  if (xxh64 !== 0n) w.fieldFixed64(0x21, xxh64); // field 4, I64
  if (shared) { // field 5, VARINT
    if (smallOrigin >= 0) w.fieldVarint32(0x28, smallOrigin);
    else w.fieldVarint64(0x28, origin);
  }
  w.end(mark, reserve);
  return idBytes;
}

/** The careful loop, in canonical order: validation errors name the field and the ref's index in `files`. */
function writeFiles(w: Writer, field: number, files: readonly FileRef[], name: string, shared: boolean): void {
  list(files, compareFiles, name, (f) => {
    const mark = tag(w, field, LEN).begin();
    writeFile(w, f, shared ? "shared" : "file");
    w.end(mark);
  });
}

/** A singular file ref's fields (the caller wrote its tag), with errors named under `field`. */
export function writeFileIn(w: Writer, f: FileRef, field: string, place: FileRefPlace = "file"): void {
  try {
    writeFile(w, f, place);
  } catch (e) {
    withContext(e, field);
  }
}

function writeFile(w: Writer, f: FileRef | SharedFileRef, place: FileRefPlace): void {
  if (typeof f !== "object" || f === null) throw invalid("", "file ref is not an object");
  required(typeof f.id === "string" && f.id !== "", "id", "file id");
  str(w, 1, f.id, maxIdBytes, "id");
  required(typeof f.path === "string" && f.path !== "", "path", "file path");
  str(w, 2, f.path, maxStringBytes, "path");
  u64(w, 3, f.size, "size");
  fixed64(w, 4, f.xxh64, "xxh64");
  if (place === "shared") {
    const origin = (f as SharedFileRef).originCheckpointId;
    required(typeof origin === "bigint" && origin !== 0n, "originCheckpointId", "origin_checkpoint_id");
    u64(w, 5, origin, "originCheckpointId");
  }
  // Inside a StreamRef the local name is the stream's (StreamRef.local_name), written by the caller.
  if (place !== "stream") optionalStr(w, place === "shared" ? 12 : 11, f.localName, maxLocalNameBytes, "localName");
}
