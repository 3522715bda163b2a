/**
 * Operator state handles by tag: 0 null, 4 `OperatorStreamStateHandle`, 17 `FileMergingOperatorStreamStateHandle`
 * (file merging: field order **unverified**, taken from ../shared/REFERENCE.md; spec/flink.md "Sources").
 */
import { KsnapError } from "../errors.js";
import type { DataInput } from "./data-input.js";
import type { FlinkDistributionMode, FlinkNamedOperatorState, FlinkOperatorHandle } from "./flink-model.js";
import { FILE_MERGING_OPERATOR_HANDLE, NULL_HANDLE, PARTITIONABLE_OPERATOR_HANDLE, readOffsets, unknownTag } from "./handle-tags.js";
import { readStreamHandle } from "./read-stream-handle.js";

const MODES: readonly FlinkDistributionMode[] = ["SPLIT_DISTRIBUTE", "UNION", "BROADCAST"];

/** Reads an operator handle; `what` names it in errors. */
export function readOperatorHandle(r: DataInput, what: string): FlinkOperatorHandle | null {
  const at = r.pos;
  const tag = r.u8(`${what} handle type`);
  if (tag === NULL_HANDLE) return null;
  if (tag !== PARTITIONABLE_OPERATOR_HANDLE && tag !== FILE_MERGING_OPERATOR_HANDLE) {
    throw unknownTag("operator", tag, at, [NULL_HANDLE, PARTITIONABLE_OPERATOR_HANDLE, FILE_MERGING_OPERATOR_HANDLE]);
  }
  const n = r.count(`${what} state count`, 7);
  const states: FlinkNamedOperatorState[] = [];
  for (let i = 0; i < n; i++) {
    const name = r.utf(`${what} state name`);
    const modeAt = r.pos;
    const ordinal = r.u8(`${what} state ${JSON.stringify(name)} mode`);
    const mode = MODES[ordinal];
    if (mode === undefined) {
      throw new KsnapError("INVALID_FIELD",
        `${what}: distribution mode ${ordinal} of state ${JSON.stringify(name)}, expected 0 SPLIT_DISTRIBUTE, 1 UNION or 2 BROADCAST`,
        { offset: modeAt });
    }
    states.push({ name, mode, offsets: readOffsets(r, `${what} state ${JSON.stringify(name)} offsets`) });
  }
  const h = { kind: "operator-stream", tag, states } as FlinkOperatorHandle;
  if (tag === FILE_MERGING_OPERATOR_HANDLE) {
    // UNVERIFIED field order (REFERENCE.md: task-owned dir, shared dir, isEmpty, then the delegate).
    h.taskOwnedDirectory = r.utf(`${what} task-owned directory`);
    h.sharedDirectory = r.utf(`${what} shared directory`);
    h.isEmpty = r.bool(`${what} isEmpty`);
  }
  h.delegate = readStreamHandle(r, `${what} delegate`);
  return h;
}
