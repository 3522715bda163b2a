/**
 * Discarding a subsumed checkpoint ([spec](../../../spec/conformance.md#discard),
 * [ownership](../../../spec/ownership.md#the-shared-file-registry)) through the
 * project's SharedStateRegistry, as a coordinator does: the registry is rebuilt
 * from storage (the discarded checkpoint and every retained one after it,
 * claimed in id order), the discarded one is subsumed, and the registry's
 * discard plan is what may go. Files that a retained checkpoint older than the
 * discarded one refers to are kept too (the protocol may discard any but the
 * latest). The metadata file is deleted first, then the plan; the registry
 * acknowledges each deletion.
 *
 * Retained checkpoints are read from storage (every `chk-<n>/_metadata.ksnap`),
 * so checkpoints of earlier sessions on the root, and of an adapter process the
 * runner restarted, protect their files too. Every doubt keeps a file: when a
 * retained metadata file cannot be read, nothing but the discarded metadata goes.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { KsnapError, loadSnapshot, METADATA_FILE, resolveInRoot, SharedStateRegistry, type Snapshot } from "../../../src/index.js";
import { referencedPaths } from "../../../src/snapshot-walk.js";
import { checkpointDir } from "../../reference-backend/layout-names.js";
import type { RocksSession } from "./session.js";

/** Discards checkpoint `id` of the session's root; returns the deleted paths, relative to the root. */
export async function discardCheckpoint(session: RocksSession, id: bigint): Promise<string[]> {
  const root = session.spec.checkpointRoot;
  const dir = checkpointDir(id);
  const metadataRel = `${dir}/${METADATA_FILE}`;
  if (!existsSync(resolveInRoot(root, metadataRel))) {
    throw new KsnapError("INVALID_FIELD", `checkpoint ${id} is not retained in ${root}`, { field: "checkpointId" });
  }
  const retained = await retainedCheckpoints(root);
  const deleted: string[] = [];
  const remove = (rel: string): void => {
    const local = resolveInRoot(root, rel);
    if (!existsSync(local)) return;
    rmSync(local);
    deleted.push(rel);
  };
  const plan = retained === undefined ? [] : discardPlan(retained, id);
  remove(metadataRel);
  for (const rel of plan) remove(rel);
  if (existsSync(resolveInRoot(root, dir)) && filesUnder(root, dir).length === 0) rmSync(resolveInRoot(root, dir), { recursive: true, force: true });
  forgetInSession(session, id, new Set(deleted));
  return deleted;
}

/**
 * The paths only checkpoint `id` holds: a registry claims `id` and every later
 * retained checkpoint, subsumes `id`, and its plan loses what an older retained
 * checkpoint still refers to.
 */
function discardPlan(retained: ReadonlyMap<bigint, Snapshot>, id: bigint): string[] {
  const registry = new SharedStateRegistry();
  const ids = [...retained.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const c of ids) if (c >= id) registry.restore(retained.get(c)!, "claim");
  registry.subsume({ keepFrom: id + 1n });
  const olderPaths = new Set(ids.filter((c) => c < id).flatMap((c) => [...referencedPaths(retained.get(c)!)]));
  const plan = registry.discardPlan().map((f) => f.path).filter((p) => !olderPaths.has(p));
  registry.markDeleted(plan);
  return plan;
}

/** Every checkpoint of `root` with a metadata file, by id; undefined when one cannot be read. */
async function retainedCheckpoints(root: string): Promise<Map<bigint, Snapshot> | undefined> {
  const out = new Map<bigint, Snapshot>();
  for (const name of readdirSync(root)) {
    const m = /^chk-(\d+)$/.exec(name);
    if (m === null) continue;
    const metadataPath = join(root, name, METADATA_FILE);
    if (!existsSync(metadataPath)) continue;
    try {
      out.set(BigInt(m[1]!), (await loadSnapshot(metadataPath)).snapshot);
    } catch {
      return undefined;
    }
  }
  return out;
}

/** Files under folder `rel` of `root`, as root-relative paths. */
function filesUnder(root: string, rel: string): string[] {
  const local = resolveInRoot(root, rel);
  if (!existsSync(local)) return [];
  return readdirSync(local, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(root, `${rel}/${d.name}`) : [`${rel}/${d.name}`]);
}

/**
 * The live instances no longer build on the discarded checkpoint: an SST whose
 * upload was deleted is uploaded again by the next checkpoint that needs it,
 * and the handles' base skips the discarded id.
 */
function forgetInSession(session: RocksSession, id: bigint, deleted: ReadonlySet<string>): void {
  for (const db of session.dbs) {
    for (const [name, ref] of db.uploaded) if (deleted.has(ref.path)) db.uploaded.delete(name);
    db.lineage = db.lineage.filter((c) => c !== id);
  }
}
