/**
 * Named operator states (1.1, [spec](../../spec/format-v1.md#operatorstatehandle)):
 * unique names within a handle, and partition offsets that never decrease and
 * lie inside the handle's stream ([KS-E053](../../spec/validation.md#ks-e053),
 * [KS-E054](../../spec/validation.md#ks-e054), [KS-E055](../../spec/validation.md#ks-e055)).
 * A restore hands partitions out by these offsets; one outside the stream, or a
 * state listed twice, gives a subtask bytes that are not its state.
 */
import type { OperatorStateHandle, Snapshot } from "../model.js";
import { checkNonDecreasing } from "./offset-rules.js";
import type { Report } from "./snapshot-rule.js";
import { plural, quote } from "./text.js";
import { refKind, streamLength, subtaskField } from "../snapshot-walk.js";

/** Checks KS-E053, KS-E054 and KS-E055 on the managed and raw operator state of every subtask. */
export function checkOperatorStates(s: Snapshot, report: Report): void {
  for (const [i, op] of s.operators.entries()) {
    for (const [j, st] of op.subtasks.entries()) {
      const at = subtaskField(i, j);
      if (st.managedOperatorState !== undefined) checkHandle(st.managedOperatorState, `${at}.managedOperatorState`, report);
      if (st.rawOperatorState !== undefined) checkHandle(st.rawOperatorState, `${at}.rawOperatorState`, report);
    }
  }
}

function checkHandle(h: OperatorStateHandle, at: string, report: Report): void {
  const length = streamLength(h.stream);
  const firstIndexOfName = new Map<string, number>();
  for (const [k, state] of h.states.entries()) {
    const field = `${at}.states[${k}]`;
    const first = firstIndexOfName.get(state.name);
    if (first === undefined) firstIndexOfName.set(state.name, k);
    else report("KS-E055", { field: `${field}.name` }, `state name ${quote(state.name)} is also the name of ${at}.states[${first}]`);
    checkNonDecreasing(state.offsets, `${field}.offsets`, "KS-E054", report);
    const bad = state.offsets.flatMap((o, n) => (o >= length ? [n] : []));
    const firstBad = bad[0];
    if (firstBad === undefined) continue;
    report("KS-E053", { field: `${field}.offsets[${firstBad}]` },
      `state ${quote(state.name)}: offsets[${firstBad}] = ${state.offsets[firstBad]} is not less than the stream's length ${length} ` +
      `(${refKind(h.stream)}; ${plural(bad.length, "such offset")})`);
  }
}
