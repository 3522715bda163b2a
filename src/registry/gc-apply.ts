/**
 * Carrying out a garbage-collection plan ([spec](../../spec/ownership.md#deleting)).
 * Metadata first, oldest checkpoint first, so that a crash never leaves
 * metadata pointing at deleted files and the checkpoints left are always the
 * newest ones. A failed delete is reported and the rest goes on; what it leaves
 * behind is an orphan for a later run.
 */
import { rmdirSync, unlinkSync } from "node:fs";
import { join, posix } from "node:path";
import { SHARED_DIR } from "../storage/snapshot-root.js";
import type { RootCheckpoint } from "./gc-history.js";
import type { Orphan } from "./gc-orphans.js";
import { planGc, type GcPlan } from "./gc-plan.js";

/** The two deletions gc makes; tests replace them to make a delete fail. */
export interface DeleteOps {
  unlink(path: string): void;
  rmdir(path: string): void;
}

/** The real file system. */
export const NODE_DELETE_OPS: DeleteOps = { unlink: unlinkSync, rmdir: rmdirSync };

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
}

/**
 * Deletes the subsumed checkpoints' metadata, then the files only they refer
 * to, then the deletable `orphans`, then the folders left empty. When a
 * metadata delete fails, that checkpoint and the later subsumed ones are kept
 * and the files are planned again without them.
 */
export function applyGc(
  root: string, history: readonly RootCheckpoint[], plan: GcPlan, orphans: readonly Orphan[], ops: DeleteOps = NODE_DELETE_OPS,
): GcOutcome {
  const out: GcOutcome = { deleted: [], removedFolders: [], failed: [], kept: [] };
  const remove = (path: string): boolean => removeOne(root, path, ops, out);
  for (const [i, c] of plan.subsumed.entries()) {
    if (remove(c.metadata)) continue;
    // Stopping here keeps the checkpoints left a suffix of the history, which the origin rule relies on.
    out.kept = plan.subsumed.slice(i).map((s) => s.id);
    break;
  }
  const firstKept = out.kept[0];
  const files = firstKept === undefined ? plan.files : planGc(history, { keepFrom: firstKept }).files;
  for (const f of files) remove(f.path);
  for (const o of orphans) if (o.deletable) remove(o.path);
  out.removedFolders = removeEmptyFolders(root, out.deleted, ops);
  return out;
}

function removeOne(root: string, path: string, ops: DeleteOps, out: GcOutcome): boolean {
  try {
    ops.unlink(join(root, ...path.split("/")));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") {
      out.failed.push({ path, reason: code ?? (e instanceof Error ? e.message : String(e)) });
      return false;
    }
  }
  out.deleted.push(path);
  return true;
}

// Walks up from each deleted file and removes folders that are now empty, up
// to (never including) the root and shared/. rmdir fails on a folder that is
// not empty, which is what stops the walk.
function removeEmptyFolders(root: string, deleted: readonly string[], ops: DeleteOps): string[] {
  const candidates = new Set<string>();
  for (const p of deleted) {
    for (let d = posix.dirname(p); d !== "." && d !== SHARED_DIR; d = posix.dirname(d)) candidates.add(d);
  }
  const removed: string[] = [];
  const deepestFirst = [...candidates].sort((a, b) => b.split("/").length - a.split("/").length || (a < b ? -1 : 1));
  for (const d of deepestFirst) {
    try {
      ops.rmdir(join(root, ...d.split("/")));
      removed.push(d);
    } catch {
      // Not empty (an orphan within its grace period, a retained checkpoint's file) or already gone.
    }
  }
  return removed;
}
