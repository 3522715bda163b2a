/**
 * File identity in the registry ([spec](../../spec/format-v1.md#file-identity)):
 * one id is one path with one content, and a shared file has one origin. A
 * reference that disagrees with what the registry knows would make deleting
 * one file delete another, so it is refused. The physical file of segments
 * (1.1) is one file under one id and one path, however many segments name it
 * ([spec](../../spec/ownership.md#segments)); it is never also a whole file.
 */
import { KsnapError } from "../errors.js";
import { hashToHex } from "../hash/xxh64.js";
import type { FileRef, SegmentStream } from "../model.js";
import { refKind } from "../snapshot-walk.js";
import { pathProblem } from "../storage/paths.js";
import type { FileEntry, FileTable } from "./file-table.js";
import { registryError } from "./registry-error.js";

/** What identifies a file: id, content and, when known, origin; for the physical file of segments, its id alone. */
export interface FileIdentity {
  id: string;
  size: bigint;
  xxh64: bigint;
  /** Undefined when not known (a private file carries no origin). */
  origin: bigint | undefined;
  /** The physical file of segments: nothing but the id and the kind is compared. */
  segmented?: boolean;
}

/** A ref the registry counts: a whole file, or a segment of a physical file. */
export type CountedRef = FileRef | SegmentStream;

/** Why `ref` (with `origin` for shared references) is not the file `entry`, or undefined when it is. */
export function identityMismatch(entry: FileIdentity, ref: CountedRef, origin: bigint | undefined): string | undefined {
  const segment = refKind(ref) === "segment";
  if ((entry.segmented ?? false) !== segment) {
    return `path "${ref.path}" holds ${entry.segmented ? "the physical file of segments" : "a whole file"} "${entry.id}", ` +
      `not ${segment ? "the physical file of a segment" : "a whole file"}: a file is either whole or segmented`;
  }
  if (entry.id !== ref.id) return `path "${ref.path}" holds file "${entry.id}", not "${ref.id}"`;
  if (segment) return undefined;
  const file = ref as FileRef;
  if (entry.size !== file.size) return `file "${ref.id}" has size ${entry.size}, not ${file.size}`;
  if (entry.xxh64 !== file.xxh64) return `file "${ref.id}" has xxh64 ${hashToHex(entry.xxh64)}, not ${hashToHex(file.xxh64)}`;
  if (origin !== undefined && entry.origin !== undefined && entry.origin !== origin) {
    return `file "${ref.id}" was uploaded by checkpoint ${entry.origin}, not ${origin}`;
  }
  return undefined;
}

/**
 * The entry `ref` names, or undefined when the registry knows neither its path
 * nor its id. Throws UNSAFE_PATH for a path that breaks the path rules (it would
 * otherwise end up in a discard plan) and FILE_CONFLICT when the reference
 * disagrees with the known file.
 */
export function lookUpRef(table: FileTable, ref: CountedRef, origin: bigint | undefined, field?: string): FileEntry | undefined {
  const problem = pathProblem(ref.path);
  if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `path "${ref.path}" ${problem}`, { field });
  const entry = table.get(ref.path);
  const knownPath = table.pathOf(ref.id);
  if (knownPath !== undefined && knownPath !== ref.path) {
    throw registryError("FILE_CONFLICT", `file "${ref.id}" is known at "${knownPath}", not "${ref.path}"`, { field });
  }
  if (entry === undefined) return undefined;
  const mismatch = identityMismatch(entry, ref, origin);
  if (mismatch !== undefined) throw registryError("FILE_CONFLICT", mismatch, { field });
  return entry;
}
