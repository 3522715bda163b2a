/**
 * FileRef and SharedFileRef ([spec](../../spec/format-v1.md#fileref)): 1.0's file refs, with 1.1's ignorable
 * local name.
 */
import { KsnapError, withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { FileRef, SharedFileRef } from "../model.js";
import { readCanonicalFileRef } from "./decode-canonical-files.js";
import { closeMessage, fieldNumber, missing, skip, type BodyReader } from "./decode-fields.js";
import { expectWireType, readFixed64, readLengthEnd, readString, readTag, readUint64, readUint64Repeated, WT_I64, WT_LEN, WT_VARINT } from "./wire.js";

const { maxIdBytes, maxStringBytes, maxLocalNameBytes } = FORMAT_LIMITS;

/** Where a file ref sits, which decides its fields: SharedFileRef has an origin, and a FileRef in a StreamRef no local name. */
export type FileRefPlace = "file" | "shared" | "stream";

/** A FileRef or SharedFileRef message whose tag has been read; errors are named under `list[index]` (`list` alone for -1). */
export function readFileRefAt(r: BodyReader, parentEnd: number, list: string, index: number, place: FileRefPlace = "file"): FileRef {
  try {
    return readFileFields(r, readLengthEnd(r, parentEnd), place);
  } catch (e) {
    return withContext(e, index < 0 ? list : `${list}[${index}]`);
  }
}

/** {@link readFileRefAt} for an item of `sharedFiles`. */
export function readSharedFileAt(r: BodyReader, parentEnd: number, index: number): SharedFileRef {
  return readFileRefAt(r, parentEnd, "sharedFiles", index, "shared") as SharedFileRef;
}

/**
 * FileRef and SharedFileRef share fields 1-4. Field 5 is SharedFileRef's origin. The 1.1 local name is field 11
 * of FileRef and 12 of SharedFileRef, past the numbers released vectors use as unknown fields (reserved in
 * snapshot.proto). A 1.0 reader skips the local names as unknown fields.
 */
function readFileFields(r: BodyReader, end: number, place: FileRefPlace): FileRef | SharedFileRef {
  if (place !== "stream") {
    const fast = readCanonicalFileRef(r, end, place === "shared");
    if (fast !== undefined) return fast;
  }
  let id = "", path = "", size = 0n, xxh64 = 0n, origin = 0n, localName = "";
  const shared = place === "shared";
  const message = shared ? "SharedFileRef" : "FileRef";
  const localNameField = shared ? 12 : 11;
  while (r.pos < end) {
    const tag = readTag(r);
    const n = fieldNumber(r, tag, localNameField);
    if (n === 1) { expectWireType(r, tag, WT_LEN, message); id = readString(r, end, maxIdBytes, "file id", "id"); }
    else if (n === 2) { expectWireType(r, tag, WT_LEN, message); path = readString(r, end, maxStringBytes, "file path", "path"); }
    else if (n === 3) { expectWireType(r, tag, WT_VARINT, message); size = readUint64(r); }
    else if (n === 4) { expectWireType(r, tag, WT_I64, message); xxh64 = readFixed64(r); }
    else if (n === 5 && shared) { expectWireType(r, tag, WT_VARINT, message); origin = readUint64Repeated(r); }
    else if (n === localNameField) {
      expectWireType(r, tag, WT_LEN, message);
      const at = r.pos;
      localName = readString(r, end, maxLocalNameBytes, "local_name", "localName");
      if (localName !== "" && place === "stream") {
        // One local name per stream: a second one here could disagree with StreamRef.local_name.
        throw new KsnapError("INVALID_FIELD", "a FileRef inside a StreamRef has no local_name: StreamRef.local_name holds it", { offset: at, field: "localName" });
      }
    } else skip(r, tag);
  }
  closeMessage(r, end, message);
  if (id === "") throw missing(r, "file id", "id");
  if (path === "") throw missing(r, "file path", "path");
  // Object literals, not a spread: this is the hot path of a metadata file with millions of refs.
  if (!shared) return localName === "" ? { id, path, size, xxh64 } : { id, path, size, xxh64, localName };
  if (origin === 0n) throw missing(r, "origin_checkpoint_id", "originCheckpointId");
  return localName === ""
    ? { id, path, size, xxh64, originCheckpointId: origin }
    : { id, path, size, xxh64, originCheckpointId: origin, localName };
}
