/**
 * Checks of a snapshot an adapter wrote, as the catalogue's `valid` tests make
 * them ([spec](../../spec/conformance.md#test-catalogue)): it validates (with
 * or without storage checks), and it is the snapshot the runner asked for: kind,
 * id, operator, parallelism and Flink's key-group range per subtask.
 */
import { isKsnapError } from "../errors.js";
import { keyGroupRangeForOperator } from "../key-groups.js";
import type { Snapshot } from "../model.js";
import { operatorHandlesById } from "../snapshot-walk.js";
import { loadSnapshot, type LocatedSnapshot } from "../storage/snapshot-root.js";
import { validatePath } from "../validate/index.js";

/** What a snapshot must be: the job the scenario runs. */
export interface ExpectedSnapshot {
  kind: "checkpoint" | "savepoint";
  snapshotId: number;
  operatorId: string;
  maxParallelism: number;
  parallelism: number;
}

/** Undefined when validating `path` finds no error; otherwise the first errors, one line. */
export async function validationProblem(path: string, storage: boolean): Promise<string | undefined> {
  let result;
  try {
    result = await validatePath(path, { storage });
  } catch (e) {
    return isKsnapError(e) ? `validate: ${e.message}` : `validate failed: ${String(e)}`;
  }
  const errors = result.findings.filter((f) => f.severity === "error");
  if (errors.length === 0) return undefined;
  const shown = errors.slice(0, 3).map((f) => `${f.rule} ${f.location.path ?? f.location.field ?? ""}: ${f.message}`.replace(/ +:/, ":"));
  return `validate found ${errors.length} error(s): ${shown.join("; ")}${errors.length > 3 ? "; …" : ""}`;
}

/** The snapshot at `metadataPath`, or the reason it cannot be loaded. */
export async function loadOrReason(metadataPath: string): Promise<LocatedSnapshot | string> {
  try {
    return await loadSnapshot(metadataPath);
  } catch (e) {
    return isKsnapError(e) ? `${e.code}: ${e.message}` : String(e);
  }
}

/** Undefined when `snapshot` is the expected one; otherwise what differs. */
export function shapeProblem(snapshot: Snapshot, want: ExpectedSnapshot): string | undefined {
  const props = snapshot.properties;
  if (snapshot.kind !== want.kind) return `the snapshot is a ${snapshot.kind}, expected a ${want.kind}`;
  if (snapshot.snapshotId !== BigInt(want.snapshotId)) return `snapshot id ${snapshot.snapshotId}, expected ${want.snapshotId}`;
  if (snapshot.maxParallelism !== want.maxParallelism) {
    return `max parallelism ${snapshot.maxParallelism}, expected ${want.maxParallelism}`;
  }
  if (want.kind === "savepoint" && !(props.keyGroupAware && props.sharing === "none" && props.ownership === "user")) {
    return `a savepoint must be key-group aware, sharing none, owned by the user; it is ${JSON.stringify(props)}`;
  }
  const op = snapshot.operators.find((o) => o.operatorId === want.operatorId);
  if (op === undefined) return `no operator "${want.operatorId}" in the snapshot`;
  if (op.parallelism !== want.parallelism) return `operator parallelism ${op.parallelism}, expected ${want.parallelism}`;
  return rangeProblem(snapshot, want);
}

/** Every handle of subtask i must hold exactly Flink's range for i; a savepoint's must be savepoint handles. */
function rangeProblem(snapshot: Snapshot, want: ExpectedSnapshot): string | undefined {
  for (const { handle, subtask, handleIndex } of operatorHandlesById(snapshot, want.operatorId)) {
    const range = keyGroupRangeForOperator(want.maxParallelism, want.parallelism, subtask.subtaskIndex);
    const at = `subtask ${subtask.subtaskIndex} handle ${handleIndex}`;
    if (want.kind === "savepoint" && handle.type !== "savepoint") return `${at} is an ${handle.type} handle in a savepoint`;
    const kg = handle.keyGroups;
    // Only channel state's opaque handles lack key groups; in `handles` that is a decoding error, never a shape.
    if (kg === undefined) return `${at} holds no key-group range`;
    if (kg.start !== range.start || kg.count !== range.count) {
      return `${at} holds key groups start ${kg.start} count ${kg.count}; Flink's range is start ${range.start} count ${range.count}`;
    }
  }
  return undefined;
}
