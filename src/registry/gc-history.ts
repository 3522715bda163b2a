/**
 * Reading a checkpoint root's history for garbage collection
 * ([spec](../../spec/ownership.md#garbage-collection-of-a-root)): every
 * metadata file under the root, decoded. Problems are collected, not thrown,
 * so that a refusal names all of them at once.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { KsnapError } from "../errors.js";
import type { Snapshot } from "../model.js";
import { findMetadataFiles, loadSnapshot, METADATA_FILE } from "../storage/snapshot-root.js";

/** A checkpoint of the root. */
export interface RootCheckpoint {
  snapshot: Snapshot;
  /** Path of its metadata file relative to the root, '/'-separated: `chk-<id>/_metadata.ksnap`. */
  metadata: string;
  /** Path of its metadata file as given to the file system (for messages). */
  file: string;
}

/** What a root holds. */
export interface RootHistory {
  root: string;
  /** System-owned checkpoints, by ascending id. */
  checkpoints: RootCheckpoint[];
  /** Folders, relative to the root, that hold user-owned snapshots (savepoints): never touched. */
  userFolders: string[];
  /** Metadata files that cannot be read, decoded or located, or that break the checkpoint layout. */
  problems: KsnapError[];
}

/**
 * Reads every metadata file under `root`.
 * @throws KsnapError IO_ERROR when `root` cannot be read or holds no metadata file.
 */
export function readRootHistory(root: string): RootHistory {
  const history: RootHistory = { root, checkpoints: [], userFolders: [], problems: [] };
  if (existsSync(join(root, METADATA_FILE))) {
    // findMetadataFiles would stop at this file and miss the checkpoints.
    history.problems.push(new KsnapError("LAYOUT_MISMATCH",
      `the folder holds ${METADATA_FILE} itself, so it is a snapshot's folder, not a checkpoint root`, { file: join(root, METADATA_FILE) }));
    return history;
  }
  for (const file of findMetadataFiles(root)) readOne(history, file);
  history.checkpoints.sort((a, b) => (a.snapshot.snapshotId < b.snapshot.snapshotId ? -1 : 1));
  if (history.checkpoints.length === 0 && history.problems.length === 0) {
    history.problems.push(new KsnapError("IO_ERROR", "no checkpoint metadata under this folder: it is not a checkpoint root", { file: root }));
  }
  return history;
}

function readOne(history: RootHistory, file: string): void {
  let snapshot: Snapshot;
  try {
    snapshot = loadSnapshot(file).snapshot;
  } catch (e) {
    if (e instanceof KsnapError) history.problems.push(e);
    else throw e;
    return;
  }
  const folder = toPosix(relative(history.root, dirname(file)));
  if (snapshot.kind === "savepoint" || snapshot.properties.ownership === "user") {
    history.userFolders.push(folder);
    return;
  }
  // The checkpoint's folder is what gc deletes with it, so it must be its own.
  const expected = `chk-${snapshot.snapshotId}`;
  if (snapshot.snapshotDir !== expected) {
    history.problems.push(new KsnapError("LAYOUT_MISMATCH",
      `a checkpoint under a checkpoint root must be in "${expected}/", but its snapshot_dir is "${snapshot.snapshotDir}"`,
      { file, field: "snapshotDir" }));
    return;
  }
  history.checkpoints.push({ snapshot, metadata: `${folder}/${METADATA_FILE}`, file });
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}
