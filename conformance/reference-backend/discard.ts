/**
 * Discarding a subsumed checkpoint ([spec](../../spec/conformance.md#discard),
 * [ownership](../../spec/ownership.md#owners)): its metadata file first, then
 * its exclusive folder, then the shared files it refers to that no other
 * retained checkpoint of the root refers to.
 *
 * The retained checkpoints are read from storage (every `chk-<n>/_metadata.ksnap`
 * but the discarded one) rather than remembered, so checkpoints of earlier
 * sessions on the same root, and of an adapter process the runner restarted,
 * protect their files too. Every doubt keeps a file: when a retained metadata
 * file cannot be read, no shared file is deleted.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { KsnapError, loadSnapshot, METADATA_FILE, resolveInRoot, type Snapshot } from "../../src/index.js";
import { eachFile, referencedPaths } from "../../src/snapshot-walk.js";
import { checkpointDir } from "./layout-names.js";
import type { Session } from "./session.js";

/** Discards checkpoint `id` of the session's root; returns the deleted paths, relative to the root. */
export async function discardCheckpoint(session: Session, id: bigint): Promise<string[]> {
  const root = session.spec.checkpointRoot;
  const dir = checkpointDir(id);
  const metadataRel = `${dir}/${METADATA_FILE}`;
  if (!existsSync(resolveInRoot(root, metadataRel))) {
    throw new KsnapError("INVALID_FIELD", `checkpoint ${id} is not retained in ${root}`, { field: "checkpointId" });
  }
  const discarded = (await loadSnapshot(resolveInRoot(root, metadataRel))).snapshot;
  const inUse = await pathsOfRetained(root, dir);
  const deleted: string[] = [];
  const remove = (rel: string): void => {
    if (inUse !== undefined && inUse.has(rel)) return;
    const local = resolveInRoot(root, rel);
    if (!existsSync(local)) return;
    rmSync(local);
    deleted.push(rel);
  };
  remove(metadataRel);
  for (const rel of filesUnder(root, dir)) remove(rel);
  if (filesUnder(root, dir).length === 0) rmSync(resolveInRoot(root, dir), { recursive: true, force: true });
  if (inUse !== undefined) for (const rel of sharedPaths(discarded)) remove(rel);
  forgetInSession(session, id, new Set(deleted));
  return deleted;
}

/**
 * The paths every other retained checkpoint of `root` refers to (and their
 * metadata files), or undefined when one of them cannot be read.
 */
async function pathsOfRetained(root: string, discardedDir: string): Promise<Set<string> | undefined> {
  const paths = new Set<string>();
  for (const name of readdirSync(root)) {
    if (!/^chk-\d+$/.test(name) || name === discardedDir) continue;
    const metadataPath = join(root, name, METADATA_FILE);
    if (!existsSync(metadataPath)) continue;
    let snapshot: Snapshot;
    try {
      snapshot = (await loadSnapshot(metadataPath)).snapshot;
    } catch {
      return undefined;
    }
    paths.add(`${name}/${METADATA_FILE}`);
    for (const p of referencedPaths(snapshot)) paths.add(p);
  }
  return paths;
}

function sharedPaths(snapshot: Snapshot): string[] {
  return [...eachFile(snapshot)].filter((f) => f.role === "shared").map((f) => f.ref.path);
}

/** Files under folder `rel` of `root`, as root-relative paths. */
function filesUnder(root: string, rel: string): string[] {
  const local = resolveInRoot(root, rel);
  if (!existsSync(local)) return [];
  return readdirSync(local, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(root, `${rel}/${d.name}`) : [`${rel}/${d.name}`]);
}

/**
 * The live state no longer builds on the discarded checkpoint: a run whose
 * file was deleted is uploaded again by the next checkpoint, and the handles'
 * base skips the discarded id.
 */
function forgetInSession(session: Session, id: bigint, deleted: ReadonlySet<string>): void {
  for (const store of session.stores) {
    for (const run of store.runs) if (deleted.has(run.path)) run.origin = undefined;
    store.lineage = store.lineage.filter((c) => c !== id);
  }
  if (session.earlierUpload !== undefined && deleted.has(session.earlierUpload.path)) session.earlierUpload = undefined;
}
