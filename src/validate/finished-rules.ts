/**
 * Finished operators and subtasks hold no state (1.1,
 * [spec](../../spec/format-v1.md#operatorstate); [KS-E036](../../spec/validation.md#ks-e036)).
 * A restore skips what finished, so state listed under it is never restored,
 * and a reader that trusts `finished` cannot tell which of the two to believe.
 * The decoder refuses such a file; this rule covers snapshots built in memory
 * or from JSON.
 */
import type { Snapshot, SubtaskState } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { plural } from "./text.js";
import { subtaskField } from "../snapshot-walk.js";

/** Checks KS-E036. */
export function checkFinished(s: Snapshot, report: Report): void {
  for (const [i, op] of s.operators.entries()) {
    if (op.finished === true) {
      const held = [
        ...(op.subtasks.length > 0 ? [plural(op.subtasks.length, "subtask")] : []),
        ...(op.coordinatorState !== undefined ? ["coordinator state"] : []),
      ];
      if (held.length > 0) report("KS-E036", { field: `operators[${i}].finished` }, `finished operator has ${held.join(" and ")}; a finished operator has none`);
    }
    for (const [j, st] of op.subtasks.entries()) {
      if (st.finished !== true) continue;
      const held = stateOf(st);
      if (held.length > 0) report("KS-E036", { field: `${subtaskField(i, j)}.finished` }, `finished subtask ${st.subtaskIndex} has ${held.join(", ")}; a finished subtask has no state`);
    }
  }
}

/** The kinds of state a subtask lists, for the message. */
function stateOf(st: SubtaskState): string[] {
  const out: string[] = [];
  if (st.handles.length > 0) out.push(plural(st.handles.length, "keyed handle"));
  if (st.managedOperatorState !== undefined) out.push("managed operator state");
  if (st.rawOperatorState !== undefined) out.push("raw operator state");
  if ((st.rawKeyedHandles?.length ?? 0) > 0) out.push(plural(st.rawKeyedHandles!.length, "raw keyed handle"));
  if ((st.channelState?.length ?? 0) > 0) out.push(plural(st.channelState!.length, "channel-state handle"));
  return out;
}
