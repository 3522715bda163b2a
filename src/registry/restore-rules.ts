/**
 * What a restore may take over ([spec](../../spec/ownership.md#restoring)):
 * with claim, the registry becomes the owner of the snapshot's files; without
 * claim, it promises never to delete them. Either way it must not restore a
 * snapshot whose files it has already planned for deletion.
 */
import type { Snapshot } from "../model.js";
import type { FileTable } from "./file-table.js";
import { type CountedRef, identityMismatch, lookUpRef } from "./file-identity.js";
import { registryError } from "./registry-error.js";
import { eachRootRef, fileField, isSegmentSite, originOf, type FileSite, type SegmentSite } from "../snapshot-walk.js";

/** How a restore treats the snapshot's files. */
export type RestoreMode = "claim" | "no-claim";

/** A distinct file of a restored snapshot, with the origin the registry records for it. */
export interface RestoredFile {
  /** The first ref of the file: a whole file, or a segment of a physical file. */
  ref: CountedRef;
  origin: bigint;
  /** Referenced as a whole file in a role other than shared: exclusive to the restored snapshot. */
  exclusive: boolean;
  /** The physical file of segments (1.1): never exclusive, size and hash not recorded. */
  segmented: boolean;
}

/** What the registry knows beyond its file table. */
export interface RestoreContext {
  /** Id of the latest retained checkpoint, if any. */
  latestRetained: bigint | undefined;
  /** The metadata of retained checkpoint `id`, if it is retained. */
  retained(id: bigint): Snapshot | undefined;
  isRetained(id: bigint): boolean;
}

/**
 * Checks that `snapshot` may be restored in `mode` and returns its distinct
 * files by path. Throws INVALID_OPERATION, UNSAFE_PATH, FILE_CONFLICT or
 * DANGLING_REFERENCE; the registry is unchanged.
 */
export function checkRestore(table: FileTable, snapshot: Snapshot, mode: RestoreMode, ctx: RestoreContext): Map<string, RestoredFile> {
  checkMode(snapshot, mode, ctx);
  const known = ctx.retained(snapshot.snapshotId);
  if (known !== undefined && !sameSnapshot(known, snapshot)) {
    throw registryError("FILE_CONFLICT", `checkpoint ${snapshot.snapshotId} is retained with different metadata`, { field: "snapshotId" });
  }
  const files = new Map<string, RestoredFile>();
  const pathById = new Map<string, string>();
  for (const f of eachRootRef(snapshot)) {
    checkAgainstTable(table, f, snapshot.snapshotId, mode, ctx);
    checkWithinSnapshot(files, pathById, f);
    const segmented = isSegmentSite(f);
    const exclusive = !segmented && f.role !== "shared";
    const seen = files.get(f.ref.path);
    if (seen === undefined) files.set(f.ref.path, { ref: f.ref, origin: originOf(f) ?? snapshot.snapshotId, exclusive, segmented });
    else if (exclusive) seen.exclusive = true;
    pathById.set(f.ref.id, f.ref.path);
  }
  return files;
}

function checkMode(snapshot: Snapshot, mode: RestoreMode, ctx: RestoreContext): void {
  if (mode !== "claim") return;
  if (snapshot.kind !== "checkpoint" || snapshot.properties.ownership !== "system") {
    throw registryError("INVALID_OPERATION",
      `a ${snapshot.kind} owned by "${snapshot.properties.ownership}" cannot be claimed: the system never deletes user-owned files; restore it without claim`);
  }
  // Claiming an older checkpoint than a retained one would fork the history the registry owns.
  if (ctx.latestRetained !== undefined && snapshot.snapshotId < ctx.latestRetained) {
    throw registryError("INVALID_OPERATION",
      `checkpoint ${snapshot.snapshotId} is older than the latest retained checkpoint ${ctx.latestRetained}: restore it without claim`, { field: "snapshotId" });
  }
}

function checkAgainstTable(table: FileTable, f: FileSite | SegmentSite, id: bigint, mode: RestoreMode, ctx: RestoreContext): void {
  const segmented = isSegmentSite(f);
  const entry = lookUpRef(table, f.ref, segmented ? undefined : originOf(f), fileField(f));
  if (entry === undefined) return;
  const dangling = (why: string) => registryError("DANGLING_REFERENCE", `file "${f.ref.id}" at "${f.ref.path}" ${why}`, { field: fileField(f) });
  if (table.isCondemned(f.ref.path)) throw dangling("is planned for deletion, so the snapshot cannot be restored");
  if (entry.exclusiveTo !== undefined && entry.exclusiveTo !== id) throw dangling(`is a private, meta or data file of snapshot ${entry.exclusiveTo}`);
  if (!segmented && f.role !== "shared" && [...entry.holders].some((h) => h !== id)) {
    throw dangling("is shared by other checkpoints, so it cannot be a private, meta or data file");
  }
  if (entry.protected) {
    if (mode === "claim") throw dangling("is owned by the user and cannot be claimed");
    return;
  }
  if (![...entry.holders].some((h) => ctx.isRetained(h))) {
    throw dangling("is an upload of a pending checkpoint, not a file of a completed one");
  }
}

function checkWithinSnapshot(files: Map<string, RestoredFile>, pathById: Map<string, string>, f: FileSite | SegmentSite): void {
  const otherPath = pathById.get(f.ref.id);
  if (otherPath !== undefined && otherPath !== f.ref.path) {
    throw registryError("FILE_CONFLICT", `file "${f.ref.id}" is referenced at "${otherPath}" and at "${f.ref.path}"`, { field: fileField(f) });
  }
  const seen = files.get(f.ref.path);
  if (seen === undefined) return;
  const known = { id: seen.ref.id, size: "size" in seen.ref ? seen.ref.size : 0n, xxh64: seen.ref.xxh64, origin: seen.origin, segmented: seen.segmented };
  const mismatch = identityMismatch(known, f.ref, isSegmentSite(f) ? undefined : originOf(f));
  if (mismatch !== undefined) throw registryError("FILE_CONFLICT", mismatch, { field: fileField(f) });
}

/**
 * True when `a` and `b` are the same snapshot, field for field, whatever the
 * format version: a property set to `undefined` counts as absent (an optional
 * 1.1 field), bytes compare by content.
 */
export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  return sameValue(a, b);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = (o: object): string[] => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const [ka, kb] = [keys(a), keys(b)];
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
