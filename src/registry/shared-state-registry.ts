/**
 * The coordinator's shared-file registry ([spec](../../spec/ownership.md#the-shared-file-registry)):
 * which checkpoints hold which files, and so which files may be deleted now.
 * Pure and deterministic: it never touches storage; the caller deletes what
 * {@link SharedStateRegistry.discardPlan} lists and acknowledges it with
 * {@link SharedStateRegistry.markDeleted}.
 */
import { compareBigInts } from "../body/canonical-order.js";
import type { FileRef, SegmentStream, SharedFileRef, Snapshot, SnapshotKind } from "../model.js";
import { refKind } from "../snapshot-walk.js";
import { checkCompletion, type PendingSnapshot } from "./completion-rules.js";
import { FileTable } from "./file-table.js";
import { lookUpRef } from "./file-identity.js";
import { registryError } from "./registry-error.js";
import { checkRestore, type RestoreMode } from "./restore-rules.js";
import { subsumedBy, type Retention } from "./retention.js";

export type { Retention } from "./retention.js";
export type { RestoreMode } from "./restore-rules.js";

interface RetainedCheckpoint {
  snapshot: Snapshot;
  /** Every path it refers to. */
  paths: Set<string>;
  /** The paths a later checkpoint may build on: those it refers to only as shared files. */
  shareable: Set<string>;
}

/**
 * Tracks pending, retained and user-owned snapshots and the files they hold.
 * Every method either succeeds or throws a KsnapError and leaves the registry
 * unchanged.
 */
export class SharedStateRegistry {
  private readonly files = new FileTable();
  private readonly pending = new Map<bigint, PendingSnapshot>();
  private readonly retained = new Map<bigint, RetainedCheckpoint>();
  /** Highest snapshot id seen; a new one must be higher (ids are never reused). */
  private highestId = 0n;
  /** What the next checkpoint may build on: the latest completed or claimed checkpoint. */
  private base: bigint | undefined;
  /** Set by a restore without claim, until a checkpoint completes. */
  private mustBeFull = false;

  /**
   * Triggers checkpoint (or savepoint) `id`. A checkpoint pins the shared files
   * of the latest completed checkpoint, its possible base, until it completes or aborts
   * ([spec](../../spec/ownership.md#triggering-and-pins)).
   * @throws KsnapError INVALID_OPERATION when `id` is not higher than every id seen.
   */
  startPending(id: bigint, kind: SnapshotKind = "checkpoint"): void {
    if (id <= this.highestId) {
      throw registryError("INVALID_OPERATION", `snapshot id ${id} is not higher than ${this.highestId}, the highest id seen: ids are never reused`);
    }
    const pins = new Set(kind === "checkpoint" && this.base !== undefined && !this.mustBeFull ? this.retainedEntry(this.base).shareable : []);
    for (const p of pins) this.files.hold(p, id);
    this.pending.set(id, { kind, pins, uploads: new Set() });
    this.highestId = id;
  }

  /**
   * Records that a task uploaded `file` for pending snapshot `id`; the file
   * belongs to `id` until it completes or aborts ([spec](../../spec/ownership.md#uploads)).
   * A segment (1.1) reports its physical file, new to the registry: a task that
   * appends to a physical file the registry knows reports nothing, and its
   * checkpoint may refer to it as it may to a shared file it did not upload.
   * @throws KsnapError INVALID_OPERATION when `id` is not pending; UNSAFE_PATH;
   *   FILE_CONFLICT when the path or the id is already taken, or the reference names another origin.
   */
  recordUpload(id: bigint, file: FileRef | SharedFileRef | SegmentStream): void {
    const pending = this.pendingEntry(id, "record an upload for");
    const origin = "originCheckpointId" in file ? (file as SharedFileRef).originCheckpointId : id;
    if (origin !== id) {
      throw registryError("FILE_CONFLICT", `file "${file.id}" is uploaded for checkpoint ${id} but names checkpoint ${origin} as its origin`);
    }
    if (lookUpRef(this.files, file, undefined) !== undefined) {
      throw registryError("FILE_CONFLICT", `path "${file.path}" already holds a file the registry knows: an upload must not overwrite it`);
    }
    this.files.add(file, id, refKind(file) === "segment");
    this.files.hold(file.path, id);
    pending.uploads.add(file.path);
  }

  /**
   * Completes pending snapshot `id` with its metadata. A checkpoint becomes the
   * latest retained checkpoint and the pending checkpoints older than it are
   * aborted (returned, ascending); a savepoint's files become user-owned
   * ([spec](../../spec/ownership.md#completing-a-checkpoint)).
   * @throws KsnapError INVALID_OPERATION, UNSAFE_PATH, FILE_CONFLICT or
   *   DANGLING_REFERENCE; the snapshot stays pending, so the caller aborts it.
   */
  complete(id: bigint, snapshot: Snapshot): bigint[] {
    const pending = this.pendingEntry(id, "complete");
    const paths = checkCompletion(this.files, id, pending, snapshot, {
      mustBeFull: this.mustBeFull, isRetained: (h) => this.retained.has(h),
    });
    for (const p of paths.exclusive) this.files.makeExclusive(p, id);
    if (pending.kind === "savepoint") {
      for (const p of paths.all) this.files.protect(p);
      this.endPending(id, pending);
      return [];
    }
    for (const p of paths.all) this.files.hold(p, id);
    this.endPending(id, pending, paths.all);
    this.retained.set(id, { snapshot, paths: paths.all, shareable: difference(paths.all, paths.exclusive) });
    this.base = id;
    this.mustBeFull = false;
    return this.abortOlderCheckpoints(id);
  }

