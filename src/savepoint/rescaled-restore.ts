/**
 * A rescaled restore of key-group-aware savepoint state
 * ([spec](../../spec/diff-and-restore.md#restore-plan), [data files](../../spec/savepoint-data.md#reading-a-file)):
 * the entries one subtask of an operator restored at a new parallelism owns,
 * read through the restore plan. Each read opens the old handle's data file and
 * seeks to the kept key groups' offsets, so a subtask reads only its own key
 * groups' blocks (plus each file's header and trailer).
 */
import { inFile, KsnapError } from "../errors.js";
import type { KeyedStateHandle, OperatorState, SavepointHandle } from "../model.js";
import { planRestore, type HandleRead, type SavepointRead, type SubtaskRestorePlan } from "../restore-plan.js";
import { resolveInRoot } from "../storage/paths.js";
import type { LocatedSnapshot } from "../storage/snapshot-root.js";
import type { DataReadLimits, SavepointEntry } from "./data-format.js";
import { readKeyGroups } from "./data-reader.js";

/** Options of {@link restoreSubtask}. */
export interface RestoreSubtaskOptions {
  limits?: Partial<DataReadLimits>;
}

/** What {@link planSubtaskRestore} returns: the new subtask's plan and the handles its reads refer to. */
export interface SubtaskRestore {
  plan: SubtaskRestorePlan;
  /** The local path and old handle of each read, in `plan.reads` order. */
  sources: { read: SavepointRead; path: string; handle: SavepointHandle }[];
}

/**
 * The plan of subtask `subtaskIndex` of operator `operatorId` restored at
 * `newParallelism`, with each read's data file resolved under the snapshot root.
 * INVALID_FIELD for an unknown operator, a parallelism or subtask index out of
 * range, or a read of an incremental handle (it cannot be read by key group);
 * UNSAFE_PATH for a data file path that breaks the path rules.
 */
export function planSubtaskRestore(located: LocatedSnapshot, operatorId: string, newParallelism: number,
  subtaskIndex: number): SubtaskRestore {
  return inFile(located.metadataPath, () => {
    const { snapshot } = located;
    const op = snapshot.operators.find((o) => o.operatorId === operatorId);
    if (op === undefined) {
      throw new KsnapError("INVALID_FIELD", `no operator "${operatorId}" in snapshot ${snapshot.snapshotId}: check the operator id`,
        { field: "operatorId" });
    }
    const plan = planRestore(snapshot, newParallelism, { operatorParallelism: { [operatorId]: newParallelism } })
      .operators.find((o) => o.operatorId === operatorId)!;
    if (!Number.isInteger(subtaskIndex) || subtaskIndex < 0 || subtaskIndex >= newParallelism) {
      throw new KsnapError("INVALID_FIELD",
        `subtaskIndex ${subtaskIndex} is out of range: it must be an integer in 0..${newParallelism - 1}`, { field: "subtaskIndex" });
    }
    const subtask = plan.subtasks[subtaskIndex]!;
    const sources = subtask.reads.map((read) => {
      const handle = oldHandle(op, read);
      if (read.type !== "savepoint" || handle.type !== "savepoint") {
        throw new KsnapError("INVALID_FIELD",
          `old subtask ${read.oldSubtaskIndex} handle ${read.handleIndex} is an incremental handle: only savepoint handles ` +
          "can be read by key group (restore an incremental checkpoint with its state backend)",
          { field: `operators[${snapshot.operators.indexOf(op)}].subtasks.handles[${read.handleIndex}]` });
      }
      return { read, path: resolveInRoot(located.root, read.dataFile.path), handle };
    });
    return { plan: subtask, sources };
  });
}

/**
 * The entries subtask `subtaskIndex` of operator `operatorId` owns when the
 * snapshot is restored at `newParallelism`, in key-group order (each with its
 * key group). Only the key groups the plan keeps are read from each old data
 * file, from their offsets; every block is verified before it is used. Key
 * groups no handle holds (`plan.uncovered`) yield nothing.
 */
export async function* restoreSubtask(located: LocatedSnapshot, operatorId: string, newParallelism: number,
  subtaskIndex: number, options: RestoreSubtaskOptions = {}): AsyncGenerator<SavepointEntry> {
  const { sources } = planSubtaskRestore(located, operatorId, newParallelism, subtaskIndex);
  for (const { read, path, handle } of sources) {
    if (read.keyGroups.count === 0) continue;
    yield* readKeyGroups(path, handle, read.keyGroups, options.limits);
  }
}

function oldHandle(op: OperatorState, read: HandleRead): KeyedStateHandle {
  const subtask = op.subtasks.find((s) => s.subtaskIndex === read.oldSubtaskIndex);
  return subtask!.handles[read.handleIndex]!;
}
