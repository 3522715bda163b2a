/**
 * Orphans ([spec](../../spec/ownership.md#orphans)): files under `shared/` (and
 * a Flink job directory's `taskowned/`) and `chk-*` that no metadata refers to, and temporary files of interrupted writes
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

/** Where orphans are looked for beyond `chk-*` folders, and what is never one. */
export interface OrphanOptions {
  /** Folders (relative to the root) whose unreferenced files are orphans: `shared` (KSNAP), and `taskowned` for Flink. */
  folders?: readonly string[];
  /** Paths that snapshots outside the root refer to (`--referenced-by`): never orphans. */
  keep?: ReadonlySet<string>;
}

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
  options: OrphanOptions = {},
): Promise<Orphan[]> {
  const orphans: Orphan[] = [];
  const folders = options.folders ?? [SHARED_DIR];
  const keep = options.keep ?? new Set<string>();
  for (const path of scan.files) {
    if (history.known.has(path) || keep.has(path) || !isCandidate(path, folders)) continue;
    if (history.protectedFolders.some((f) => isUnder(path, f))) continue;
    const info = await store.info(store.locate(root, path));
    if (info?.kind !== "file") continue; // gone or replaced since the walk
    orphans.push({ path, size: info.size, modifiedMs: info.modifiedMs, deletable: info.modifiedMs < now - graceMs });
  }
  return orphans.sort((a, b) => compareCodePoints(a.path, b.path));
}

function isCandidate(path: string, folders: readonly string[]): boolean {
  return folders.some((f) => isUnder(path, f)) || CHECKPOINT_FOLDER.test(path) || isTempName(path.slice(path.lastIndexOf("/") + 1));
}
