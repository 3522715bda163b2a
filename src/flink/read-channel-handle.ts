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
  const merged = readTypeByte(r, version, "input channel", 1, 3, "merged-input-channel", what);
  if (merged) return merged;
  const [subtaskIndex, gateIndex, inputChannelIndex] = readInfo(r, what, "gate index", "input channel index");
  const h: FlinkInputChannelStateHandle = { kind: "input-channel", subtaskIndex, gateIndex, inputChannelIndex, ...rest(r, what) };
  return version >= 6 ? { ...h, typeByte: 1 } : h;
}

/** Reads an output (result subpartition) channel handle of a file of `version`. */
export function readOutputChannelHandle(r: DataInput, version: number, what: string): FlinkOutputChannelHandle {
  const merged = readTypeByte(r, version, "output channel", 2, 4, "merged-result-subpartition", what);
  if (merged) return merged;
  const [subtaskIndex, partitionIndex, subpartitionIndex] = readInfo(r, what, "partition index", "subpartition index");
  const h: FlinkResultSubpartitionStateHandle = { kind: "result-subpartition", subtaskIndex, partitionIndex, subpartitionIndex, ...rest(r, what) };
  return version >= 6 ? { ...h, typeByte: 2 } : h;
}

/**
 * V6: the type byte; a merged handle is read whole and returned, the plain type returns undefined (its body follows).
 * Before V6 there is no type byte.
 */
function readTypeByte(r: DataInput, version: number, kind: string, plain: number, mergedType: 3 | 4,
  mergedKind: FlinkMergedChannelStateHandle["kind"], what: string): FlinkMergedChannelStateHandle | undefined {
  if (version < 6) return undefined;
  const at = r.pos;
  const type = r.u8(`${what} channel handle type`);
  if (type === mergedType) return readMerged(r, mergedKind, mergedType, what);
  if (type !== plain) throw unknownTag(kind, type, at, [plain, mergedType]);
  return undefined;
}

function readInfo(r: DataInput, what: string, first: string, second: string): [number, number, number] {
  return [r.i32(`${what} subtask index`), r.i32(`${what} ${first}`), r.i32(`${what} ${second}`)];
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
