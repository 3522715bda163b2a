/**
 * 1.1's keyed handle variants whose parts are streams ([spec](../../spec/format-v1.md#streamincrementalhandle)):
 * StreamIncrementalHandle, KeyGroupsStreamHandle and OpaqueHandle (also the item of `channel_state`).
 */
import { KsnapError, withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type {
  KeyGroupRange, KeyGroupsStreamHandle, OpaqueHandle, SharedStreamRef, StreamIncrementalHandle, StreamRef,
} from "../model.js";
import {
  closeMessage, fieldNumber, missing, once, readBytes, readKeyGroupsField, readOffsets, skip, type BodyReader,
} from "./decode-fields.js";
import { readSharedStreamAt, readStreamAt } from "./decode-streams.js";
import { expectWireType, readLengthEnd, readString, readTag, readUint64, WT_LEN, WT_VARINT } from "./wire.js";

const { maxIdBytes, maxStringBytes, maxInlineBytes } = FORMAT_LIMITS;

/** A StreamIncrementalHandle whose length prefix has been read; errors are named under `streamIncremental`. */
export function readStreamIncremental(r: BodyReader, end: number): StreamIncrementalHandle {
  let backendId = "", folder = "", checkpointId = 0n, baseCheckpointId = 0n, stateSize = 0n, checkpointedSize = 0n;
  let keyGroups: KeyGroupRange | undefined;
  let meta: StreamRef | undefined;
  const sharedFiles: SharedStreamRef[] = [];
  const privateFiles: StreamRef[] = [];
  const M = "StreamIncrementalHandle";
  try {
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, M); backendId = readString(r, end, maxIdBytes, "backend_id", "backendId"); break;
        case 2: keyGroups = readKeyGroupsField(r, tag, end, keyGroups, M); break;
        case 3: expectWireType(r, tag, WT_LEN, M); folder = readString(r, end, maxStringBytes, "folder", "folder"); break;
        case 4: expectWireType(r, tag, WT_VARINT, M); checkpointId = readUint64(r); break;
        case 5: expectWireType(r, tag, WT_VARINT, M); baseCheckpointId = readUint64(r); break;
        case 6: expectWireType(r, tag, WT_LEN, M); sharedFiles.push(readSharedStreamAt(r, end, "sharedFiles", sharedFiles.length)); break;
        case 7: expectWireType(r, tag, WT_LEN, M); privateFiles.push(readStreamAt(r, end, `privateFiles[${privateFiles.length}]`)); break;
        case 8: expectWireType(r, tag, WT_LEN, M); once(r, meta, "meta"); meta = readStreamAt(r, end, "meta"); break;
        case 9: expectWireType(r, tag, WT_VARINT, M); stateSize = readUint64(r); break;
        case 10: expectWireType(r, tag, WT_VARINT, M); checkpointedSize = readUint64(r); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, M);
    if (backendId === "") throw missing(r, "backend_id", "backendId", 1);
    if (keyGroups === undefined) throw missing(r, "key_groups", "keyGroups", 1);
    if (checkpointId === 0n) throw missing(r, "checkpoint_id", "checkpointId", 1);
    if (meta === undefined) throw missing(r, "meta", "meta", 1);
  } catch (e) {
    return withContext(e, "streamIncremental");
  }
  return {
    type: "stream-incremental", backendId, keyGroups, folder, checkpointId, baseCheckpointId,
    sharedFiles, privateFiles, meta, stateSize, checkpointedSize,
  };
}

/** A KeyGroupsStreamHandle whose length prefix has been read; errors are named under `keyGroupsStream`. */
export function readKeyGroupsStream(r: BodyReader, end: number): KeyGroupsStreamHandle {
  let keyGroups: KeyGroupRange | undefined;
  let data: StreamRef | undefined;
  let dataFormat = "";
  const offsets: bigint[] = [];
  const M = "KeyGroupsStreamHandle";
  try {
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: keyGroups = readKeyGroupsField(r, tag, end, keyGroups, M); break;
        case 2: expectWireType(r, tag, WT_LEN, M); once(r, data, "data"); data = readStreamAt(r, end, "data"); break;
        case 3: readOffsets(r, tag, end, offsets, M); break;
        case 4: expectWireType(r, tag, WT_LEN, M); dataFormat = readString(r, end, maxIdBytes, "data_format", "dataFormat"); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, M);
    if (keyGroups === undefined) throw missing(r, "key_groups", "keyGroups", 1);
    if (data === undefined) throw missing(r, "data", "data", 1);
    if (dataFormat === "") throw missing(r, "data_format", "dataFormat", 1);
  } catch (e) {
    return withContext(e, "keyGroupsStream");
  }
  return { type: "key-groups-stream", keyGroups, data, offsets, dataFormat };
}

/**
 * An OpaqueHandle whose length prefix has been read. `keyed`: a variant of a keyed handle, which must hold key
 * groups; in `channel_state` (not keyed) it must not, since channel data belongs to no key group.
 */
export function readOpaque(r: BodyReader, end: number, keyed: boolean): OpaqueHandle {
  let kind = "";
  let keyGroups: KeyGroupRange | undefined;
  let keyGroupsAt = 0;
  let payload: Uint8Array = new Uint8Array(0);
  const files: StreamRef[] = [];
  const sharedFiles: SharedStreamRef[] = [];
  const M = "OpaqueHandle";
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_LEN, M); kind = readString(r, end, maxIdBytes, "kind", "kind"); break;
      case 2: keyGroupsAt = r.pos; keyGroups = readKeyGroupsField(r, tag, end, keyGroups, M); break;
      case 3: expectWireType(r, tag, WT_LEN, M); files.push(readStreamAt(r, end, `files[${files.length}]`)); break;
      case 4: expectWireType(r, tag, WT_LEN, M); sharedFiles.push(readSharedStreamAt(r, end, "sharedFiles", sharedFiles.length)); break;
      case 5: expectWireType(r, tag, WT_LEN, M); payload = readBytes(r, end, maxInlineBytes, "payload", "payload"); break;
      default: skip(r, tag);
    }
  }
  closeMessage(r, end, M);
  if (kind === "") throw missing(r, "kind", "kind", 1);
  if (keyed && keyGroups === undefined) throw missing(r, "key_groups (of an opaque keyed handle)", "keyGroups", 1);
  if (!keyed && keyGroups !== undefined) {
    throw new KsnapError("INVALID_FIELD", "an opaque handle in channel_state has no key_groups: channel data belongs to no key group", { offset: keyGroupsAt, field: "keyGroups" });
  }
  const h: OpaqueHandle = { type: "opaque", kind, files, sharedFiles, payload };
  if (keyGroups !== undefined) h.keyGroups = keyGroups;
  return h;
}

/** {@link readOpaque} for a keyed handle's variant: errors are named under `opaque`. */
export function readOpaqueVariant(r: BodyReader, end: number): OpaqueHandle {
  try {
    return readOpaque(r, end, true);
  } catch (e) {
    return withContext(e, "opaque");
  }
}

/** {@link readOpaque} for an item of `channel_state`, as `channelState[index]`. */
export function readChannelStateAt(r: BodyReader, parentEnd: number, index: number): OpaqueHandle {
  try {
    return readOpaque(r, readLengthEnd(r, parentEnd), false);
  } catch (e) {
    return withContext(e, `channelState[${index}]`);
  }
}
