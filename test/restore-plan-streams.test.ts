/**
 * Restore plans of the 1.1 keyed kinds and of the state restored whole
 * (spec/diff-and-restore.md#reads, #unsupported-handles, #restored-whole), on
 * in-memory model snapshots: 1.1 files cannot be encoded yet.
 */
import t from "tap";
import { base } from "../conformance/cases/fixtures.js";
import { renderPlan } from "../src/cli/plan-restore-command.js";
import type { KeyedStateHandle, KeyGroupsStreamHandle, OpaqueHandle, OperatorState, Snapshot, StreamIncrementalHandle, StreamRef } from "../src/model.js";
import { planRestore, restorePlanToJson, type KeyGroupsStreamRead, type StreamIncrementalRead } from "../src/restore-plan.js";
import { thrown } from "./helpers.js";

const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;
const file: StreamRef = { type: "file", id: "sst-1", path: "shared/sst-1", size: 5000n, xxh64: 1n, localName: "000001.sst" };
const segment: StreamRef = { type: "segment", id: "phys-1", path: "chk-2/merged-1", offset: 4096n, length: 300n, scope: "shared", xxh64: 0n, localName: "000002.sst" };
const inline: StreamRef = { type: "inline", data: new Uint8Array(50), localName: "CURRENT" };
const external: StreamRef = { type: "external", uri: "s3://bucket/x/MANIFEST-1", size: 700n, xxh64: 0n, localName: "MANIFEST-000001" };

function streamIncremental(start: number, count: number): StreamIncrementalHandle {
  return {
    type: "stream-incremental", backendId: "b", keyGroups: { start, count }, folder: "", checkpointId: 2n, baseCheckpointId: 1n,
    sharedFiles: [{ ...file, originCheckpointId: 1n }, { ...segment, originCheckpointId: 2n }], privateFiles: [inline], meta: external,
    stateSize: 6050n, checkpointedSize: 300n,
  };
}

function snapshotWith(op: Partial<OperatorState>, over: Partial<Snapshot> = {}): Snapshot {
  return base({
    kind: "checkpoint", properties: CHECKPOINT, maxParallelism: 8,
    operators: [{ operatorId: "op", name: "", parallelism: 2, subtasks: [], ...op }], ...over,
  });
}
const oneHandle = (h: KeyedStateHandle, list: "handles" | "rawKeyedHandles" = "handles") =>
  snapshotWith({ subtasks: [{ subtaskIndex: 0, handles: [], [list]: [h] }] });

t.test("stream-incremental: read whole by every new subtask whose range intersects; each stream's bytes", async (t) => {
  const plan = planRestore(oneHandle(streamIncremental(0, 4)), 4).operators[0]!;
  const reads = plan.subtasks.map((st) => st.reads as StreamIncrementalRead[]);
  t.strictSame(reads.map((rs) => rs.map((r) => [r.type, r.keyGroups, r.clipped])), [
    [["stream-incremental", { start: 0, count: 2 }, true]], [["stream-incremental", { start: 2, count: 2 }, true]], [], [],
  ]);
  t.equal(reads[0]![0]!.bytes, 5000n + 300n + 0n + 700n, "file size + segment length + inline 0 + external size");
  t.strictSame(reads[0]![0]!.streams, [file, segment, inline, external].map((r, i) => i < 2 ? { ...r, originCheckpointId: i === 0 ? 1n : 2n } : r));
  t.strictSame(plan.subtasks.map((st) => st.uncovered), [[], [], [{ start: 4, count: 2 }], [{ start: 6, count: 2 }]]);
  const one = planRestore(oneHandle(streamIncremental(0, 8)), 1).operators[0]!.subtasks[0]!.reads[0] as StreamIncrementalRead;
  t.equal(one.clipped, false, "not clipped when the new subtask owns every key group");
  const json = restorePlanToJson(planRestore(oneHandle(streamIncremental(0, 4)), 4)).operators[0]!.subtasks[0]!.reads[0]!;
  t.match(json, {
    type: "stream-incremental", folder: "", checkpointId: "2", bytes: "6000", streams: [
      { type: "file", id: "sst-1", size: "5000", xxh64: "0000000000000001", localName: "000001.sst" },
      { type: "segment", id: "phys-1", offset: "4096", length: "300", scope: "shared", localName: "000002.sst" },
      { type: "inline", size: "50", localName: "CURRENT" },
      { type: "external", uri: "s3://bucket/x/MANIFEST-1", size: "700", localName: "MANIFEST-000001" },
    ],
  });
});

