/**
 * State of one snapshot per operator and subtask, and how its bytes spread over key groups. Savepoint and
 * key-groups-stream handles record where each key group starts, so their map is exact; an incremental handle's files
 * are not split by key group, so its bytes are spread evenly over its range (the page says so).
 */
import type { KeyedStateHandle, Snapshot, SubtaskState } from "../model.js";
import { eachRef, handleKeyGroups, operatorMaxParallelism, refKind, refsOf, streamLength, type HandleSite } from "../snapshot-walk.js";
import { bucketed, bucketSizeFor, skewOf } from "./key-group-buckets.js";
import type { OperatorRow, StateSection } from "./report-model.js";

/** The state section of `snapshot`. */
export function operatorState(snapshot: Snapshot): StateSection {
  const bySubtask = new Map<SubtaskState, { bytes: number; files: number }>();
  for (const r of eachRef(snapshot)) {
    if (r.subtask === undefined) continue;
    const t = bySubtask.get(r.subtask) ?? { bytes: 0, files: 0 };
    t.bytes += Number(streamLength(r.ref));
    const kind = refKind(r.ref);
    if (kind === "file" || kind === "segment") t.files++;
    bySubtask.set(r.subtask, t);
  }
  const operators: OperatorRow[] = snapshot.operators.map((operator, operatorIndex) => {
    const maxParallelism = operatorMaxParallelism(snapshot, operator);
    const perKeyGroup = new Float64Array(maxParallelism);
    let keyed = false;
    const subtasks = operator.subtasks.map((subtask, j) => {
      let start = Number.MAX_SAFE_INTEGER;
      let end = 0;
      for (const list of ["handles", "rawKeyedHandles"] as const) {
        for (const [k, handle] of (subtask[list] ?? []).entries()) {
          const range = handleKeyGroups(handle);
          if (range.count === 0) continue;
          keyed = true;
          start = Math.min(start, range.start);
          end = Math.max(end, range.start + range.count);
          const site: HandleSite = { handle, operator, operatorIndex, subtask, handleIndex: k, list, field: "" };
          spreadOverKeyGroups(site, perKeyGroup);
        }
      }
      const t = bySubtask.get(subtask) ?? { bytes: 0, files: 0 };
      return {
        index: subtask.subtaskIndex ?? j, bytes: t.bytes, files: t.files,
        keyGroupStart: end === 0 ? 0 : start, keyGroupCount: end === 0 ? 0 : end - start,
      };
    });
    const bucketSize = bucketSizeFor(maxParallelism);
    const keyGroupBytes = keyed ? bucketed(perKeyGroup, bucketSize) : [];
    let coordinatorBytes = 0;
    if (operator.coordinatorState !== undefined) coordinatorBytes = Number(streamLength(operator.coordinatorState));
    return {
      operatorId: operator.operatorId, name: operator.name, uid: operator.uid ?? "", parallelism: operator.parallelism, maxParallelism,
      bytes: subtasks.reduce((n, s) => n + s.bytes, coordinatorBytes), files: subtasks.reduce((n, s) => n + s.files, 0),
      subtasks, keyGroupBytes, bucketSize, skew: skewOf(keyGroupBytes),
    };
  });
  return { snapshotId: String(snapshot.snapshotId), kind: snapshot.kind, operators };
}

/** Adds the bytes of one keyed handle to its key groups in `perKeyGroup`. */
function spreadOverKeyGroups(site: HandleSite, perKeyGroup: Float64Array): void {
  const h: KeyedStateHandle = site.handle;
  const { start, count } = handleKeyGroups(h);
  const add = (k: number, bytes: number): void => {
    if (k >= 0 && k < perKeyGroup.length) perKeyGroup[k]! += bytes;
  };
  if (h.type === "savepoint" || h.type === "key-groups-stream") {
    const length = Number(h.type === "savepoint" ? h.dataFile.size : streamLength(h.data));
    if (h.offsets.length === count) {
      for (let i = 0; i < count; i++) {
        const next = i + 1 < count ? Number(h.offsets[i + 1]) : length;
        add(start + i, Math.max(0, next - Number(h.offsets[i])));
      }
      return;
    }
  }
  let total = 0;
  for (const r of refsOf(site)) total += Number(streamLength(r.ref));
  for (let i = 0; i < count; i++) add(start + i, total / count);
}
