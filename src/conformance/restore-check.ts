/**
 * The restore level's check ([spec](../../spec/conformance.md#test-catalogue)):
 * open a session restored from a snapshot at a parallelism, dump every subtask,
 * and compare each with exactly its own key groups' expected entries.
 */
import { join } from "node:path";
import { keyGroupRangeForOperator } from "../key-groups.js";
import type { StateDescriptor } from "../savepoint/data-format.js";
import { AdapterRefused, type Adapter } from "./adapter.js";
import { entriesDifference } from "./compare-entries.js";
import { RUNNER_STORAGE } from "./runner-files.js";
import type { DumpEntry } from "./state-model.js";

/** What to restore and what it must hold. */
export interface RestoreRequest {
  metadata: string;
  operatorId: string;
  maxParallelism: number;
  parallelism: number;
  states: readonly StateDescriptor[];
  /** Every entry of the operator in the snapshot, in key-group and canonical order. */
  expected: readonly DumpEntry[];
  /** A fresh folder for the restored session's checkpoint root. */
  checkpointRoot: string;
  session: string;
}

/** Undefined when every subtask of the restored session holds exactly its key groups' expected entries. */
export async function restoreProblem(adapter: Adapter, r: RestoreRequest): Promise<string | undefined> {
  await RUNNER_STORAGE.makeFolder(r.checkpointRoot);
  await adapter.call("open", {
    session: r.session, operatorId: r.operatorId, maxParallelism: r.maxParallelism, parallelism: r.parallelism,
    states: r.states, checkpointRoot: r.checkpointRoot, restore: { metadata: r.metadata },
  });
  try {
    for (let i = 0; i < r.parallelism; i++) {
      const problem = await subtaskProblem(adapter, r, i);
      if (problem !== undefined) return problem;
    }
    return undefined;
  } finally {
    await closeQuietly(adapter, r.session);
  }
}

async function subtaskProblem(adapter: Adapter, r: RestoreRequest, subtask: number): Promise<string | undefined> {
  const range = keyGroupRangeForOperator(r.maxParallelism, r.parallelism, subtask);
  const expected = r.expected.filter((e) => e.keyGroup >= range.start && e.keyGroup < range.start + range.count);
  const { entries } = await adapter.call("dump", { session: r.session, subtask }) as { entries: DumpEntry[] };
  return entriesDifference(`subtask ${subtask} of ${r.parallelism} (key groups ${range.start}..${range.start + range.count - 1})`,
    expected, entries);
}

/** Closes `session`; a refusal to close changes no verdict, a protocol break still propagates. */
export async function closeQuietly(adapter: Adapter, session: string): Promise<void> {
  try {
    await adapter.call("close", { session });
  } catch (e) {
    if (!(e instanceof AdapterRefused)) throw e;
  }
}

/** A folder under `workDir` for one restore test. */
export function restoreRoot(workDir: string, testId: string): string {
  return join(workDir, "restore", testId.replace(/\//g, "-"));
}
