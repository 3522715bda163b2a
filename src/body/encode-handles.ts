/**
 * KeyedStateHandle and its five variants in the canonical body ([spec](../../spec/format-v1.md#keyedstatehandle)).
 * The caller passes handles in their canonical form (canonical-form.ts): a stream-incremental handle the 1.0 form
 * can hold arrives as `incremental`.
 */
import { FORMAT_LIMITS } from "../limits.js";
import type {
  IncrementalHandle, KeyedStateHandle, KeyGroupsStreamHandle, OpaqueHandle, SavepointHandle, StreamIncrementalHandle,
} from "../model.js";
import {
  bytes, inContext, invalid, message, packedOffsets, present, required, str, u64, writeKeyGroups,
} from "./encode-fields.js";
import { writeFileIn, writeFileList } from "./encode-files.js";
import { writeSharedStreamList, writeStreamField, writeStreamList } from "./encode-streams.js";
import type { WireWriter as Writer } from "./wire-writer.js";

const { maxIdBytes, maxStringBytes, maxKeyGroups, maxInlineBytes } = FORMAT_LIMITS;

/** One KeyedStateHandle's oneof; `reserve` is the length-prefix reserve of a large incremental handle. */
export function writeHandle(w: Writer, h: KeyedStateHandle, reserve = 1): void {
  if (typeof h !== "object" || h === null) throw invalid("", "handle is not an object");
  switch (h.type) {
    case "incremental": message(w, 1, () => inContext("incremental", () => writeIncremental(w, h)), reserve); break;
    case "savepoint": message(w, 2, () => inContext("savepoint", () => writeSavepoint(w, h))); break;
    case "stream-incremental": message(w, 10, () => inContext("streamIncremental", () => writeStreamIncremental(w, h)), reserve); break;
    case "key-groups-stream": message(w, 11, () => inContext("keyGroupsStream", () => writeKeyGroupsStream(w, h))); break;
    case "opaque": message(w, 12, () => inContext("opaque", () => writeOpaque(w, h, true))); break;
    default:
      throw invalid("type", `handle type "${String((h as { type: unknown }).type)}" is not incremental, savepoint, stream-incremental, key-groups-stream or opaque`);
  }
}

function writeIncremental(w: Writer, h: IncrementalHandle): void {
  required(h.backendId !== "", "backendId", "backend_id");
  str(w, 1, h.backendId, maxIdBytes, "backendId");
  writeKeyGroups(w, 2, h.keyGroups);
  required(h.folder !== "", "folder", "folder");
  str(w, 3, h.folder, maxStringBytes, "folder");
  required(h.checkpointId !== 0n, "checkpointId", "checkpoint_id");
  u64(w, 4, h.checkpointId, "checkpointId");
  u64(w, 5, h.baseCheckpointId, "baseCheckpointId");
  writeFileList(w, 6, h.sharedFiles, "sharedFiles", true);
  writeFileList(w, 7, h.privateFiles, "privateFiles", false);
  required(present(h.metaFile), "metaFile", "meta_file");
  message(w, 8, () => writeFileIn(w, h.metaFile, "metaFile"));
  u64(w, 9, h.stateSize, "stateSize");
  u64(w, 10, h.checkpointedSize, "checkpointedSize");
}

function writeSavepoint(w: Writer, h: SavepointHandle): void {
  writeKeyGroups(w, 1, h.keyGroups);
  required(present(h.dataFile), "dataFile", "data_file");
  message(w, 2, () => writeFileIn(w, h.dataFile, "dataFile"));
  packedOffsets(w, 3, h.offsets, maxKeyGroups);
}

function writeStreamIncremental(w: Writer, h: StreamIncrementalHandle): void {
  required(typeof h.backendId === "string" && h.backendId !== "", "backendId", "backend_id", 1);
  str(w, 1, h.backendId, maxIdBytes, "backendId");
  writeKeyGroups(w, 2, h.keyGroups, 1);
  str(w, 3, h.folder ?? "", maxStringBytes, "folder");
  required(typeof h.checkpointId === "bigint" && h.checkpointId !== 0n, "checkpointId", "checkpoint_id", 1);
  u64(w, 4, h.checkpointId, "checkpointId");
  u64(w, 5, h.baseCheckpointId, "baseCheckpointId");
  writeSharedStreamList(w, 6, h.sharedFiles, "sharedFiles");
  writeStreamList(w, 7, h.privateFiles, "privateFiles");
  writeStreamField(w, 8, h.meta, "meta");
  u64(w, 9, h.stateSize, "stateSize");
  u64(w, 10, h.checkpointedSize, "checkpointedSize");
}

function writeKeyGroupsStream(w: Writer, h: KeyGroupsStreamHandle): void {
  writeKeyGroups(w, 1, h.keyGroups, 1);
  writeStreamField(w, 2, h.data, "data");
  packedOffsets(w, 3, h.offsets, maxKeyGroups);
  required(typeof h.dataFormat === "string" && h.dataFormat !== "", "dataFormat", "data_format", 1);
  str(w, 4, h.dataFormat, maxIdBytes, "dataFormat");
}

/**
 * An OpaqueHandle's fields. `keyed`: a keyed handle's variant, which must hold key groups; an item of
 * `channel_state` must not (channel data belongs to no key group).
 */
export function writeOpaque(w: Writer, h: OpaqueHandle, keyed: boolean): void {
  if (typeof h !== "object" || h === null) throw invalid("", "opaque handle is not an object");
  required(typeof h.kind === "string" && h.kind !== "", "kind", "kind", 1);
  str(w, 1, h.kind, maxIdBytes, "kind");
  if (keyed) writeKeyGroups(w, 2, h.keyGroups!, 1);
  else if (present(h.keyGroups)) throw invalid("keyGroups", "an opaque handle in channel_state has no key_groups: channel data belongs to no key group");
  writeStreamList(w, 3, h.files, "files");
  writeSharedStreamList(w, 4, h.sharedFiles, "sharedFiles");
  bytes(w, 5, h.payload, maxInlineBytes, "payload");
}
