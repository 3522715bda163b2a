/**
 * Channel state handles of unaligned checkpoints (V3+): V3–V5 write them plain (Flink's
 * `ChannelStateHandleSerializer`), V6 with a type byte: 1 input channel, 2 result subpartition, 3 and 4 their merged
 * forms (`ChannelStateHandleSerializerV2`).
 */
import type { DataInput } from "./data-input.js";
import type {
  FlinkInputChannelHandle, FlinkInputChannelStateHandle, FlinkMergedChannelStateHandle, FlinkOutputChannelHandle,
  FlinkResultSubpartitionStateHandle,
} from "./flink-model.js";
import { readOffsets, unknownTag } from "./handle-tags.js";
import { readStreamHandle } from "./read-stream-handle.js";

/** Reads an input channel handle of a file of `version`. */
export function readInputChannelHandle(r: DataInput, version: number, what: string): FlinkInputChannelHandle {
  if (version >= 6) {
    const at = r.pos;
    const type = r.u8(`${what} channel handle type`);
    if (type === 3) return readMerged(r, "merged-input-channel", 3, what);
    if (type !== 1) throw unknownTag("input channel", type, at, [1, 3]);
  }
  const subtaskIndex = r.i32(`${what} subtask index`);
  const gateIndex = r.i32(`${what} gate index`);
  const inputChannelIndex = r.i32(`${what} input channel index`);
  const h: FlinkInputChannelStateHandle = { kind: "input-channel", subtaskIndex, gateIndex, inputChannelIndex, ...rest(r, what) };
  return version >= 6 ? { ...h, typeByte: 1 } : h;
}

/** Reads an output (result subpartition) channel handle of a file of `version`. */
export function readOutputChannelHandle(r: DataInput, version: number, what: string): FlinkOutputChannelHandle {
  if (version >= 6) {
    const at = r.pos;
    const type = r.u8(`${what} channel handle type`);
    if (type === 4) return readMerged(r, "merged-result-subpartition", 4, what);
    if (type !== 2) throw unknownTag("output channel", type, at, [2, 4]);
  }
  const subtaskIndex = r.i32(`${what} subtask index`);
  const partitionIndex = r.i32(`${what} partition index`);
  const subpartitionIndex = r.i32(`${what} subpartition index`);
  const h: FlinkResultSubpartitionStateHandle = { kind: "result-subpartition", subtaskIndex, partitionIndex, subpartitionIndex, ...rest(r, what) };
  return version >= 6 ? { ...h, typeByte: 2 } : h;
}

function rest(r: DataInput, what: string): Pick<FlinkInputChannelStateHandle, "offsets" | "size" | "delegate"> {
  const offsets = readOffsets(r, `${what} offsets`);
  const size = r.i64(`${what} size`);
  return { offsets, size, delegate: readStreamHandle(r, `${what} delegate`) };
}

function readMerged(r: DataInput, kind: FlinkMergedChannelStateHandle["kind"], typeByte: 3 | 4, what: string): FlinkMergedChannelStateHandle {
  const subtaskIndex = r.i32(`${what} subtask index`);
  const size = r.i64(`${what} size`);
  const delegate = readStreamHandle(r, `${what} delegate`);
  return { kind, typeByte, subtaskIndex, size, delegate, serializedChannelOffsets: r.lengthPrefixed(`${what} channel offsets`) };
}
