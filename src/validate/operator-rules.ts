/**
 * Operators, subtasks and handles: unique keys and parallelism bounds
 * ([spec](../../spec/validation.md#ks-e030), KS-E030 to KS-E035). An operator
 * with its own `maxParallelism` (1.1) is bounded by it, and it by the format's
 * 32768 key groups.
 */
import { compareHandles } from "../body/canonical-order.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { KeyedStateHandle, OperatorState, Snapshot, SubtaskState } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { handleKeyGroups, operatorMaxParallelism, subtaskField } from "../snapshot-walk.js";
import { describeRef } from "./file-contents.js";

/** Checks KS-E030 to KS-E035. */
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

/** KS-E031 against the operator's number of key groups, and KS-E035 on that number itself. */
function checkParallelism(s: Snapshot, op: OperatorState, i: number, report: Report): void {
  const maxP = operatorMaxParallelism(s, op);
  const own = op.maxParallelism !== undefined && op.maxParallelism !== 0;
  if (op.parallelism < 1 || op.parallelism > maxP) {
    report("KS-E031", { field: `operators[${i}].parallelism` },
      `parallelism ${op.parallelism} is outside 1..${maxP} (${own ? "the operator's own" : "the snapshot's"} max_parallelism)`);
  }
  if (own && op.maxParallelism! > FORMAT_LIMITS.maxKeyGroups) {
    report("KS-E035", { field: `operators[${i}].maxParallelism` },
      `the operator's max_parallelism ${op.maxParallelism} is above ${FORMAT_LIMITS.maxKeyGroups}, the most key groups there are`);
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
    checkDuplicateHandles(st.handles, `${field}.handles`, report);
    if (st.rawKeyedHandles !== undefined) checkDuplicateHandles(st.rawKeyedHandles, `${field}.rawKeyedHandles`, report);
  }
}

/**
 * KS-E034: equal sort keys make the canonical order ambiguous, so the spec
 * calls them invalid. Sorting positions finds equal keys as neighbours.
 */
function checkDuplicateHandles(handles: readonly KeyedStateHandle[], list: string, report: Report): void {
  const positions = handles.map((_, k) => k).sort((a, b) => compareHandles(handles[a]!, handles[b]!) || a - b);
  for (let n = 1; n < positions.length; n++) {
    const a = positions[n - 1]!;
    const b = positions[n]!;
    if (compareHandles(handles[a]!, handles[b]!) === 0) {
      const h = handles[b]!;
      const { start, count } = handleKeyGroups(h);
      report("KS-E034", { field: `${list}[${b}]` },
        `${list}[${b}] has the same sort key as ${list}[${a}]: ${h.type}, key groups start ${start} count ${count}, ${tieBreak(h)}`);
    }
  }
}

/** What breaks ties between handles of one kind and range ([spec](../../spec/format-v1.md#list-order)), for the message. */
function tieBreak(h: KeyedStateHandle): string {
  switch (h.type) {
    case "incremental":
    case "stream-incremental": return `folder ${quote(h.folder)}`;
    case "savepoint": return `data file ${quote(h.dataFile.id)}`;
    case "key-groups-stream": return `data ${describeRef(h.data)}`;
    case "opaque": return `kind ${quote(h.kind)}, the same payload`;
  }
}
