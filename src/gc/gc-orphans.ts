/**
 * Orphans ([spec](../../spec/ownership.md#orphans)): files under `shared/` and
 * `chk-*` that no metadata refers to, and temporary files of interrupted writes
 * anywhere under the root ([spec](../../spec/ownership.md#temporary-files)). A
 * failed or interrupted delete leaves them, and so does an aborted checkpoint;
 * but an in-flight checkpoint's new files look exactly the same, so only
 * orphans older than a grace period may be deleted (Iceberg's rule, with its
 * default of 3 days). Folders of other snapshots are never looked into, and
 * nothing but a regular file is ever an orphan: a symbolic link is left alone.
 */
import { compareCodePoints } from "../body/canonical-order.js";
import { SHARED_DIR } from "../storage/snapshot-root.js";
import { isTempName, type Storage } from "../storage/storage.js";
import { isUnder } from "../storage/paths.js";
import type { TreeScan } from "../storage/tree-scan.js";
import type { RootHistory } from "./gc-history.js";

/** Grace period used when none is given: 3 days, in milliseconds. */
export const DEFAULT_GRACE_MS = 3 * 24 * 60 * 60 * 1000;

/** A file that no metadata refers to. */
export interface Orphan {
  /** Relative to the root, '/'-separated. */
  path: string;
  size: bigint;
  /** Last modification time, milliseconds since the Unix epoch. */
  modifiedMs: number;
  /** True when it was last modified before the grace period began. */
  deletable: boolean;
}

const CHECKPOINT_FOLDER = /^chk-[^/]*\//;

/** The orphans under `root` (walked as `scan`), by path in code-point order. */
export async function findOrphans(
  store: Storage, root: string, scan: TreeScan, history: RootHistory, now: number, graceMs: number,
): Promise<Orphan[]> {
  const orphans: Orphan[] = [];
  for (const path of scan.files) {
    if (history.known.has(path) || !isCandidate(path)) continue;
    if (history.protectedFolders.some((f) => isUnder(path, f))) continue;
    const info = await store.info(store.locate(root, path));
    if (info?.kind !== "file") continue; // gone or replaced since the walk
    orphans.push({ path, size: info.size, modifiedMs: info.modifiedMs, deletable: info.modifiedMs < now - graceMs });
  }
  return orphans.sort((a, b) => compareCodePoints(a.path, b.path));
}

function isCandidate(path: string): boolean {
  return isUnder(path, SHARED_DIR) || CHECKPOINT_FOLDER.test(path) || isTempName(path.slice(path.lastIndexOf("/") + 1));
}
