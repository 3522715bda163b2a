/**
 * File identity in the registry ([spec](../../spec/format-v1.md#file-identity)):
 * one id is one path with one content, and a shared file has one origin. A
 * reference that disagrees with what the registry knows would make deleting
 * one file delete another, so it is refused.
 */
import { KsnapError } from "../errors.js";
import { hashToHex } from "../hash/xxh64.js";
import type { FileRef } from "../model.js";
import { pathProblem } from "../storage/paths.js";
import type { FileEntry, FileTable } from "./file-table.js";
import { registryError } from "./registry-error.js";

/** What identifies a file: id, content and, when known, origin. */
export interface FileIdentity {
  id: string;
  size: bigint;
  xxh64: bigint;
  /** Undefined when not known (a private file carries no origin). */
  origin: bigint | undefined;
}

/** Why `ref` (with `origin` for shared references) is not the file `entry`, or undefined when it is. */
export function identityMismatch(entry: FileIdentity, ref: FileRef, origin: bigint | undefined): string | undefined {
  if (entry.id !== ref.id) return `path "${ref.path}" holds file "${entry.id}", not "${ref.id}"`;
  if (entry.size !== ref.size) return `file "${ref.id}" has size ${entry.size}, not ${ref.size}`;
  if (entry.xxh64 !== ref.xxh64) return `file "${ref.id}" has xxh64 ${hashToHex(entry.xxh64)}, not ${hashToHex(ref.xxh64)}`;
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
export function lookUpRef(table: FileTable, ref: FileRef, origin: bigint | undefined, field?: string): FileEntry | undefined {
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
