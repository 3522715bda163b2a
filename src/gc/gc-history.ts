/**
 * What garbage collection takes from a validated root
 * ([spec](../../spec/ownership.md#garbage-collection-of-a-root)): the
 * system-owned checkpoints whose root is this root, which it may subsume, and
 * every other snapshot found under it at any depth (savepoints, snapshots
 * restored without claim, snapshots of a nested root), whose folders it never
 * touches.
 */
import { compareBigInts } from "../body/canonical-order.js";
import type { Snapshot } from "../model.js";
import { referencedPaths } from "../snapshot-walk.js";
import { parentPath } from "../storage/paths.js";
import type { Storage } from "../storage/storage.js";
import type { LoadedTree } from "../validate/load-snapshots.js";

/** A checkpoint of the root. */
export interface RootCheckpoint {
  snapshot: Snapshot;
  /** Path of its metadata file relative to the root, '/'-separated: `chk-<id>/_metadata.ksnap`. */
  metadata: string;
  /** Its metadata file as a location (for messages). */
  file: string;
}

/** What a root holds, for gc. */
export interface RootHistory {
  /** System-owned checkpoints of this root, by ascending id. */
  checkpoints: RootCheckpoint[];
  /** Folders, relative to the root, that belong to other snapshots: never scanned for orphans, never touched. */
  protectedFolders: string[];
  /** Every path a checkpoint refers to, subsumed ones included, and their metadata files. */
  known: Set<string>;
}

/** The history of `root` among the snapshots `tree` loaded (a validated tree: every metadata file decoded and located). */
export function rootHistory(root: string, tree: LoadedTree, store: Storage): RootHistory {
  const history: RootHistory = { checkpoints: [], protectedFolders: [], known: new Set() };
  for (const l of tree.loaded) {
    const metadata = store.relativeTo(root, l.file);
    const s = l.located;
    const ours = s !== undefined && store.relativeTo(root, s.root) === "";
    if (ours && s.snapshot.kind === "checkpoint" && s.snapshot.properties.ownership === "system" && metadata !== undefined) {
      history.checkpoints.push({ snapshot: s.snapshot, metadata, file: l.file });
      continue;
    }
    // A savepoint, a user-owned snapshot, or one of another root: its folder, and its root when nested, are its own.
    const folder = metadata === undefined ? undefined : parentPath(metadata);
    if (folder !== undefined) history.protectedFolders.push(folder);
    const nestedRoot = s === undefined ? undefined : store.relativeTo(root, s.root);
    if (nestedRoot !== undefined && nestedRoot !== "") history.protectedFolders.push(nestedRoot);
  }
  history.checkpoints.sort((a, b) => compareBigInts(a.snapshot.snapshotId, b.snapshot.snapshotId));
  for (const c of history.checkpoints) {
    history.known.add(c.metadata);
    for (const p of referencedPaths(c.snapshot)) history.known.add(p);
  }
  return history;
}
