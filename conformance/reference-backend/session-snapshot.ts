/**
 * The metadata the backend writes for a checkpoint or a savepoint
 * ([spec](../../spec/format-v1.md#snapshot)): the session's one operator, with
 * each subtask's one handle. Only what differs between the two kinds is passed in.
 */
import type { KeyedStateHandle, Snapshot } from "../../src/index.js";
import type { SessionSpec } from "./session.js";

/** What sets a checkpoint's metadata apart from a savepoint's. */
export type SnapshotIdentity = Pick<Snapshot, "snapshotId" | "kind" | "properties" | "snapshotDir">;

/** The snapshot `identity` of `session`, with `handles[i]` as subtask i's only handle. */
export function sessionSnapshot(session: { readonly spec: SessionSpec }, identity: SnapshotIdentity, handles: KeyedStateHandle[]): Snapshot {
  const { operatorId, maxParallelism, parallelism } = session.spec;
  return {
    ...identity, maxParallelism, jobId: "", timestampMillis: BigInt(Date.now()),
    operators: [{ operatorId, name: "", parallelism, subtasks: handles.map((h, i) => ({ subtaskIndex: i, handles: [h] })) }],
  };
}