  /**
   * Aborts pending snapshot `id`: its pins go, and its uploads become
   * discardable unless something else holds them ([spec](../../spec/ownership.md#aborting)).
   * @throws KsnapError INVALID_OPERATION when `id` is not pending.
   */
  abort(id: bigint): void {
    this.endPending(id, this.pendingEntry(id, "abort"));
  }

  /**
   * Subsumes the retained checkpoints that `retention` does not keep and returns
   * their ids, ascending. Their metadata SHOULD be deleted before any file of the
   * plan ([spec](../../spec/ownership.md#subsumption-and-retention)).
   * @throws KsnapError INVALID_OPERATION for a retention that would subsume the latest checkpoint.
   */
  subsume(retention: Retention): bigint[] {
    const dropped = subsumedBy(this.retainedCheckpoints(), retention);
    for (const id of dropped) {
      for (const p of this.retainedEntry(id).paths) this.files.release(p, id);
      this.retained.delete(id);
    }
    return dropped;
  }

  /**
   * Restores a job from `snapshot`. Every pending snapshot is aborted first (a
   * restore starts a new execution). With claim, the registry owns the files and
   * the checkpoint is the new base; without claim, the files are never deleted
   * and the next checkpoint must be full ([spec](../../spec/ownership.md#restoring)).
   * @throws KsnapError INVALID_OPERATION, UNSAFE_PATH, FILE_CONFLICT or DANGLING_REFERENCE.
   */
  restore(snapshot: Snapshot, mode: RestoreMode): void {
    const files = checkRestore(this.files, snapshot, mode, {
      latestRetained: this.latestCheckpoint(), retained: (id) => this.retained.get(id)?.snapshot, isRetained: (id) => this.retained.has(id),
    });
    const id = snapshot.snapshotId;
    // Take the restored files over before aborting, so that no file they share
    // with an aborted upload passes through the plan.
    for (const [path, f] of files) {
      if (this.files.get(path) === undefined) this.files.add(f.ref, f.origin, f.segmented);
      if (f.exclusive) this.files.makeExclusive(path, id);
      if (mode === "claim") this.files.hold(path, id);
      else this.files.protect(path);
    }
    for (const [pid, p] of [...this.pending]) this.endPending(pid, p, mode === "claim" && pid === id ? files.keys() : []);
    if (mode === "claim") {
      const exclusive = new Set([...files].filter(([, f]) => f.exclusive).map(([p]) => p));
      if (!this.retained.has(id)) this.retained.set(id, { snapshot, paths: new Set(files.keys()), shareable: difference(new Set(files.keys()), exclusive) });
      this.base = id;
      this.mustBeFull = false;
    } else {
      this.base = undefined;
      this.mustBeFull = true;
    }
    if (id > this.highestId) this.highestId = id;
  }

  /**
   * The files that may be deleted now, sorted by path (code-point order): no
   * retained or pending snapshot holds them and the user does not own them
   * ([spec](../../spec/ownership.md#the-discard-plan)). The physical file of
   * segments is listed with size and xxh64 0: they are not recorded. A file stays in the plan
   * until {@link markDeleted} acknowledges it, so a failed delete is retried.
   */
  discardPlan(): FileRef[] {
    return this.files.condemnedFiles().map((e) => ({ id: e.id, path: e.path, size: e.size, xxh64: e.xxh64 }));
  }

  /**
   * Acknowledges that `paths`, all from the plan, are deleted.
   * @throws KsnapError INVALID_OPERATION when a path is not in the plan (nothing is acknowledged then).
   */
  markDeleted(paths: Iterable<string>): void {
    const unique = new Set(paths);
    for (const p of unique) {
      if (!this.files.isCondemned(p)) throw registryError("INVALID_OPERATION", `"${p}" is not in the discard plan`);
    }
    for (const p of unique) this.files.forget(p);
  }

  /** Ids of the retained checkpoints, ascending. */
  retainedCheckpoints(): bigint[] {
    return [...this.retained.keys()].sort(compareBigInts);
  }

  /** Ids of the pending snapshots, ascending. */
  pendingSnapshots(): bigint[] {
    return [...this.pending.keys()].sort(compareBigInts);
  }

  /** Id of the latest retained checkpoint, if any. */
  latestCheckpoint(): bigint | undefined {
    return this.retainedCheckpoints().at(-1);
  }

  // Releases what pending `id` pinned and uploaded, except `keep`: the paths that
  // `id` goes on holding as a retained checkpoint (same holder id).
  private endPending(id: bigint, p: PendingSnapshot, keep: Iterable<string> = []): void {
    const kept = new Set(keep);
    for (const path of new Set([...p.pins, ...p.uploads])) if (!kept.has(path)) this.files.release(path, id);
    this.pending.delete(id);
  }

  // A checkpoint older than a completed one can never become the latest, so it
  // is aborted now rather than holding its pins until it times out.
  private abortOlderCheckpoints(id: bigint): bigint[] {
    const older = [...this.pending].filter(([pid, p]) => pid < id && p.kind === "checkpoint");
    for (const [pid, p] of older) this.endPending(pid, p);
    return older.map(([pid]) => pid).sort(compareBigInts);
  }

  private pendingEntry(id: bigint, what: string): PendingSnapshot {
    const p = this.pending.get(id);
    if (p === undefined) throw registryError("INVALID_OPERATION", `cannot ${what} snapshot ${id}: it is not pending`);
    return p;
  }

  private retainedEntry(id: bigint): RetainedCheckpoint {
    const r = this.retained.get(id);
    if (r === undefined) throw new Error(`internal: checkpoint ${id} is not retained`);
    return r;
  }
}

function difference(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  return new Set([...a].filter((x) => !b.has(x)));
}
