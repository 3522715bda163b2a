/**
 * Carrying out a garbage-collection plan ([spec](../../spec/ownership.md#deleting)).
 * Metadata first, oldest checkpoint first, one at a time, so that a crash never leaves
 * metadata pointing at deleted files and the checkpoints left are always the
 * newest ones; then the files and orphans together, in batches where storage has
 * them (S3's DeleteObjects), each checked against the size (and, for an orphan,
 * the modification time) gc planned with. Every delete goes through the storage seam, which resolves the
 * path again just before it and refuses anything but a regular file reached
 * without a link; such a refusal stops the run, since the tree changed under
 * gc or was never what validation saw. A failed delete is reported and the
 * rest goes on; what it leaves behind is an orphan for a later run.
 */
import { compareCodePoints } from "../body/canonical-order.js";
import { KsnapError } from "../errors.js";
import { SHARED_DIR } from "../storage/snapshot-root.js";
import { parentPath } from "../storage/paths.js";
import type { DeleteRequest, Storage } from "../storage/storage.js";
import type { RootCheckpoint } from "./gc-history.js";
import type { Orphan } from "./gc-orphans.js";
import { planGc, type GcPlan } from "./gc-plan.js";

/** A delete that failed. */
export interface DeleteFailure {
  path: string;
  reason: string;
}

/** What applying a plan did. */
export interface GcOutcome {
  /** Paths deleted (relative to the root), in the order deleted; a path already gone counts as deleted. */
  deleted: string[];
  /** Folders removed because they became empty, deepest first. */
  removedFolders: string[];
  failed: DeleteFailure[];
  /** Subsumed checkpoints kept because a metadata delete failed: that one and every later one. */
  kept: bigint[];
  /** Set when storage refused a delete (not a regular file, or reached through a link): nothing more was deleted. */
  stopped?: DeleteFailure;
}

/** Folders of a root's layout that stay even when empty: KSNAP's shared/, and Flink's taskowned/ beside it. */
const LAYOUT_FOLDERS: ReadonlySet<string> = new Set([SHARED_DIR, "taskowned"]);

/** Thrown inside the run to stop it at a refused delete. */
class Stop extends Error {}

/**
 * Deletes the subsumed checkpoints' metadata, then the files only they refer
 * to, then the deletable `orphans`, then the folders left empty. When a
 * metadata delete fails, that checkpoint and the later subsumed ones are kept
 * and the files are planned again without them (and never one in `keep`).
 */
export async function applyGc(
  store: Storage, realRoot: string, history: readonly RootCheckpoint[], plan: GcPlan, orphans: readonly Orphan[],
  keep: ReadonlySet<string> = new Set(),
): Promise<GcOutcome> {
  const out: GcOutcome = { deleted: [], removedFolders: [], failed: [], kept: [] };
  const remove = (path: string): Promise<boolean> => removeOne(store, realRoot, path, out);
  try {
    for (const [i, c] of plan.subsumed.entries()) {
      if (await remove(c.metadata)) continue;
      // Stopping here keeps the checkpoints left a suffix of the history, which the origin rule relies on.
      out.kept = plan.subsumed.slice(i).map((s) => s.id);
      break;
    }
    const firstKept = out.kept[0];
    const files = firstKept === undefined ? plan.files : planGc(history, { keepFrom: firstKept }, keep).files;
    // Each checked against what was planned: a file rewritten or replaced since is not deleted.
    // Sizes as the run planned them (a physical file of segments with its size on storage, not the registry's 0).
    const planned = new Map(plan.files.map((f) => [f.path, f.size]));
    const requests: DeleteRequest[] = [
      ...files.map((f) => ({
        path: f.path,
        ...(planned.has(f.path) ? { size: planned.get(f.path)! } : {}),
        ...(plan.modifiedMs?.has(f.path) ? { modifiedMs: plan.modifiedMs.get(f.path)! } : {}),
      })),
      ...orphans.filter((o) => o.deletable).map((o) => ({ path: o.path, size: o.size, modifiedMs: o.modifiedMs })),
    ];
    for (const r of await store.deleteFiles(realRoot, requests)) {
      if (r.status === "deleted" || r.status === "gone") out.deleted.push(r.path);
      else if (r.status === "failed") out.failed.push({ path: r.path, reason: r.error.message });
      else if (r.status === "refused") {
        out.stopped = { path: r.path, reason: r.error.message };
        throw new Stop();
      }
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  out.removedFolders = await removeEmptyFolders(store, realRoot, out.deleted);
  return out;
}

async function removeOne(store: Storage, realRoot: string, path: string, out: GcOutcome): Promise<boolean> {
  try {
    await store.deleteFile(realRoot, path);
  } catch (e) {
    const reason = e instanceof KsnapError ? e.message : e instanceof Error ? e.message : String(e);
    if (e instanceof KsnapError && e.code === "UNSAFE_PATH") {
      out.stopped = { path, reason };
      throw new Stop();
    }
    out.failed.push({ path, reason });
    return false;
  }
  out.deleted.push(path);
  return true;
}

// Walks up from each deleted file and removes folders that are now empty, up
// to (never including) the root, shared/ and Flink's taskowned/.
async function removeEmptyFolders(store: Storage, realRoot: string, deleted: readonly string[]): Promise<string[]> {
  const candidates = new Set<string>();
  for (const p of deleted) {
    for (let d = parentPath(p); d !== "" && !LAYOUT_FOLDERS.has(d); d = parentPath(d)) candidates.add(d);
  }
  const removed: string[] = [];
  const deepestFirst = [...candidates].sort((a, b) => b.split("/").length - a.split("/").length || compareCodePoints(a, b));
  for (const d of deepestFirst) if (await store.removeEmptyFolder(realRoot, d)) removed.push(d);
  return removed;
}
