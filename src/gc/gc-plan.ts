/**
 * The deletion plan of garbage collection
 * ([spec](../../spec/ownership.md#garbage-collection-of-a-root)), computed the
 * way RocksDB's BackupEngine does it: the registry is rebuilt from every
 * checkpoint of the history before anything is chosen for deletion. Pure: the
 * history is already read.
 */
import type { FileRef } from "../model.js";
import type { RootCheckpoint } from "./gc-history.js";
import { SharedStateRegistry } from "../registry/shared-state-registry.js";
import type { Retention } from "../registry/retention.js";

/** A checkpoint that the retention subsumes. */
export interface SubsumedCheckpoint {
  id: bigint;
  /** Its metadata file, relative to the root: deleted before any of its files. */
  metadata: string;
}

/** What garbage collection deletes, apart from orphans. */
export interface GcPlan {
  /** Every checkpoint of the history, ascending. */
  checkpoints: bigint[];
  /** The checkpoints kept, ascending. */
  retained: bigint[];
  /** The checkpoints subsumed, ascending. */
  subsumed: SubsumedCheckpoint[];
  /** Files that only subsumed checkpoints refer to, by path (code-point order). */
  files: FileRef[];
  /** Files that only subsumed checkpoints refer to but a snapshot outside the root does (`keep`): not deleted. */
  keptForOthers: FileRef[];
  /**
   * The modification time of each planned file when gc planned it (set by the run, from storage): a file modified
   * since is not deleted ([spec](../../spec/ownership.md#deleting)).
   */
  modifiedMs?: Map<string, number>;
}

/**
 * Replays `history` (ascending ids) into a registry, each checkpoint claimed in
 * turn, then subsumes what `retention` does not keep. A file in `keep` (paths
 * that snapshots outside the root refer to) is never planned.
 * @throws KsnapError FILE_CONFLICT, DANGLING_REFERENCE or UNSAFE_PATH from the
 *   registry when the history breaks a rule the history checks did not catch.
 */
export function planGc(history: readonly RootCheckpoint[], retention: Retention, keep: ReadonlySet<string> = new Set()): GcPlan {
  const registry = new SharedStateRegistry();
  for (const c of history) registry.restore(c.snapshot, "claim");
  const subsumed = new Set(registry.subsume(retention));
  const discard = registry.discardPlan();
  return {
    checkpoints: history.map((c) => c.snapshot.snapshotId),
    retained: registry.retainedCheckpoints(),
    subsumed: history.filter((c) => subsumed.has(c.snapshot.snapshotId)).map((c) => ({ id: c.snapshot.snapshotId, metadata: c.metadata })),
    files: discard.filter((f) => !keep.has(f.path)),
    keptForOthers: discard.filter((f) => keep.has(f.path)),
  };
}
