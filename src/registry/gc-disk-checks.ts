/**
 * The storage checks garbage collection makes before it deletes anything
 * ([spec](../../spec/ownership.md#history-validity)): every file a retained
 * checkpoint refers to exists, and no referenced path leads out of the root
 * through a symbolic link. A missing file means the history is already
 * damaged; a path out of the root would make gc delete a file it does not own.
 */
import { realpathSync, statSync } from "node:fs";
import { dirname, sep } from "node:path";
import { KsnapError } from "../errors.js";
import { pathProblem, resolveInRoot } from "../storage/paths.js";
import type { RootCheckpoint } from "./gc-history.js";
import { registryError } from "./registry-error.js";
import { eachFile as referencedFiles, fileField } from "../snapshot-walk.js";

/** DANGLING_REFERENCE for each file (with a safe path) a checkpoint of `retained` refers to that is not a regular file under `root`. */
export function missingFileProblems(root: string, retained: readonly RootCheckpoint[]): KsnapError[] {
  const problems: KsnapError[] = [];
  for (const c of retained) {
    for (const f of referencedFiles(c.snapshot)) {
      // An unsafe path is reported by the history checks and never resolved.
      if (pathProblem(f.ref.path) !== undefined) continue;
      if (!isFile(resolveInRoot(root, f.ref.path))) {
        problems.push(registryError("DANGLING_REFERENCE",
          `retained checkpoint ${c.snapshot.snapshotId} refers to "${f.ref.path}", which is not a file under the root`, { file: c.file, field: fileField(f) }));
      }
    }
  }
  return problems;
}

/** UNSAFE_PATH for each (safe-looking) path of `checkpoints` whose existing folder resolves, through a symbolic link, outside `root`. */
export function escapingPathProblems(root: string, checkpoints: readonly RootCheckpoint[]): KsnapError[] {
  const realRoot = realpathSync(root);
  const inside = new Map<string, boolean>();
  const problems: KsnapError[] = [];
  for (const c of checkpoints) {
    for (const f of referencedFiles(c.snapshot)) {
      if (pathProblem(f.ref.path) !== undefined) continue;
      const folder = dirname(resolveInRoot(root, f.ref.path));
      if (!inside.has(folder)) inside.set(folder, isInside(realRoot, folder));
      if (inside.get(folder) === false) {
        problems.push(new KsnapError("UNSAFE_PATH", `path "${f.ref.path}" leads out of the root through a symbolic link`, { file: c.file, field: fileField(f) }));
      }
    }
  }
  return problems;
}

// A folder that does not exist holds nothing to delete, so it cannot escape.
function isInside(realRoot: string, folder: string): boolean {
  let real: string;
  try {
    real = realpathSync(folder);
  } catch {
    return true;
  }
  return real === realRoot || real.startsWith(realRoot + sep);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
