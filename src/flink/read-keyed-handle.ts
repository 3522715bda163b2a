/**
 * Keyed state handles (Flink's `KeyedStateHandle`) by tag: 0 null; 3, 7, 12 key groups; 5, 11 incremental;
 * 8, 14 changelog backend (holding keyed handles); 9 in-memory changelog; 10, 13 changelog files.
 */
import type { DataInput } from "./data-input.js";
import type {
  FlinkChangelogBackendHandle, FlinkChangelogChange, FlinkChangelogStreamHandle, FlinkChangelogStreamPart,
  FlinkHandleAndLocalPath, FlinkIncrementalHandle, FlinkKeyedHandle,
} from "./flink-model.js";
import {
  CHANGELOG_BACKEND_HANDLE, CHANGELOG_BACKEND_HANDLE_V2, CHANGELOG_BYTE_INCREMENT_HANDLE,
  CHANGELOG_FILE_INCREMENT_HANDLE, CHANGELOG_FILE_INCREMENT_HANDLE_V2, INCREMENTAL_HANDLE, INCREMENTAL_HANDLE_V2,
  KEY_GROUPS_HANDLE, KEY_GROUPS_HANDLE_V2, NULL_HANDLE, readKeyGroupRange, SAVEPOINT_KEY_GROUPS_HANDLE, unknownTag,
} from "./handle-tags.js";
import { readKeyGroupsBody, readStreamHandle } from "./read-stream-handle.js";

const KEYED_TAGS = [NULL_HANDLE, KEY_GROUPS_HANDLE, INCREMENTAL_HANDLE, SAVEPOINT_KEY_GROUPS_HANDLE,
  CHANGELOG_BACKEND_HANDLE, CHANGELOG_BYTE_INCREMENT_HANDLE, CHANGELOG_FILE_INCREMENT_HANDLE, INCREMENTAL_HANDLE_V2,
  KEY_GROUPS_HANDLE_V2, CHANGELOG_FILE_INCREMENT_HANDLE_V2, CHANGELOG_BACKEND_HANDLE_V2] as const;

/** Reads a keyed handle; `what` names it in errors. Nesting (changelog handles) is bounded by the reader's depth. */
export function readKeyedHandle(r: DataInput, what: string): FlinkKeyedHandle | null {
  const at = r.pos;
  const tag = r.u8(`${what} handle type`);
  switch (tag) {
    case NULL_HANDLE: return null;
    case KEY_GROUPS_HANDLE: case SAVEPOINT_KEY_GROUPS_HANDLE: case KEY_GROUPS_HANDLE_V2: {
      const h = r.nested(what, () => readKeyGroupsBody(r, tag, what));
      if (tag === KEY_GROUPS_HANDLE_V2) h.stateHandleId = r.utf(`${what} state handle id`);
      return h;
    }
    case INCREMENTAL_HANDLE: case INCREMENTAL_HANDLE_V2: return readIncremental(r, tag, what);
    case CHANGELOG_BACKEND_HANDLE: case CHANGELOG_BACKEND_HANDLE_V2:
      return r.nested(what, () => readChangelogBackend(r, tag, what));
    case CHANGELOG_BYTE_INCREMENT_HANDLE: {
      const keyGroups = readKeyGroupRange(r, what);
      const from = r.i64(`${what} from`);
      const to = r.i64(`${what} to`);
      const n = r.count(`${what} change count`, 8);
      const changes: FlinkChangelogChange[] = [];
      for (let i = 0; i < n; i++) {
        const keyGroup = r.i32(`${what} change key group`);
        changes.push({ keyGroup, data: r.lengthPrefixed(`${what} change`) });
      }
      return { kind: "in-memory-changelog", tag, keyGroups, from, to, changes, stateHandleId: r.utf(`${what} id`) };
    }
    case CHANGELOG_FILE_INCREMENT_HANDLE: case CHANGELOG_FILE_INCREMENT_HANDLE_V2:
      return r.nested(what, () => readChangelogStream(r, tag, what));
    default: throw unknownTag("keyed", tag, at, KEYED_TAGS);
  }
}

function readIncremental(r: DataInput, tag: 5 | 11, what: string): FlinkIncrementalHandle {
  const checkpointId = r.i64(`${what} checkpoint id`);
  const backendId = r.utf(`${what} backend id`);
  const keyGroups = readKeyGroupRange(r, what);
  const h: FlinkIncrementalHandle = { kind: "incremental", tag, checkpointId, backendId, keyGroups } as FlinkIncrementalHandle;
  if (tag === INCREMENTAL_HANDLE_V2) h.checkpointedSize = r.i64(`${what} checkpointed size`);
  h.metaStateHandle = readStreamHandle(r, `${what} meta`);
  h.sharedState = readLocalPaths(r, `${what} shared`);
  h.privateState = readLocalPaths(r, `${what} private`);
  if (tag === INCREMENTAL_HANDLE_V2) h.stateHandleId = r.utf(`${what} state handle id`);
  return h;
}

function readLocalPaths(r: DataInput, what: string): FlinkHandleAndLocalPath[] {
  const n = r.count(`${what} file count`, 3);
  const out: FlinkHandleAndLocalPath[] = [];
  for (let i = 0; i < n; i++) {
    const localPath = r.utf(`${what}[${i}] local path`);
    out.push({ localPath, handle: readStreamHandle(r, `${what}[${i}]`) });
  }
  return out;
}

function readChangelogBackend(r: DataInput, tag: 8 | 14, what: string): FlinkChangelogBackendHandle {
  const keyGroups = readKeyGroupRange(r, what);
  const checkpointedSize = r.i64(`${what} checkpointed size`);
  const materialized = readKeyedList(r, `${what} materialized`);
  const nonMaterialized = readKeyedList(r, `${what} non-materialized`);
  const materializationId = r.i64(`${what} materialization id`);
  const h = { kind: "changelog-backend", tag, keyGroups, checkpointedSize, materialized, nonMaterialized, materializationId } as FlinkChangelogBackendHandle;
  if (tag === CHANGELOG_BACKEND_HANDLE_V2) h.checkpointId = r.i64(`${what} checkpoint id`);
  h.stateHandleId = r.utf(`${what} state handle id`);
  return h;
}

function readKeyedList(r: DataInput, what: string): (FlinkKeyedHandle | null)[] {
  const n = r.count(`${what} handle count`, 1);
  const out: (FlinkKeyedHandle | null)[] = [];
  for (let i = 0; i < n; i++) out.push(readKeyedHandle(r, `${what}[${i}]`));
  return out;
}

function readChangelogStream(r: DataInput, tag: 10 | 13, what: string): FlinkChangelogStreamHandle {
  const keyGroups = readKeyGroupRange(r, what);
  const n = r.count(`${what} stream count`, 9);
  const handlesAndOffsets: FlinkChangelogStreamPart[] = [];
  for (let i = 0; i < n; i++) {
    const offset = r.i64(`${what}[${i}] offset`);
    handlesAndOffsets.push({ offset, handle: readStreamHandle(r, `${what}[${i}]`) });
  }
  const size = r.i64(`${what} size`);
  const checkpointedSize = r.i64(`${what} checkpointed size`);
  const stateHandleId = r.utf(`${what} state handle id`);
  const h: FlinkChangelogStreamHandle = { kind: "changelog-stream", tag, keyGroups, handlesAndOffsets, size, checkpointedSize, stateHandleId };
  if (tag === CHANGELOG_FILE_INCREMENT_HANDLE_V2) h.storageIdentifier = r.utf(`${what} storage id`);
  return h;
}

