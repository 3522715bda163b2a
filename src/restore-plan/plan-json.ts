/**
 * The JSON form of a restore plan ([spec](../../spec/diff-and-restore.md#restore-plan-json)):
 * 64-bit values as decimal strings and hashes as 16 hex digits, as in the
 * snapshot's JSON form; streams as in [Streams in plans and diffs](../../spec/diff-and-restore.md#streams-in-plans-and-diffs).
 */
import type { FileRefJson } from "../json/json-types.js";
import type { KeyGroupRange, Snapshot } from "../model.js";
import type {
  ByteRange, ChannelStateEntry, HandleRead, MasterStateEntry, OperatorRestorePlan, RestorePlan, SubtaskRestorePlan, UnsupportedRead, WholeStreamRead,
} from "../restore-plan.js";
import { fileWithLocalNameToJson, streamSummaryToJson, type StreamSummaryJson } from "../stream-ref.js";
import type { OperatorStateRead } from "./operator-state.js";

/** The JSON form of `plan` ([spec](../../spec/diff-and-restore.md#restore-plan-json)). */
export function restorePlanToJson(plan: RestorePlan): RestorePlanJson {
  return {
    snapshotId: String(plan.snapshotId),
    kind: plan.kind,
    maxParallelism: plan.maxParallelism,
    masterStates: plan.masterStates.map((m) => ({ ...m })),
    operators: plan.operators.map((op) => ({
      ...op,
      coordinatorState: op.coordinatorState === null ? null : wholeJson(op.coordinatorState),
      channelState: op.channelState.map((c) => ({ ...c, streams: c.streams.map(streamSummaryToJson), bytes: String(c.bytes) })),
      subtasks: op.subtasks.map((st) => ({
        ...st,
        reads: st.reads.map(readToJson),
        rawKeyedReads: st.rawKeyedReads.map(readToJson),
        unsupported: st.unsupported.map((u) => ({ ...u })),
        managedOperatorState: st.managedOperatorState.map(operatorStateReadJson),
        rawOperatorState: st.rawOperatorState.map(operatorStateReadJson),
        bytes: String(st.bytes),
      })),
    })),
  };
}

function wholeJson(w: WholeStreamRead): WholeStreamReadJson {
  return { stream: streamSummaryToJson(w.stream), bytes: String(w.bytes) };
}

function operatorStateReadJson(r: OperatorStateRead): OperatorStateReadJson {
  return {
    oldSubtaskIndex: r.oldSubtaskIndex,
    stream: streamSummaryToJson(r.stream),
    states: r.states.map((s) => ({ name: s.name, mode: s.mode, offsets: s.offsets.map(String) })),
    bytes: String(r.bytes),
  };
}

function rangesJson(ranges: readonly ByteRange[]): ByteRangeJson[] {
  return ranges.map((b) => ({ start: String(b.start), end: String(b.end) }));
}

function readToJson(r: HandleRead): ReadJson {
  const base = { oldSubtaskIndex: r.oldSubtaskIndex, handleIndex: r.handleIndex, handleKeyGroups: r.handleKeyGroups, keyGroups: r.keyGroups, bytes: String(r.bytes) };
  switch (r.type) {
    case "savepoint": return { type: "savepoint", ...base, dataFile: fileWithLocalNameToJson(r.dataFile), byteRanges: rangesJson(r.byteRanges) };
    case "key-groups-stream":
      return { type: "key-groups-stream", ...base, data: streamSummaryToJson(r.data), dataFormat: r.dataFormat, byteRanges: rangesJson(r.byteRanges) };
    case "incremental":
      return {
        type: "incremental", ...base, backendId: r.backendId, checkpointId: String(r.checkpointId), folder: r.folder,
        files: r.files.map(fileWithLocalNameToJson), clipped: r.clipped,
      };
    case "stream-incremental":
      return {
        type: "stream-incremental", ...base, backendId: r.backendId, checkpointId: String(r.checkpointId), folder: r.folder,
        streams: r.streams.map(streamSummaryToJson), clipped: r.clipped,
      };
  }
}

interface ByteRangeJson { start: string; end: string }
interface ReadBaseJson { oldSubtaskIndex: number; handleIndex: number; handleKeyGroups: KeyGroupRange; keyGroups: KeyGroupRange; bytes: string }
type FileJson = FileRefJson & { localName?: string };
/** A keyed read in the plan's JSON form ([spec](../../spec/diff-and-restore.md#restore-plan-json)). */
export type ReadJson =
  | (ReadBaseJson & { type: "savepoint"; dataFile: FileJson; byteRanges: ByteRangeJson[] })
  | (ReadBaseJson & { type: "key-groups-stream"; data: StreamSummaryJson; dataFormat: string; byteRanges: ByteRangeJson[] })
  | (ReadBaseJson & { type: "incremental"; backendId: string; checkpointId: string; folder: string; files: FileJson[]; clipped: boolean })
  | (ReadBaseJson & { type: "stream-incremental"; backendId: string; checkpointId: string; folder: string; streams: StreamSummaryJson[]; clipped: boolean });
interface WholeStreamReadJson { stream: StreamSummaryJson; bytes: string }
interface OperatorStateReadJson { oldSubtaskIndex: number; stream: StreamSummaryJson; states: { name: string; mode: string; offsets: string[] }[]; bytes: string }
type SubtaskJson = Omit<SubtaskRestorePlan, "reads" | "rawKeyedReads" | "unsupported" | "managedOperatorState" | "rawOperatorState" | "bytes"> & {
  reads: ReadJson[]; rawKeyedReads: ReadJson[]; unsupported: UnsupportedRead[];
  managedOperatorState: OperatorStateReadJson[]; rawOperatorState: OperatorStateReadJson[]; bytes: string;
};
/** The plan's JSON form ([spec](../../spec/diff-and-restore.md#restore-plan-json)). */
export interface RestorePlanJson {
  snapshotId: string;
  kind: Snapshot["kind"];
  maxParallelism: number;
  masterStates: MasterStateEntry[];
  operators: (Omit<OperatorRestorePlan, "subtasks" | "coordinatorState" | "channelState"> & {
    coordinatorState: WholeStreamReadJson | null;
    channelState: (Omit<ChannelStateEntry, "streams" | "bytes"> & { streams: StreamSummaryJson[]; bytes: string })[];
    subtasks: SubtaskJson[];
  })[];
}