t.test("key-groups-stream: byte ranges from offsets, as a savepoint handle, naming the foreign format", async (t) => {
  // Key groups 2-5 of 50, 0, 100, 150 bytes in a 300-byte segment; new subtasks own 0-3 and 4-7.
  const h: KeyGroupsStreamHandle = { type: "key-groups-stream", keyGroups: { start: 2, count: 4 }, data: segment, offsets: [0n, 50n, 50n, 150n], dataFormat: "apache-flink/key-groups" };
  const reads = planRestore(oneHandle(h), 2).operators[0]!.subtasks.map((st) => st.reads[0] as KeyGroupsStreamRead);
  t.strictSame(reads.map((r) => [r.type, r.dataFormat, r.byteRanges, r.bytes]), [
    ["key-groups-stream", "apache-flink/key-groups", [{ start: 0n, end: 50n }], 50n],
    ["key-groups-stream", "apache-flink/key-groups", [{ start: 50n, end: 300n }], 250n],
  ]);
  const inlined = planRestore(oneHandle({ ...h, data: { type: "inline", data: new Uint8Array(300) } }), 2).operators[0]!.subtasks[1]!.reads[0] as KeyGroupsStreamRead;
  t.strictSame([inlined.byteRanges, inlined.bytes], [[{ start: 50n, end: 300n }], 0n], "inline data: ranges still located, nothing fetched");
  const e = thrown(() => planRestore(oneHandle({ ...h, offsets: [0n, 50n, 50n, 301n] }), 2));
  t.strictSame([e.code, e.field], ["INVALID_FIELD", "operators[0].subtasks[0].handles[0].keyGroupsStream.offsets[3]"]);
  t.match(e.message, /offset 301 is past the end of its segment data stream \(300 bytes\)/);
  t.match(renderPlan(planRestore(oneHandle(h), 2), "x"), /segment of chk-2\/merged-1 bytes 4096\.\.4396 .*bytes 50\.\.300 of the stream, 250 B, in format apache-flink\/key-groups \(not KSNAP savepoint data\)/);
});

t.test("opaque keyed handles: unsupported, per new subtask, neither read nor uncovered", async (t) => {
  const h: OpaqueHandle = { type: "opaque", kind: "apache-flink/changelog", keyGroups: { start: 2, count: 4 }, files: [file], sharedFiles: [], payload: new Uint8Array(3) };
  const plan = planRestore(oneHandle(h), 4).operators[0]!;
  t.strictSame(plan.subtasks.map((st) => st.unsupported.map((u) => [u.kind, u.list, u.keyGroups])), [
    [], [["apache-flink/changelog", "handles", { start: 2, count: 2 }]], [["apache-flink/changelog", "handles", { start: 4, count: 2 }]], [],
  ]);
  t.strictSame(plan.subtasks.map((st) => [st.reads.length, st.bytes, st.uncovered]),
    [[0, 0n, [{ start: 0, count: 2 }]], [0, 0n, []], [0, 0n, []], [0, 0n, [{ start: 6, count: 2 }]]]);
  t.match(renderPlan(planRestore(oneHandle(h), 4), "x"), /UNSUPPORTED: opaque handle 0 of old subtask 0, kind apache-flink\/changelog \(key groups 2-5 \(4\)\): keep 2-3 \(2\)/);
  const raw = planRestore(oneHandle(h, "rawKeyedHandles"), 1).operators[0]!.subtasks[0]!;
  t.strictSame(raw.unsupported.map((u) => u.list), ["rawKeyedHandles"]);
  t.strictSame(raw.uncovered, [{ start: 0, count: 8 }], "raw keyed handles do not cover managed key groups");
});

