/**
 * Snapshots for registry and gc tests: one operator, one subtask, one handle,
 * with files named so that a name always has the same identity (id, size,
 * hash) wherever it appears.
 */
import { fakeHash } from "../conformance/cases/fixtures.js";
import type { FileRef, SegmentStream, SharedFileRef, SharedStreamRef, Snapshot } from "../src/model.js";
import type { SharedStateRegistry } from "../src/registry/shared-state-registry.js";
import { eachFile, eachSegment, originOf } from "../src/snapshot-walk.js";

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

/** Segment `[offset, offset + length)` of the physical file `shared/<name>` (1.1), uploaded by checkpoint `origin`. */
export function segmentOf(name: string, offset: bigint, length: bigint, origin: bigint): SegmentStream & { originCheckpointId: bigint } {
  return { type: "segment", id: `id:shared/${name}`, path: `shared/${name}`, offset, length, scope: "shared", xxh64: 0n, originCheckpointId: origin };
}

/** Options of {@link checkpointSnapshot}. */
export interface CheckpointShape {
  shared?: SharedFileRef[];
  /** Names of private files under `chk-<id>/h/`. */
  privates?: string[];
  base?: bigint;
  /** 1.1: shared segments, in a second operator's stream-incremental handle. */
  segments?: SharedStreamRef[];
  /** 1.1: managed operator state in the whole file `chk-<id>/h/opstate`, and coordinator state at an external URI. */
  operatorState?: boolean;
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

/** {@link checkpointSnapshot} with the 1.1 parts `shape` asks for. */
export function checkpointV11(id: bigint, shape: CheckpointShape = {}): Snapshot {
  const s = checkpointSnapshot(id, shape);
  if (shape.operatorState) {
    s.operators[0]!.subtasks[0]!.managedOperatorState = { stream: { type: "file", ...fileAt(`chk-${id}/h/opstate`) }, states: [] };
    s.operators[0]!.coordinatorState = { type: "external", uri: `s3://elsewhere/job/coordinator-${id}`, size: 5n, xxh64: 0n };
  }
  if (shape.segments !== undefined) {
    s.operators.push({ operatorId: "op-seg", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [{
      type: "stream-incremental", backendId: "bs", keyGroups: { start: 0, count: 128 }, folder: "", checkpointId: id, baseCheckpointId: shape.base ?? 0n,
      sharedFiles: shape.segments, privateFiles: [], meta: { type: "inline", data: new Uint8Array(2) }, stateSize: 0n, checkpointedSize: 0n,
    }] }] });
  }
  return s;
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

/**
 * The files snapshot `s` uploaded itself: shared files it is the origin of, private, meta and data files, and
 * (1.1) the physical files it started: those of its own segments at offset 0; a later segment is an append.
 */
export function ownFiles(s: Snapshot): (FileRef | SegmentStream)[] {
  const seen = new Map<string, FileRef | SegmentStream>();
  for (const f of eachFile(s)) {
    if (originOf(f) === undefined || originOf(f) === s.snapshotId) seen.set(f.ref.path, f.ref);
  }
  for (const f of eachSegment(s)) if (f.ref.offset === 0n && originOf(f) === s.snapshotId) seen.set(f.ref.path, f.ref);
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
