/** An operator and its subtasks, as `MetadataV2V3SerializerBase` and its V3–V6 subclasses write them. */
import { KsnapError, withContext } from "../errors.js";
import type { DataInput } from "./data-input.js";
import type { FlinkInputChannelHandle, FlinkOperatorState, FlinkOutputChannelHandle, FlinkSubtaskState } from "./flink-model.js";
import { readInputChannelHandle, readOutputChannelHandle } from "./read-channel-handle.js";
import { readKeyedHandle } from "./read-keyed-handle.js";
import { readOperatorHandle } from "./read-operator-handle.js";
import { readByteStreamHandle } from "./read-stream-handle.js";

/**
 * Fewest bytes an operator takes (V3+: OperatorID 16, parallelism 4, max 4, coordinator tag 1, count 4; V2 has an i32
 * for the tag).
 */
export const MIN_OPERATOR_BYTES = 29;

/** Reads one operator of a file of `version`. */
export function readOperator(r: DataInput, version: number): FlinkOperatorState {
  const op = {} as FlinkOperatorState;
  if (version >= 5) {
    op.name = r.utf("operator name");
    op.uid = r.utf("operator uid");
  }
  r.need(16, "OperatorID");
  op.operatorId = Buffer.from(r.bytes.buffer, r.bytes.byteOffset + r.pos, 16).toString("hex");
  r.pos += 16;
  op.parallelism = r.i32("parallelism");
  op.maxParallelism = r.i32("max parallelism");
  if (version === 2) op.unusedV2 = r.i32("unused (V2)");
  else op.coordinatorState = readByteStreamHandle(r, "coordinator state");
  const at = r.pos;
  const n = r.i32("subtask count");
  op.finished = version >= 3 && n === -1;
  if (n < 0 && !op.finished) {
    throw new KsnapError("INVALID_FIELD", `subtask count ${n}, expected ≥ 0${version >= 3 ? " or -1 (finished)" : ""}`, { offset: at });
  }
  if (n * 4 > r.remaining) {
    throw new KsnapError("TRUNCATED", `subtask count ${n} needs at least ${n * 4} bytes, only ${r.remaining} remain`, { offset: at });
  }
  op.subtasks = [];
  for (let j = 0; j < n; j++) {
    try {
      op.subtasks.push(readSubtask(r, version));
    } catch (e) {
      withContext(e, `subtasks[${j}]`);
    }
  }
  return op;
}

function readSubtask(r: DataInput, version: number): FlinkSubtaskState {
  const at = r.pos;
  const idx = r.i32("subtask index");
  const st: FlinkSubtaskState = {
    index: idx, finished: false, managedOperatorState: null, rawOperatorState: null,
    managedKeyedState: null, rawKeyedState: null, inputChannelState: [], outputChannelState: [],
  };
  if (idx < 0) {
    if (version < 3) throw new KsnapError("INVALID_FIELD", `subtask index ${idx} in a V2 file`, { offset: at });
    return { ...st, index: -(idx + 1), finished: true };
  }
  if (version === 2) {
    st.unusedV2 = r.i64("unused (V2)");
    const legacyAt = r.pos;
    const legacy = r.i32("legacy state count");
    if (legacy !== 0) {
      throw new KsnapError("INVALID_FIELD", `legacy (non-partitionable) state count ${legacy}, expected 0: unreadable since Flink 1.4`, { offset: legacyAt });
    }
  }
  st.managedOperatorState = readOptional(r, "managed operator state") ? readOperatorHandle(r, "managed operator state") : null;
  st.rawOperatorState = readOptional(r, "raw operator state") ? readOperatorHandle(r, "raw operator state") : null;
  st.managedKeyedState = readKeyedHandle(r, "managed keyed state");
  st.rawKeyedState = readKeyedHandle(r, "raw keyed state");
  if (version >= 3) {
    st.inputChannelState = readList(r, "input channel state", (w) => readInputChannelHandle(r, version, w));
    st.outputChannelState = readList(r, "output channel state", (w) => readOutputChannelHandle(r, version, w));
  }
  return st;
}

/** Flink's `i32` presence marker before an operator handle: 0 absent, 1 present. */
function readOptional(r: DataInput, what: string): boolean {
  const at = r.pos;
  const has = r.i32(`${what} count`);
  if (has !== 0 && has !== 1) throw new KsnapError("INVALID_FIELD", `${what} count ${has}, expected 0 or 1`, { offset: at });
  return has === 1;
}

function readList<T extends FlinkInputChannelHandle | FlinkOutputChannelHandle>(r: DataInput, what: string, read: (what: string) => T): T[] {
  const n = r.count(`${what} count`, 13);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(read(`${what}[${i}]`));
  return out;
}
