/**
 * Operators, subtasks and handles: unique keys and parallelism bounds
 * ([spec](../../spec/validation.md#ks-e030), KS-E030 to KS-E034).
 */
import { compareHandles } from "../body/canonical-order.js";
import type { OperatorState, Snapshot, SubtaskState } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { subtaskField } from "../snapshot-walk.js";

/** Checks KS-E030 to KS-E034. */
export function checkOperators(s: Snapshot, report: Report): void {
  const firstIndexOfId = new Map<string, number>();
  for (const [i, op] of s.operators.entries()) {
    const first = firstIndexOfId.get(op.operatorId);
    if (first === undefined) firstIndexOfId.set(op.operatorId, i);
    else report("KS-E030", { field: `operators[${i}].operatorId` }, `operator_id ${quote(op.operatorId)} is also the id of operators[${first}]`);
    checkParallelism(s, op, i, report);
    checkSubtasks(op, i, report);
  }
}

/** KS-E031. */
function checkParallelism(s: Snapshot, op: OperatorState, i: number, report: Report): void {
  if (op.parallelism < 1 || op.parallelism > s.maxParallelism) {
    report("KS-E031", { field: `operators[${i}].parallelism` },
      `parallelism ${op.parallelism} is outside 1..${s.maxParallelism} (max_parallelism)`);
  }
}

/** KS-E032, KS-E033, and KS-E034 for each subtask's handles. */
function checkSubtasks(op: OperatorState, i: number, report: Report): void {
  const firstPositionOfIndex = new Map<number, number>();
  for (const [j, st] of op.subtasks.entries()) {
    const field = subtaskField(i, j);
    if (st.subtaskIndex >= op.parallelism) {
      report("KS-E032", { field: `${field}.subtaskIndex` }, `subtask_index ${st.subtaskIndex} is not less than parallelism ${op.parallelism}`);
    }
    const first = firstPositionOfIndex.get(st.subtaskIndex);
    if (first === undefined) firstPositionOfIndex.set(st.subtaskIndex, j);
    else report("KS-E033", { field: `${field}.subtaskIndex` }, `subtask_index ${st.subtaskIndex} is also the index of ${subtaskField(i, first)}`);
    checkDuplicateHandles(st, field, report);
  }
}

/**
 * KS-E034: equal sort keys make the canonical order ambiguous, so the spec
 * calls them invalid. Sorting positions finds equal keys as neighbours.
 */
function checkDuplicateHandles(st: SubtaskState, field: string, report: Report): void {
  const positions = st.handles.map((_, k) => k).sort((a, b) => compareHandles(st.handles[a]!, st.handles[b]!) || a - b);
  for (let n = 1; n < positions.length; n++) {
    const a = positions[n - 1]!;
    const b = positions[n]!;
    if (compareHandles(st.handles[a]!, st.handles[b]!) === 0) {
      const h = st.handles[b]!;
      const name = h.type === "incremental" ? `folder ${quote(h.folder)}` : `data file ${quote(h.dataFile.id)}`;
      report("KS-E034", { field: `${field}.handles[${b}]` },
        `handles[${b}] has the same sort key as handles[${a}]: ${h.type}, key groups start ${h.keyGroups.start} count ${h.keyGroups.count}, ${name}`);
    }
  }
}
