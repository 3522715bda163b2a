/**
 * The check just before a delete, the same for every storage ([spec](../../spec/ownership.md#deleting)): a file whose
 * size or modification time differs from what gc planned was replaced or written since, and is not deleted.
 */
import type { DeleteRequest, DeleteResult, EntryInfo } from "./storage.js";

/** Why the file `info` describes is not the one `expected` planned, or undefined when it is. */
export function changedSincePlanned(expected: Omit<DeleteRequest, "path">, info: EntryInfo): string | undefined {
  if (expected.size !== undefined && info.size !== expected.size) {
    return `its size changed since gc planned it (${expected.size} bytes then, ${info.size} now): not deleted`;
  }
  if (expected.modifiedMs !== undefined && info.modifiedMs !== expected.modifiedMs) {
    return `it was modified since gc planned it (${new Date(expected.modifiedMs).toISOString()} then, ${new Date(info.modifiedMs).toISOString()} now): not deleted`;
  }
  return undefined;
}

/** The result of one delete attempt that threw `e`: a refusal for UNSAFE_PATH (the run stops), a failure otherwise. */
export function failedDelete(path: string, e: unknown): DeleteResult {
  const error = e instanceof Error ? e : new Error(String(e));
  return (e as { code?: string }).code === "UNSAFE_PATH" ? { path, status: "refused", error } : { path, status: "failed", error };
}
