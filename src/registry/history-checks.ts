/**
 * The rules a checkpoint history must keep before anything in it is deleted
 * ([spec](../../spec/ownership.md#history-validity)). Deliberately few and
 * cheap: identity (one id, one path, one content, one origin), origins that
 * exist, and paths that are safe and outside user-owned folders. They overlap
 * with the history rules of validation; a history that breaks them is refused.
 */
import { KsnapError } from "../errors.js";
import type { Snapshot } from "../model.js";
import { pathProblem } from "../storage/paths.js";
import { identityMismatch, type FileIdentity } from "./file-identity.js";
import { registryError } from "./registry-error.js";
import { eachFile as referencedFiles, fileField, originOf, referencedPaths, type FileSite as ReferencedFile } from "../snapshot-walk.js";

/** A checkpoint of the history and the file its metadata came from (for error locations). */
export interface HistoryEntry {
  snapshot: Snapshot;
  file: string;
}

/**
 * Every problem of `history` (checkpoints, in any order): UNSAFE_PATH,
 * FILE_CONFLICT (an id or a path with two identities), DANGLING_REFERENCE (an
 * origin later than the referring checkpoint or missing from the history, or a
 * file inside one of `userFolders`, given relative to the root).
 */
export function historyProblems(history: readonly HistoryEntry[], userFolders: readonly string[] = []): KsnapError[] {
  const sorted = [...history].sort((a, b) => (a.snapshot.snapshotId < b.snapshot.snapshotId ? -1 : 1));
  const oldest = sorted[0]?.snapshot.snapshotId ?? 0n;
  const pathsById = new Map(sorted.map((h) => [h.snapshot.snapshotId, referencedPaths(h.snapshot)]));
  const identities = new IdentityIndex();
  const problems: KsnapError[] = [];
  for (const h of sorted) {
    const id = h.snapshot.snapshotId;
    for (const f of referencedFiles(h.snapshot)) {
      const where = { file: h.file, field: fileField(f) };
      const unsafe = pathProblem(f.ref.path);
      if (unsafe !== undefined) {
        problems.push(new KsnapError("UNSAFE_PATH", `path "${f.ref.path}" ${unsafe}`, where));
        continue;
      }
      const conflict = identities.conflict(f);
      if (conflict !== undefined) problems.push(registryError("FILE_CONFLICT", conflict, where));
      const dangling = userFolderProblem(f.ref.path, userFolders) ?? originProblem(f, id, oldest, pathsById);
      if (dangling !== undefined) problems.push(registryError("DANGLING_REFERENCE", dangling, where));
    }
  }
  return problems;
}

function userFolderProblem(path: string, userFolders: readonly string[]): string | undefined {
  const folder = userFolders.find((d) => path.startsWith(`${d}/`));
  return folder === undefined ? undefined : `"${path}" is inside "${folder}", a folder the user owns (it holds a savepoint)`;
}

// An origin names the checkpoint that uploaded the file. Origins older than the
// oldest checkpoint left cannot be checked (their metadata was subsumed); any
// other origin must be a checkpoint of the history that refers to the file.
function originProblem(f: ReferencedFile, id: bigint, oldest: bigint, pathsById: Map<bigint, Set<string>>): string | undefined {
  const origin = originOf(f);
  if (origin === undefined || origin === id) return undefined;
  if (origin > id) return `shared file "${f.ref.id}" names checkpoint ${origin}, later than checkpoint ${id}, as its origin`;
  if (origin < oldest) return undefined;
  const originPaths = pathsById.get(origin);
  if (originPaths === undefined) return `shared file "${f.ref.id}" was uploaded by checkpoint ${origin}, which is missing from the history`;
  if (!originPaths.has(f.ref.path)) return `shared file "${f.ref.id}" names checkpoint ${origin} as its origin, but that checkpoint does not refer to it`;
  return undefined;
}

/** The first identity seen for each path, and the path seen for each id, across the history. */
class IdentityIndex {
  private readonly byPath = new Map<string, FileIdentity>();
  private readonly pathById = new Map<string, string>();

  /** Why `f` disagrees with an earlier reference to its id or path, or undefined. */
  conflict(f: ReferencedFile): string | undefined {
    const knownPath = this.pathById.get(f.ref.id);
    if (knownPath !== undefined && knownPath !== f.ref.path) {
      return `file "${f.ref.id}" is at "${f.ref.path}" here but at "${knownPath}" in an earlier reference`;
    }
    const seen = this.byPath.get(f.ref.path);
    if (seen === undefined) {
      this.byPath.set(f.ref.path, { id: f.ref.id, size: f.ref.size, xxh64: f.ref.xxh64, origin: originOf(f) });
      this.pathById.set(f.ref.id, f.ref.path);
      return undefined;
    }
    // A private reference seen first records no origin; the first shared one does.
    if (seen.origin === undefined && originOf(f) !== undefined) seen.origin = originOf(f);
    return identityMismatch(seen, f.ref, originOf(f));
  }
}