t.test("raw keyed handles: planned like handles, listed apart", async (t) => {
  const st = planRestore(oneHandle(streamIncremental(0, 8), "rawKeyedHandles"), 2).operators[0]!.subtasks;
  t.strictSame(st.map((s) => [s.reads.length, s.rawKeyedReads.map((r) => [r.type, r.keyGroups]), s.bytes]), [
    [0, [["stream-incremental", { start: 0, count: 4 }]], 6000n], [0, [["stream-incremental", { start: 4, count: 4 }]], 6000n],
  ]);
  t.match(renderPlan(planRestore(oneHandle(streamIncremental(0, 8), "rawKeyedHandles"), 2), "x"), /raw keyed state, restored by user code: stream-incremental handle 0/);
});

t.test("finished, coordinator, master and channel state", async (t) => {
  const channel: OpaqueHandle = { type: "opaque", kind: "apache-flink/input-channel", files: [segment], sharedFiles: [], payload: new Uint8Array(8) };
  const s = snapshotWith({
    coordinatorState: inline, subtasks: [{ subtaskIndex: 0, handles: [], channelState: [channel] }, { subtaskIndex: 1, handles: [], finished: true }],
  }, { masterStates: [{ name: "hook", version: 3, payload: new Uint8Array(12) }] });
  s.operators.push({ operatorId: "done", name: "Sink", parallelism: 2, subtasks: [], finished: true });
  const plan = planRestore(s, 3);
  t.strictSame(plan.masterStates, [{ name: "hook", version: 3, size: 12 }]);
  const [op, done] = plan.operators;
  t.strictSame(op!.coordinatorState, { stream: inline, bytes: 0n });
  t.strictSame(op!.finishedSubtasks, [1]);
  t.strictSame(op!.channelState, [{ oldSubtaskIndex: 0, handleIndex: 0, kind: "apache-flink/input-channel", streams: [segment], bytes: 300n }]);
  t.equal(op!.subtasks.length, 3);
  t.match(done, { finished: true, subtasks: [], coordinatorState: null });
  const text = renderPlan(plan, "x");
  t.match(text, /master state "hook" \(version 3, 12 B in the metadata\): restored whole, once/);
  t.match(text, /coordinator state: inline 50 B, local name CURRENT: restored whole, once, 0 B/);
  t.match(text, /old subtask\(s\) 1 had finished: nothing to restore from them/);
  t.match(text, /channel state apache-flink\/input-channel of old subtask 0: 1 stream\(s\), 300 B; not planned/);
  t.match(text, /operator done "Sink": finished: nothing to restore/);
  const json = restorePlanToJson(plan);
  t.match(json.operators[0], { coordinatorState: { stream: { type: "inline", size: "50" }, bytes: "0" }, channelState: [{ bytes: "300", streams: [{ type: "segment" }] }] });
  t.doesNotThrow(() => JSON.stringify(json), "no bigint left");
});

t.test("an operator's own max parallelism: its key groups and its bound", async (t) => {
  const s = snapshotWith({ maxParallelism: 16, subtasks: [{ subtaskIndex: 0, handles: [streamIncremental(0, 16)] }] });
  const op = planRestore(s, 4).operators[0]!;
  t.equal(op.maxParallelism, 16);
  t.strictSame(op.subtasks.map((st) => st.keyGroups), [0, 4, 8, 12].map((start) => ({ start, count: 4 })), "16 key groups, not the snapshot's 8");
  t.equal(planRestore(s, 12).operators[0]!.subtasks.length, 12, "above the snapshot's 8, within the operator's 16");
  const e = thrown(() => planRestore(s, 17));
  t.strictSame([e.code, e.field], ["INVALID_FIELD", "newParallelism"]);
  t.match(e.message, /newParallelism 17 is out of range for operator "op": it must be an integer in 1\.\.16, the operator's own max parallelism/);
  t.match(renderPlan(planRestore(s, 2), "x"), /parallelism 2 → 2 \(own max parallelism 16\)/);
});
