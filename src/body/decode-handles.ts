/**
 * KeyedStateHandle and 1.0's two variants ([spec](../../spec/format-v1.md#keyedstatehandle)); 1.1's three are in
 * decode-stream-handles.ts.
 */
import { KsnapError, withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { FileRef, IncrementalHandle, KeyedStateHandle, KeyGroupRange, SavepointHandle, SharedFileRef } from "../model.js";
import {
  closeMessage, fieldNumber, missing, once, readKeyGroupsField, readOffsets, requireFeature, skip, type BodyReader,
} from "./decode-fields.js";
import { readFileRefAt, readSharedFileAt } from "./decode-files.js";
import { readKeyGroupsStream, readOpaqueVariant, readStreamIncremental } from "./decode-stream-handles.js";
import { FEATURE_OPAQUE_HANDLES, FEATURE_STREAM_HANDLES } from "./features.js";
import { expectWireType, readLengthEnd, readString, readTag, readUint64, WT_LEN, WT_VARINT } from "./wire.js";

const { maxIdBytes, maxStringBytes } = FORMAT_LIMITS;

/** A KeyedStateHandle whose tag has been read, as `list[index]` (`handles` or `rawKeyedHandles`). */
export function readHandleAt(r: BodyReader, parentEnd: number, list: string, index: number): KeyedStateHandle {
  try {
    const end = readLengthEnd(r, parentEnd);
    let handle: KeyedStateHandle | undefined;
    while (r.pos < end) {
      const tag = readTag(r);
      // Variants 10-12 are 1.1's: a 1.0 reader skips them and then finds no variant it knows. Numbers 3-9 are
      // reserved (released vectors use them as unknown fields) and are skipped by every reader.
      const n = fieldNumber(r, tag, 10);
      if (n !== 1 && n !== 2 && (n < 10 || n > 12)) { skip(r, tag); continue; }
      expectWireType(r, tag, WT_LEN, "KeyedStateHandle");
      // The length is read first, so that a second variant running past the message is MALFORMED_BODY like any field.
      const at = r.pos;
      const subEnd = readLengthEnd(r, end);
      if (handle !== undefined) {
        throw new KsnapError("INVALID_FIELD", "more than one variant of the handle oneof is set", { offset: at });
      }
      handle = readVariant(r, n, subEnd);
    }
    closeMessage(r, end, "KeyedStateHandle");
    if (handle === undefined) {
      const known = r.readerMinor === 0 ? "format 1.0 knows (incremental or savepoint)"
        : "format 1.1 knows (incremental, savepoint, stream_incremental, key_groups_stream or opaque)";
      throw new KsnapError("MISSING_FIELD", `the handle sets no variant ${known}`, { offset: r.pos });
    }
    return handle;
  } catch (e) {
    return withContext(e, `${list}[${index}]`);
  }
}

function readVariant(r: BodyReader, n: number, end: number): KeyedStateHandle {
  if (n === 10) requireFeature(r, FEATURE_STREAM_HANDLES, "a stream_incremental handle", "streamIncremental");
  else if (n === 11) requireFeature(r, FEATURE_STREAM_HANDLES, "a key_groups_stream handle", "keyGroupsStream");
  else if (n === 12) requireFeature(r, FEATURE_OPAQUE_HANDLES, "an opaque handle", "opaque");
  switch (n) {
    case 1: return readIncremental(r, end);
    case 2: return readSavepoint(r, end);
    case 10: return readStreamIncremental(r, end);
    case 11: return readKeyGroupsStream(r, end);
    default: return readOpaqueVariant(r, end);
  }
}

function readIncremental(r: BodyReader, end: number): IncrementalHandle {
  let backendId = "", folder = "", checkpointId = 0n, baseCheckpointId = 0n, stateSize = 0n, checkpointedSize = 0n;
  let keyGroups: KeyGroupRange | undefined;
  let metaFile: FileRef | undefined;
  const sharedFiles: SharedFileRef[] = [];
  const privateFiles: FileRef[] = [];
  try {
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); backendId = readString(r, end, maxIdBytes, "backend_id", "backendId"); break;
        case 2: keyGroups = readKeyGroupsField(r, tag, end, keyGroups, "IncrementalHandle"); break;
        case 3: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); folder = readString(r, end, maxStringBytes, "folder", "folder"); break;
        case 4: expectWireType(r, tag, WT_VARINT, "IncrementalHandle"); checkpointId = readUint64(r); break;
        case 5: expectWireType(r, tag, WT_VARINT, "IncrementalHandle"); baseCheckpointId = readUint64(r); break;
        case 6: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); sharedFiles.push(readSharedFileAt(r, end, sharedFiles.length)); break;
        case 7: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); privateFiles.push(readFileRefAt(r, end, "privateFiles", privateFiles.length)); break;
        case 8: expectWireType(r, tag, WT_LEN, "IncrementalHandle"); once(r, metaFile, "meta_file"); metaFile = readFileRefAt(r, end, "metaFile", -1); break;
        case 9: expectWireType(r, tag, WT_VARINT, "IncrementalHandle"); stateSize = readUint64(r); break;
        case 10: expectWireType(r, tag, WT_VARINT, "IncrementalHandle"); checkpointedSize = readUint64(r); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, "IncrementalHandle");
    if (backendId === "") throw missing(r, "backend_id", "backendId");
    if (keyGroups === undefined) throw missing(r, "key_groups", "keyGroups");
    if (folder === "") throw missing(r, "folder", "folder");
    if (checkpointId === 0n) throw missing(r, "checkpoint_id", "checkpointId");
    if (metaFile === undefined) throw missing(r, "meta_file", "metaFile");
  } catch (e) {
    return withContext(e, "incremental");
  }
  return {
    type: "incremental", backendId, keyGroups, folder, checkpointId, baseCheckpointId,
    sharedFiles, privateFiles, metaFile, stateSize, checkpointedSize,
  };
}

function readSavepoint(r: BodyReader, end: number): SavepointHandle {
  let keyGroups: KeyGroupRange | undefined;
  let dataFile: FileRef | undefined;
  const offsets: bigint[] = [];
  try {
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: keyGroups = readKeyGroupsField(r, tag, end, keyGroups, "SavepointHandle"); break;
        case 2: expectWireType(r, tag, WT_LEN, "SavepointHandle"); once(r, dataFile, "data_file"); dataFile = readFileRefAt(r, end, "dataFile", -1); break;
        case 3: readOffsets(r, tag, end, offsets, "SavepointHandle"); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, "SavepointHandle");
    if (keyGroups === undefined) throw missing(r, "key_groups", "keyGroups");
    if (dataFile === undefined) throw missing(r, "data_file", "dataFile");
  } catch (e) {
    return withContext(e, "savepoint");
  }
  return { type: "savepoint", keyGroups, dataFile, offsets };
}
