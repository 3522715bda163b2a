/**
 * Where Flink snapshots are on storage ([spec](../../spec/flink.md#job-directories)): a `_metadata` file (recognized by
 * Flink's magic `0x4960672d` at byte 0, whatever its name), a snapshot folder holding `_metadata`, or a job directory
 * holding `chk-<n>/_metadata` folders beside `shared/` and `taskowned/`.
 */
import { KsnapError } from "../errors.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import { METADATA_FILE } from "../storage/snapshot-root.js";
import type { Storage } from "../storage/storage.js";
import { FLINK_METADATA_MAGIC } from "./metadata-magic.js";

/** Name of Flink's metadata file. */
export const FLINK_METADATA_FILE = "_metadata";
/** Folder of a Flink job directory holding files owned by TaskManagers rather than by one checkpoint. */
export const TASK_OWNED_DIR = "taskowned";
/** A checkpoint's folder in Flink's layout. */
export const FLINK_CHECKPOINT_FOLDER = /^chk-[0-9]+$/;

/**
 * The Flink `_metadata` that `path` names, or undefined when it names none (so the caller reads it as KSNAP): a
 * regular file starting with Flink's magic, or a folder holding `_metadata` and no `_metadata.ksnap`.
 */
export async function findFlinkMetadata(path: string, storage: Storage = LOCAL_STORAGE): Promise<string | undefined> {
  const info = await storage.infoFollowing(path);
  if (info === undefined) return undefined;
  if (info.kind === "folder") {
    if (await storage.info(storage.child(path, METADATA_FILE)) !== undefined) return undefined;
    const own = storage.child(path, FLINK_METADATA_FILE);
    return await storage.info(own) !== undefined ? own : undefined;
  }
  if (info.kind !== "file") return undefined;
  return await startsWithFlinkMagic(path, storage) ? path : undefined;
}

async function startsWithFlinkMagic(path: string, storage: Storage): Promise<boolean> {
  const handle = await storage.open(path, { followLinks: true });
  try {
    const head = new Uint8Array(4);
    if (await handle.read(head, 0, 4, 0) < 4) return false;
    return new DataView(head.buffer).getInt32(0, false) === FLINK_METADATA_MAGIC;
  } finally {
    await handle.close();
  }
}

/**
 * True when `path` is a Flink job directory: a folder holding neither `_metadata` nor `_metadata.ksnap` itself, with
 * at least one `chk-<n>/` folder holding `_metadata` and none holding `_metadata.ksnap` (a KSNAP root, even one with
 * Flink files converted in place, is read as KSNAP). Only the folder's own entries are looked at.
 */
export async function isFlinkJobDir(path: string, storage: Storage = LOCAL_STORAGE): Promise<boolean> {
  const info = await storage.infoFollowing(path);
  if (info?.kind !== "folder") return false;
  let flink = false;
  for (const entry of await storage.list(path)) {
    if (entry.name === METADATA_FILE || entry.name === FLINK_METADATA_FILE) return false;
    if (entry.kind !== "folder" || !FLINK_CHECKPOINT_FOLDER.test(entry.name)) continue;
    const folder = storage.child(path, entry.name);
    if (await storage.info(storage.child(folder, METADATA_FILE)) !== undefined) return false;
    if (await storage.info(storage.child(folder, FLINK_METADATA_FILE)) !== undefined) flink = true;
  }
  return flink;
}

/** Where a snapshot sits: the root (absolute) and the folder of `_metadata` relative to it. */
export function locateFlinkSnapshot(metadataPath: string, jobDir: string | undefined, storage: Storage = LOCAL_STORAGE): { root: string; snapshotDir: string } {
  const folder = storage.absolute(storage.parent(metadataPath));
  if (jobDir !== undefined) {
    const root = storage.absolute(jobDir);
    const snapshotDir = storage.relativeTo(root, folder);
    if (snapshotDir === undefined) {
      throw new KsnapError("INVALID_OPERATION", `the _metadata is not inside --job-dir ${root}`, { file: metadataPath });
    }
    return { root, snapshotDir };
  }
  const name = storage.baseName(folder);
  return FLINK_CHECKPOINT_FOLDER.test(name) ? { root: storage.parent(folder), snapshotDir: name } : { root: folder, snapshotDir: "" };
}
