/**
 * Stream handles (Flink's `StreamStateHandle`) by tag: 0 null, 1 inline bytes, 2 absolute file, 6 relative file,
 * 3 key-groups handle used as a stream, 15 segment and 16 empty segment (file merging: field order **unverified**,
 * taken from ../shared/REFERENCE.md; spec/flink.md "Sources").
 */
import type { DataInput } from "./data-input.js";
import type { FlinkByteStreamHandle, FlinkKeyGroupsHandle, FlinkStreamHandle } from "./flink-model.js";
import {
  BYTE_STREAM_HANDLE, EMPTY_SEGMENT_FILE_HANDLE, FILE_STREAM_HANDLE, KEY_GROUPS_HANDLE, NULL_HANDLE,
  readKeyGroupRange, readLongs, RELATIVE_STREAM_HANDLE, SEGMENT_FILE_HANDLE, unknownTag,
} from "./handle-tags.js";

const STREAM_TAGS = [NULL_HANDLE, BYTE_STREAM_HANDLE, FILE_STREAM_HANDLE, KEY_GROUPS_HANDLE, RELATIVE_STREAM_HANDLE,
  SEGMENT_FILE_HANDLE, EMPTY_SEGMENT_FILE_HANDLE] as const;

/** Reads a stream handle; `what` names it in errors. */
export function readStreamHandle(r: DataInput, what: string): FlinkStreamHandle | null {
  const at = r.pos;
  const tag = r.u8(`${what} handle type`);
  switch (tag) {
    case NULL_HANDLE: return null;
    case BYTE_STREAM_HANDLE: return readByteStreamBody(r, what);
    case FILE_STREAM_HANDLE: {
      const size = r.i64(`${what} size`);
      return { kind: "file", tag, size, path: r.utf(`${what} path`) };
    }
    case RELATIVE_STREAM_HANDLE: {
      const relativePath = r.utf(`${what} relative path`);
      return { kind: "relative-file", tag, relativePath, size: r.i64(`${what} size`) };
    }
    case KEY_GROUPS_HANDLE: return r.nested(what, () => readKeyGroupsBody(r, KEY_GROUPS_HANDLE, what));
    case SEGMENT_FILE_HANDLE: {
      // UNVERIFIED field order (REFERENCE.md: start, size, scope, physical path, logical file id).
      const startPos = r.i64(`${what} segment start`);
      const size = r.i64(`${what} segment size`);
      const scope = r.i32(`${what} segment scope`);
      const physicalPath = r.utf(`${what} physical path`);
      return { kind: "segment", tag, startPos, size, scope, physicalPath, logicalFileId: r.utf(`${what} logical file id`) };
    }
    case EMPTY_SEGMENT_FILE_HANDLE: return { kind: "empty-segment", tag }; // UNVERIFIED: no fields.
    default: throw unknownTag("stream", tag, at, STREAM_TAGS);
  }
}

/** Coordinator state: a byte stream or null (Flink's `deserializeAndCheckByteStreamStateHandle`). */
export function readByteStreamHandle(r: DataInput, what: string): FlinkByteStreamHandle | null {
  const at = r.pos;
  const tag = r.u8(`${what} handle type`);
  if (tag === NULL_HANDLE) return null;
  if (tag === BYTE_STREAM_HANDLE) return readByteStreamBody(r, what);
  throw unknownTag("byte stream", tag, at, [NULL_HANDLE, BYTE_STREAM_HANDLE]);
}

function readByteStreamBody(r: DataInput, what: string): FlinkByteStreamHandle {
  const name = r.utf(`${what} name`);
  return { kind: "byte-stream", tag: BYTE_STREAM_HANDLE, name, data: r.lengthPrefixed(`${what} data`) };
}

/** The body of a key-groups handle (tags 3, 7, 12 share it; 12 adds the id, read by the caller). */
export function readKeyGroupsBody(r: DataInput, tag: 3 | 7 | 12, what: string): FlinkKeyGroupsHandle {
  const keyGroups = readKeyGroupRange(r, what);
  const offsets = readLongs(r, keyGroups.count, `${what} key-group offsets`);
  return { kind: "key-groups", tag, keyGroups, offsets, delegate: readStreamHandle(r, `${what} delegate`) };
}
