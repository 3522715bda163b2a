/**
 * Incremental checkpoints through RocksDB's Checkpoint API
 * ([README](README.md#checkpoints), [spec](../../../spec/conformance.md#checkpoint)).
 * For each subtask the helper creates a RocksDB checkpoint in a local folder
 * (flushing the memtable first; SSTs are hard links). Then:
 *
 * * each SST (`NNNNNN.sst`) that no earlier checkpoint of the instance uploaded
 *   is copied to `shared/<db identity>-<local name>` with the id
 *   `<backend id>/<db identity>/<file number>`; one uploaded before is listed
 *   again as a shared ref with its id, path, size, hash and origin unchanged;
 * * the MANIFEST is the handle's meta file, and CURRENT and OPTIONS its private
 *   files, under `chk-<id>/<operator>-<subtask>/`;
 * * every file records its local name (format 1.1), so a restore puts it back
 *   under the name the MANIFEST knows it by.
 *
 * Every file goes to the root as the library writes files: a temporary file,
 * fsync, rename, fsync of the folder. The metadata file is written last, so a
 * checkpoint is visible only once all its files are in place.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  encodeSnapshot, KsnapError, resolveInRoot, SHARED_DIR, xxh64, type FileRef, type IncrementalHandle,
  type SharedFileRef, type Snapshot,
} from "../../../src/index.js";
import { writeAtomically } from "../../../src/storage/local-atomic-write.js";
import { checkpointDir, subtaskFileStem } from "../../reference-backend/layout-names.js";
import { newCheckpointMetadata } from "../../reference-backend/checkpoint.js";
import { sessionSnapshot } from "../../reference-backend/session-snapshot.js";
import type { RocksSession } from "./session.js";
import type { SubtaskDb } from "./subtask-db.js";

/** An SST's local name: RocksDB's file number, six digits or more, then `.sst`. */
export const SST_NAME = /^(\d+)\.sst$/;

/** A MANIFEST's local name. */
export const MANIFEST_NAME = /^MANIFEST-\d+$/;

/** Takes checkpoint `id` of every subtask of `session`; returns the metadata file's path. */
export async function takeCheckpoint(session: RocksSession, id: bigint): Promise<string> {
  const metadataPath = newCheckpointMetadata(session, id);
  const handles: IncrementalHandle[] = [];
  for (const db of session.dbs) handles.push(await checkpointSubtask(session, db, id));
  await writeAtomically(metadataPath, encodeSnapshot(checkpointSnapshot(session, id, handles)));
  session.lastCheckpointId = id;
  return metadataPath;
}

async function checkpointSubtask(session: RocksSession, db: SubtaskDb, id: bigint): Promise<IncrementalHandle> {
  const local = join(session.localDir, `checkpoint-${id}-${db.index}`);
  rmSync(local, { recursive: true, force: true });
  await db.helper.command("checkpoint", db.name, local);
  try {
    const root = session.spec.checkpointRoot;
    const folder = `${checkpointDir(id)}/${subtaskFileStem(session.spec.operatorId, db.index)}`;
    mkdirSync(resolveInRoot(root, folder), { recursive: true });
    const sharedFiles: SharedFileRef[] = [];
    const privateFiles: FileRef[] = [];
    let metaFile: FileRef | undefined;
    let uploadedBytes = 0n;
    for (const name of readdirSync(local).sort()) {
      const from = join(local, name);
      const sst = SST_NAME.exec(name);
      if (sst !== null) {
        let ref = db.uploaded.get(name);
        if (ref === undefined) {
          const bytes = readLocal(from);
          ref = { ...described(bytes), id: `${db.backendId}/${db.identity}/${Number(sst[1])}`, path: `${SHARED_DIR}/${db.identity}-${name}`,
            originCheckpointId: id, localName: name };
          await writeAtomically(resolveInRoot(root, ref.path), bytes);
          db.uploaded.set(name, ref);
          uploadedBytes += ref.size;
        }
        sharedFiles.push(ref);
        continue;
      }
      // MANIFEST, CURRENT, OPTIONS (and a WAL, were there one): this checkpoint's own files.
      const bytes = readLocal(from);
      const ref: FileRef = { ...described(bytes), id: `${db.backendId}/${db.identity}/${folder}/${name}`, path: `${folder}/${name}`, localName: name };
      await writeAtomically(resolveInRoot(root, ref.path), bytes);
      uploadedBytes += ref.size;
      if (MANIFEST_NAME.test(name)) metaFile = ref;
      else privateFiles.push(ref);
    }
    if (metaFile === undefined) throw new KsnapError("IO_ERROR", `RocksDB's checkpoint of subtask ${db.index} holds no MANIFEST`, { file: local });
    const baseCheckpointId = db.lineage.at(-1) ?? 0n;
    db.lineage.push(id);
    const all = [...sharedFiles, ...privateFiles, metaFile];
    return {
      type: "incremental", backendId: db.backendId, keyGroups: db.keyGroups, folder, checkpointId: id, baseCheckpointId,
      sharedFiles, privateFiles, metaFile,
      stateSize: all.reduce((sum, f) => sum + f.size, 0n),
      checkpointedSize: uploadedBytes,
    };
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
}

/** A file of RocksDB's local checkpoint; IO_ERROR when it cannot be read. */
function readLocal(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new KsnapError("IO_ERROR", `cannot read RocksDB's checkpoint file: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
}

/** Size and XXH64 of a file's bytes. */
function described(bytes: Uint8Array): { size: bigint; xxh64: bigint } {
  return { size: BigInt(bytes.length), xxh64: xxh64(bytes) };
}

function checkpointSnapshot(session: RocksSession, id: bigint, handles: IncrementalHandle[]): Snapshot {
  return sessionSnapshot(session, {
    snapshotId: id, kind: "checkpoint",
    properties: { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" },
    snapshotDir: checkpointDir(id),
  }, handles);
}
