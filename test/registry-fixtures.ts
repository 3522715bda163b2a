/**
 * Snapshots for registry and gc tests: one operator, one subtask, one handle,
 * with files named so that a name always has the same identity (id, size,
 * hash) wherever it appears.
 */
import { fakeHash } from "../conformance/cases/fixtures.js";
import type { FileRef, SharedFileRef, Snapshot } from "../src/model.js";
import type { SharedStateRegistry } from "../src/registry/shared-state-registry.js";
import { eachFile, originOf } from "../src/snapshot-walk.js";

const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;
const SAVEPOINT = { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" } as const;

function nameHash(name: string): number {
  let h = 7;
  for (const c of name) h = (h * 31 + c.codePointAt(0)!) % 1_000_003;
  return h;
}

/** The file at `path`: its id is the path, its size and hash derive from it. */
export function fileAt(path: string): FileRef {
  return { id: `id:${path}`, path, size: BigInt(8 + (nameHash(path) % 64)), xxh64: fakeHash(nameHash(path)) };
}

/** Shared file `shared/<name>`, uploaded by checkpoint `origin`. */
export function sharedFile(name: string, origin: bigint): SharedFileRef {
  return { ...fileAt(`shared/${name}`), originCheckpointId: origin };
}

/** Options of {@link checkpointSnapshot}. */
export interface CheckpointShape {
  shared?: SharedFileRef[];
  /** Names of private files under `chk-<id>/h/`. */
  privates?: string[];
  base?: bigint;
}

/** Checkpoint `id` in `chk-<id>/` with its meta file `chk-<id>/h/MANIFEST`. */
export function checkpointSnapshot(id: bigint, shape: CheckpointShape = {}): Snapshot {
  const folder = `chk-${id}/h`;
  return {
    snapshotId: id, kind: "checkpoint", properties: { ...CHECKPOINT }, maxParallelism: 128, snapshotDir: `chk-${id}`,
    jobId: "", timestampMillis: 0n,
    operators: [{ operatorId: "op", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [{
      type: "incremental", backendId: "b", keyGroups: { start: 0, count: 128 }, folder, checkpointId: id,
      baseCheckpointId: shape.base ?? 0n, sharedFiles: [...(shape.shared ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1)),
      privateFiles: (shape.privates ?? []).map((n) => fileAt(`${folder}/${n}`)).sort((a, b) => (a.id < b.id ? -1 : 1)),
      metaFile: fileAt(`${folder}/MANIFEST`), stateSize: 0n, checkpointedSize: 0n,
    }] }] }],
  };
}

/** Savepoint `id` whose data files are `paths` (relative to its root). */
export function savepointSnapshot(id: bigint, paths: string[], snapshotDir = ""): Snapshot {
  return {
    snapshotId: id, kind: "savepoint", properties: { ...SAVEPOINT }, maxParallelism: 128, snapshotDir, jobId: "", timestampMillis: 0n,
    operators: [{ operatorId: "op", name: "", parallelism: paths.length, subtasks: paths.map((p, i) => ({ subtaskIndex: i, handles: [{
      type: "savepoint" as const, keyGroups: { start: 0, count: 0 }, dataFile: fileAt(p), offsets: [],
    }] })) }],
  };
}

/** The files snapshot `s` uploaded itself: shared files it is the origin of, private, meta and data files. */
export function ownFiles(s: Snapshot): FileRef[] {
  const seen = new Map<string, FileRef>();
  for (const f of eachFile(s)) {
    if (originOf(f) === undefined || originOf(f) === s.snapshotId) seen.set(f.ref.path, f.ref);
  }
  return [...seen.values()];
}

/** Triggers, uploads and completes `s` in `registry`, as a coordinator would; returns what complete returns. */
export function takeSnapshot(registry: SharedStateRegistry, s: Snapshot): bigint[] {
  registry.startPending(s.snapshotId, s.kind);
  for (const f of ownFiles(s)) registry.recordUpload(s.snapshotId, f);
  return registry.complete(s.snapshotId, s);
}

/** The paths of the current discard plan. */
export function planPaths(registry: SharedStateRegistry): string[] {
  return registry.discardPlan().map((f) => f.path);
}
