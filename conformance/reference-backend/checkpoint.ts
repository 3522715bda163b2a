/**
 * Incremental checkpoints ([spec](../../spec/conformance.md#checkpoint),
 * [layout](../../spec/format-v1.md#storage-layout)). Each subtask flushes its
 * memtable into a new run (only if its state changed), compacts when it has
 * too many runs, uploads the runs no earlier checkpoint uploaded to
 * `<root>/shared/`, and writes its MANIFEST as the handle's meta file under
 * `<root>/chk-<id>/<handle folder>/`. Runs uploaded before are referenced again
 * with their id, path, size, hash and origin. The metadata file comes last, so
 * a checkpoint is visible only once all its files are in place.
 */
import { existsSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import {
  encodeSnapshot, KsnapError, METADATA_FILE, resolveInRoot, SHARED_DIR, type IncrementalHandle, type Snapshot,
} from "../../src/index.js";
import { copyAtomic, writeAtomic } from "./atomic-write.js";
import type { Fault } from "./faults.js";
import { checkpointDir, MANIFEST_FILE, subtaskFileStem } from "./layout-names.js";
import { writeManifest } from "./manifest.js";
import type { Run, RunIdentity } from "./run-file.js";
import { sessionSnapshot } from "./session-snapshot.js";
import type { Session } from "./session.js";
import type { SubtaskStore } from "./subtask-store.js";

/** A subtask compacts when it has more runs than this. */
export const MAX_RUNS = 4;

/** What the subtasks of one checkpoint share. */
interface CheckpointRun {
  session: Session;
  id: bigint;
  fault: Fault | undefined;
  /** FAULT(forget-shared-file): set once this checkpoint skipped an upload. */
  forgotOne: boolean;
}

/**
 * Where checkpoint `id` of a session's root goes (`<root>/chk-<id>/_metadata.ksnap`), with `shared/` made:
 * INVALID_FIELD when `id` is not after the session's last checkpoint, FILE_CONFLICT when the root already holds it.
 * Any backend's session (the RocksDB backend's too) has `lastCheckpointId` and a checkpoint root.
 */
export function newCheckpointMetadata(session: { lastCheckpointId: bigint; spec: { checkpointRoot: string } }, id: bigint): string {
  if (id <= session.lastCheckpointId) {
    throw new KsnapError("INVALID_FIELD", `checkpoint ${id} is not after the session's last checkpoint ${session.lastCheckpointId}`,
      { field: "checkpointId" });
  }
  const root = session.spec.checkpointRoot;
  const metadataPath = join(root, checkpointDir(id), METADATA_FILE);
  if (existsSync(metadataPath)) {
    throw new KsnapError("FILE_CONFLICT", `checkpoint ${id} already exists in the root: ids are never reused`, { file: metadataPath });
  }
  mkdirSync(join(root, SHARED_DIR), { recursive: true });
  return metadataPath;
}

/** Takes checkpoint `id` of every subtask of `session`; returns the metadata file's path. */
export function takeCheckpoint(session: Session, id: bigint, fault: Fault | undefined): string {
  const metadataPath = newCheckpointMetadata(session, id);
  session.checkpointsTaken++;
  const run: CheckpointRun = { session, id, fault, forgotOne: false };
  const handles = session.stores.map((store) => checkpointSubtask(run, store));
  writeAtomic(metadataPath, encodeSnapshot(checkpointSnapshot(session, id, handles)));
  session.lastCheckpointId = id;
  session.earlierUpload ??= firstUploaded(session);
  return metadataPath;
}

function checkpointSubtask(c: CheckpointRun, store: SubtaskStore): IncrementalHandle {
  const choose = (): RunIdentity => runIdentity(c, store);
  if (store.flush(choose) !== undefined && store.runs.length > MAX_RUNS) store.compact(choose);
  for (const run of store.runs) if (run.origin === undefined) upload(c, run);
  const root = c.session.spec.checkpointRoot;
  const folder = `${checkpointDir(c.id)}/${subtaskFileStem(c.session.spec.operatorId, store.index)}`;
  mkdirSync(resolveInRoot(root, folder), { recursive: true });
  const metaPath = `${folder}/${MANIFEST_FILE}`;
  const meta = writeManifest(resolveInRoot(root, metaPath), {
    backendId: store.backendId, keyGroups: store.keyGroups, states: c.session.ctx.names(),
    runs: store.runs.map((r) => ({ id: r.id, path: r.path, size: r.size, xxh64: r.xxh64, origin: r.origin! })),
  });
  const baseCheckpointId = store.lineage.at(-1) ?? 0n;
  store.lineage.push(c.id);
  const sharedFiles = store.runs.map((r) => ({
    id: r.id, path: r.path, size: r.size, xxh64: r.xxh64, originCheckpointId: r.origin!, localName: basename(r.localPath),
  }));
  const uploaded = sharedFiles.filter((f) => f.originCheckpointId === c.id).reduce((sum, f) => sum + f.size, 0n);
  return {
    type: "incremental", backendId: store.backendId, keyGroups: store.keyGroups, folder, checkpointId: c.id, baseCheckpointId,
    sharedFiles, privateFiles: [],
    metaFile: { id: `${store.backendId}/${store.instanceId}/${checkpointDir(c.id)}/${MANIFEST_FILE}`, path: metaPath, ...meta, localName: MANIFEST_FILE },
    stateSize: sharedFiles.reduce((sum, f) => sum + f.size, 0n) + meta.size,
    checkpointedSize: uploaded + meta.size,
  };
}

/** The identity of a run written during checkpoint `c`: fresh, unique by construction. */
function runIdentity(c: CheckpointRun, store: SubtaskStore): RunIdentity {
  // FAULT(reuse-file-id): a new run takes the id and path of a run an earlier checkpoint uploaded.
  if (c.fault === "reuse-file-id" && c.session.earlierUpload !== undefined) return { ...c.session.earlierUpload };
  return store.freshIdentity();
}

/** Copies a run to its path in the root; it is uploaded by (has its origin in) this checkpoint. */
function upload(c: CheckpointRun, run: Run): void {
  run.origin = c.id;
  // FAULT(forget-shared-file): from the session's second checkpoint on, one new run per checkpoint is not copied.
  if (c.fault === "forget-shared-file" && c.session.checkpointsTaken >= 2 && !c.forgotOne) {
    c.forgotOne = true;
    return;
  }
  copyAtomic(run.localPath, resolveInRoot(c.session.spec.checkpointRoot, run.path));
}

function firstUploaded(session: Session): RunIdentity | undefined {
  for (const store of session.stores) for (const r of store.runs) if (r.origin !== undefined) return { id: r.id, path: r.path };
  return undefined;
}

function checkpointSnapshot(session: Session, id: bigint, handles: IncrementalHandle[]): Snapshot {
  return sessionSnapshot(session, {
    snapshotId: id, kind: "checkpoint",
    properties: { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" },
    snapshotDir: checkpointDir(id),
  }, handles);
}
