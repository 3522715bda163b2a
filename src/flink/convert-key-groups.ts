/**
 * Empty key groups in Flink's key-groups state ([spec](../../spec/flink.md#empty-key-groups)). Flink marks a key
 * group that holds nothing in two ways, neither of which KSNAP's rules read as "empty":
 * - a key-groups stream's offset 0 (its restore skips such a key group: "not empty key-group?" in Flink's
 *   full-snapshot restore), where KSNAP reads offsets as non-decreasing positions (KS-E052);
 * - no handle at all for a subtask whose backend registered no state, where a key-group-aware KSNAP snapshot holds
 *   every key group of an operator that has keyed state (KS-E044).
 * The converter writes both as KSNAP's empty key group: a key group whose bytes `[offset_k, offset_k+1)` are none.
 */
import { compareHandles } from "../body/canonical-order.js";
import type { KeyedStateHandle, OperatorState, SubtaskState } from "../model.js";
import { operatorIndexForKeyGroup } from "../key-groups.js";
import { handleKeyGroups } from "../snapshot-walk.js";
import type { NoteList } from "./convert-notes.js";

/** The data format of Flink's key-groups streams (tags 3, 7, 12). */
export const FLINK_KEY_GROUPS_FORMAT = "apache-flink/key-groups";

/**
 * A key-groups stream's offsets with each empty key group (offset 0) given the offset of the next non-empty one, or
 * the data's length when none follows, so that offsets never decrease and an empty key group spans no byte.
 */
export function emptyKeyGroupOffsets(offsets: readonly bigint[], length: bigint): { offsets: bigint[]; empty: number } {
  const out = [...offsets];
  let next = length;
  let empty = 0;
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === 0n) {
      out[i] = next;
      empty++;
    } else next = out[i]!;
  }
  return { offsets: out, empty };
}

/**
 * For each operator that holds keyed state (at least one managed keyed handle), the key groups no handle holds are
 * added as empty key-groups streams (inline, zero bytes, every offset 0) to the subtask Flink assigns them to, that
 * subtask created when Flink listed none. An operator without any keyed handle has no keyed state and gets none.
 * Call only for a key-group-aware snapshot, with `operators` converted (ranges are Flink's, within max parallelism).
 */
export function fillEmptyKeyGroups(operators: OperatorState[], maxParallelismOf: (op: OperatorState) => number, notes: NoteList): void {
  for (const op of operators) {
    if (op.finished === true) continue;
    const held: [number, number][] = [];
    for (const st of op.subtasks) for (const h of st.handles) {
      const { start, count } = handleKeyGroups(h);
      if (count > 0) held.push([start, start + count]);
    }
    if (held.length === 0) continue;
    const maxP = maxParallelismOf(op);
    // A parallelism outside 1..maxP assigns no key group (KS-E031 reports it); nothing to fill.
    if (op.parallelism < 1 || op.parallelism > maxP) continue;
    held.sort((a, b) => a[0] - b[0]);
    let filled = 0;
    let covered = 0;
    const gaps: [number, number][] = [];
    for (const [s, e] of held) {
      if (s > covered) gaps.push([covered, s]);
      covered = Math.max(covered, e);
    }
    if (covered < maxP) gaps.push([covered, maxP]);
    for (const [s, e] of gaps) {
      for (let g = s; g < e;) {
        const index = operatorIndexForKeyGroup(maxP, op.parallelism, g);
        let end = g + 1;
        while (end < e && operatorIndexForKeyGroup(maxP, op.parallelism, end) === index) end++;
        addHandle(op, index, emptyHandle(g, end - g));
        filled += end - g;
        g = end;
      }
    }
    if (filled > 0) {
      notes.add("empty-key-groups",
        `operator ${op.operatorId}: ${filled} key group(s) held by no Flink handle (a subtask with no keyed state writes none) ` +
        "are written as empty key-groups streams");
    }
  }
}

function emptyHandle(start: number, count: number): KeyedStateHandle {
  return {
    type: "key-groups-stream", keyGroups: { start, count }, data: { type: "inline", data: new Uint8Array(0) },
    offsets: new Array<bigint>(count).fill(0n), dataFormat: FLINK_KEY_GROUPS_FORMAT,
  };
}

function addHandle(op: OperatorState, subtaskIndex: number, h: KeyedStateHandle): void {
  let st: SubtaskState | undefined = op.subtasks.find((s) => s.subtaskIndex === subtaskIndex);
  if (st === undefined) {
    st = { subtaskIndex, handles: [] };
    op.subtasks.push(st);
    op.subtasks.sort((a, b) => a.subtaskIndex - b.subtaskIndex);
  }
  st.handles.push(h);
  st.handles.sort(compareHandles);
}
