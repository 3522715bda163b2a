/**
 * The checkpoint level's `incremental` check and the ownership level's discard
 * check ([spec](../../spec/conformance.md#test-catalogue)): a checkpoint uploads
 * only new files, and a discard never deletes what a retained checkpoint uses.
 */
import { keyGroupRangeForOperator } from "../key-groups.js";
import type { Snapshot } from "../model.js";
import { filesOf, operatorHandlesById, originOf, referencedPaths } from "../snapshot-walk.js";
import { pathProblem } from "../storage/paths.js";
import { loadOrReason, validationProblem } from "./snapshot-shape.js";

/** The job a checkpoint belongs to and what changed before it. */
export interface IncrementalContext {
  checkpointId: number;
  operatorId: string;
  maxParallelism: number;
  parallelism: number;
  /** Key groups changed since the session's previous checkpoint. */
  changedKeyGroups: ReadonlySet<number>;
}

/**
 * Undefined when the checkpoint is incremental as the spec requires: the root's
 * retained checkpoints validate as a history (metadata only: storage is the
 * `valid` test's concern), and no subtask whose key groups did not change
 * uploaded a shared file.
 */
export async function incrementalProblem(root: string, snapshot: Snapshot, c: IncrementalContext): Promise<string | undefined> {
  const history = await validationProblem(root, false);
  if (history !== undefined) return `the checkpoint root's history: ${history}`;
  for (const site of operatorHandlesById(snapshot, c.operatorId)) {
    const range = keyGroupRangeForOperator(c.maxParallelism, c.parallelism, site.subtask.subtaskIndex);
    if (hasChange(range.start, range.count, c.changedKeyGroups)) continue;
    for (const f of filesOf(site)) {
      if (originOf(f) !== BigInt(c.checkpointId)) continue;
      return `subtask ${site.subtask.subtaskIndex}'s key groups ${range.start}..${range.start + range.count - 1} did not change ` +
        `since the previous checkpoint, but checkpoint ${c.checkpointId} uploaded shared file "${f.ref.id}" (${f.ref.path})`;
    }
  }
  return undefined;
}

function hasChange(start: number, count: number, changed: ReadonlySet<number>): boolean {
  for (const kg of changed) if (kg >= start && kg < start + count) return true;
  return false;
}

/**
 * Undefined when the paths a discard deleted are safe: relative paths within
 * the root, none of them a file a retained checkpoint refers to or its metadata
 * file, and every retained checkpoint still validates with storage checks.
 */
export async function discardProblem(root: string, deleted: readonly string[], retained: readonly string[]): Promise<string | undefined> {
  for (const p of deleted) {
    const unsafe = pathProblem(p);
    if (unsafe !== undefined) return `the discard deleted ${JSON.stringify(p)}, which is not a path in the root: ${unsafe}`;
  }
  const gone = new Set(deleted);
  for (const metadataPath of retained) {
    const located = await loadOrReason(metadataPath);
    if (typeof located === "string") return `retained checkpoint ${metadataPath} cannot be read after the discard: ${located}`;
    const metadataRel = relativeTo(root, metadataPath);
    if (gone.has(metadataRel)) return `the discard deleted ${metadataRel}, the metadata of a retained checkpoint`;
    for (const p of referencedPaths(located.snapshot)) {
      if (gone.has(p)) return `the discard deleted ${p}, which retained checkpoint ${located.snapshot.snapshotId} refers to`;
    }
  }
  for (const metadataPath of retained) {
    const problem = await validationProblem(metadataPath, true);
    if (problem !== undefined) return `after the discard, retained checkpoint ${metadataPath}: ${problem}`;
  }
  return undefined;
}

function relativeTo(root: string, path: string): string {
  return path.startsWith(root + "/") ? path.slice(root.length + 1) : path;
}
