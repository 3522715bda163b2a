/**
 * What a checkpoint may refer to when it completes
 * ([spec](../../spec/ownership.md#completing-a-checkpoint)). A completion that
 * breaks a rule is refused as a whole: the checkpoint is unusable, but no file
 * it needs can have been deleted behind its back.
 */
import type { Snapshot, SnapshotKind } from "../model.js";
import type { FileTable } from "./file-table.js";
import { lookUpRef } from "./file-identity.js";
import { registryError } from "./registry-error.js";
import { baseReferences, eachRootRef, fileField, isSegmentSite, originOf, type FileSite, type SegmentSite } from "../snapshot-walk.js";

/** A checkpoint or savepoint that has been triggered and has neither completed nor aborted. */
export interface PendingSnapshot {
  kind: SnapshotKind;
  /** Files of the latest completed checkpoint at trigger time: the ones it may build on. */
  pins: Set<string>;
  /** Files uploaded for it. */
  uploads: Set<string>;
}

/** What the registry knows beyond its file table. */
export interface CompletionContext {
  /** True right after a restore without claim, until a checkpoint completes: the next checkpoint must be full. */
  mustBeFull: boolean;
  isRetained(checkpointId: bigint): boolean;
}

/**
 * The distinct paths a snapshot refers to, and those exclusive to it: whole files
 * in any role but shared (private, meta, data, operator, coordinator). The
 * physical file of segments is never exclusive.
 */
export interface SnapshotPaths {
  all: Set<string>;
  exclusive: Set<string>;
}

/**
 * Checks that pending snapshot `id` may complete as `snapshot` and returns the
 * paths it refers to. Throws INVALID_OPERATION (wrong id, kind or ownership),
 * UNSAFE_PATH, FILE_CONFLICT or DANGLING_REFERENCE.
 */
export function checkCompletion(
  table: FileTable, id: bigint, pending: PendingSnapshot, snapshot: Snapshot, ctx: CompletionContext,
): SnapshotPaths {
  checkHeader(id, pending.kind, snapshot);
  if (pending.kind === "checkpoint" && ctx.mustBeFull) checkFull(snapshot);
  const paths: SnapshotPaths = { all: new Set(), exclusive: new Set() };
  for (const f of eachRootRef(snapshot)) {
    checkReference(table, id, pending, f, ctx);
    paths.all.add(f.ref.path);
    if (!isSegmentSite(f) && f.role !== "shared") paths.exclusive.add(f.ref.path);
  }
  return paths;
}

function checkHeader(id: bigint, kind: SnapshotKind, snapshot: Snapshot): void {
  if (snapshot.snapshotId !== id) {
    throw registryError("INVALID_OPERATION", `completing ${kind} ${id} with the metadata of snapshot ${snapshot.snapshotId}`, { field: "snapshotId" });
  }
  if (snapshot.kind !== kind) {
    throw registryError("INVALID_OPERATION", `${id} was triggered as a ${kind}, but its metadata says ${snapshot.kind}`, { field: "kind" });
  }
  // Ownership follows the kind: the registry owns checkpoints and the user owns savepoints.
  const owner = kind === "checkpoint" ? "system" : "user";
  if (snapshot.properties.ownership !== owner) {
    throw registryError("INVALID_OPERATION", `a ${kind} must be owned by "${owner}", not "${snapshot.properties.ownership}"`, { field: "properties.ownership" });
  }
}

// After a restore without claim nothing may depend on the restored files, so
// the first checkpoint builds on nothing.
function checkFull(snapshot: Snapshot): void {
  const first = baseReferences(snapshot)[0];
  if (first !== undefined) {
    throw registryError("DANGLING_REFERENCE",
      `the first checkpoint after a restore without claim must be full, but it builds on checkpoint ${first.base}`, { field: first.field });
  }
}

// A segment's physical file is counted like a shared file whatever the segment's
// role: a checkpoint may refer to one that a retained checkpoint or its pin holds.
function checkReference(table: FileTable, id: bigint, pending: PendingSnapshot, f: FileSite | SegmentSite, ctx: CompletionContext): void {
  const segment = isSegmentSite(f);
  const entry = lookUpRef(table, f.ref, segment ? undefined : originOf(f), fileField(f));
  const dangling = (why: string) => registryError("DANGLING_REFERENCE", `file "${f.ref.id}" at "${f.ref.path}" ${why}`, { field: fileField(f) });
  if (entry === undefined) throw dangling(`was neither uploaded for ${pending.kind} ${id} nor registered by a retained checkpoint`);
  if (pending.uploads.has(f.ref.path)) return;
  if ((f.role !== "shared" && !segment) || pending.kind === "savepoint") {
    throw dangling(`was not uploaded for ${pending.kind} ${id}: only a checkpoint's shared files and segments may be in files it did not upload`);
  }
  if (entry.exclusiveTo !== undefined) throw dangling(`is a private, meta or data file of snapshot ${entry.exclusiveTo}`);
  if (entry.protected) throw dangling("is owned by the user (a savepoint or a snapshot restored without claim)");
  if (table.isCondemned(f.ref.path)) throw dangling("is planned for deletion: no retained checkpoint held it any more");
  if (pending.pins.has(f.ref.path)) return;
  if ([...entry.holders].some((h) => ctx.isRetained(h))) return;
  throw dangling("is held only by other pending checkpoints: a checkpoint may build on completed checkpoints only");
}
