/**
 * Names the backend gives folders and files in snapshot roots
 * ([storage layout](../../spec/format-v1.md#storage-layout)).
 */

/** A handle's folder name (or a data file's stem): the operator id made path-safe, then the subtask index. */
export function subtaskFileStem(operatorId: string, subtask: number): string {
  // Operator ids are free text up to 256 bytes; a path segment must not hold '/' or be '.' or '..'.
  const safe = operatorId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 200);
  return `${safe}-${subtask}`;
}

/** The exclusive folder of checkpoint `id`, relative to the root. */
export function checkpointDir(id: bigint): string {
  return `chk-${id}`;
}

/** The meta file's name in a handle folder. */
export const MANIFEST_FILE = "MANIFEST";
