/**
 * 1.1's non-keyed and job-level state ([spec](../../spec/format-v1.md#operatorstatehandle)): OperatorStateHandle
 * with its NamedOperatorStates, MasterState and SourceInfo.
 */
import { withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { DistributionMode, MasterState, NamedOperatorState, OperatorStateHandle, SourceInfo, StreamRef } from "../model.js";
import { closeMessage, enumValue, fieldNumber, missing, once, readBytes, readOffsets, skip, type BodyReader } from "./decode-fields.js";
import { readStreamAt } from "./decode-streams.js";
import { byNumber, DISTRIBUTION_MODE_NUMBERS } from "./enums.js";
import { expectWireType, readLengthEnd, readString, readTag, readUint32, readUint64, WT_LEN, WT_VARINT } from "./wire.js";

const MODES = byNumber(DISTRIBUTION_MODE_NUMBERS);
const { maxIdBytes, maxStringBytes, maxInlineBytes, maxOperatorStateOffsets } = FORMAT_LIMITS;

/** An OperatorStateHandle whose tag has been read; errors are named under `field`. */
export function readOperatorStateAt(r: BodyReader, parentEnd: number, field: string): OperatorStateHandle {
  try {
    const end = readLengthEnd(r, parentEnd);
    let stream: StreamRef | undefined;
    const states: NamedOperatorState[] = [];
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, "OperatorStateHandle"); once(r, stream, "stream"); stream = readStreamAt(r, end, "stream"); break;
        case 2: expectWireType(r, tag, WT_LEN, "OperatorStateHandle"); states.push(readNamedStateAt(r, end, states.length)); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, "OperatorStateHandle");
    if (stream === undefined) throw missing(r, "stream", "stream", 1);
    return { stream, states };
  } catch (e) {
    return withContext(e, field);
  }
}

function readNamedStateAt(r: BodyReader, parentEnd: number, index: number): NamedOperatorState {
  try {
    const end = readLengthEnd(r, parentEnd);
    let name = "";
    let mode: DistributionMode | undefined;
    const offsets: bigint[] = [];
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, "NamedOperatorState"); name = readString(r, end, maxStringBytes, "state name", "name"); break;
        case 2: expectWireType(r, tag, WT_VARINT, "NamedOperatorState"); mode = enumValue(r, end, MODES, "distribution mode", "mode"); break;
        case 3: readOffsets(r, tag, end, offsets, "NamedOperatorState", maxOperatorStateOffsets); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, "NamedOperatorState");
    if (name === "") throw missing(r, "state name", "name", 1);
    if (mode === undefined) throw missing(r, "distribution mode", "mode", 1);
    return { name, mode, offsets };
  } catch (e) {
    return withContext(e, `states[${index}]`);
  }
}

/** A MasterState whose tag has been read, as `masterStates[index]`. */
export function readMasterStateAt(r: BodyReader, parentEnd: number, index: number): MasterState {
  try {
    const end = readLengthEnd(r, parentEnd);
    let name = "", version = 0;
    let payload: Uint8Array = new Uint8Array(0);
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, "MasterState"); name = readString(r, end, maxStringBytes, "master state name", "name"); break;
        // int32: protobuf writes a negative value as a 10-byte varint whose low 32 bits are the two's complement.
        case 2: expectWireType(r, tag, WT_VARINT, "MasterState"); version = readUint32(r) | 0; break;
        case 3: expectWireType(r, tag, WT_LEN, "MasterState"); payload = readBytes(r, end, maxInlineBytes, "payload", "payload"); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, "MasterState");
    if (name === "") throw missing(r, "master state name", "name", 1);
    return { name, version, payload };
  } catch (e) {
    return withContext(e, `masterStates[${index}]`);
  }
}

/** A SourceInfo whose length prefix has been read; errors are named under `source`. */
export function readSource(r: BodyReader, end: number): SourceInfo {
  try {
    let system = "", formatVersion = 0, checkpointId = 0n;
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, "SourceInfo"); system = readString(r, end, maxIdBytes, "system", "system"); break;
        case 2: expectWireType(r, tag, WT_VARINT, "SourceInfo"); formatVersion = readUint32(r); break;
        case 3: expectWireType(r, tag, WT_VARINT, "SourceInfo"); checkpointId = readUint64(r); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, "SourceInfo");
    if (system === "") throw missing(r, "system", "system", 1);
    return { system, formatVersion, checkpointId };
  } catch (e) {
    return withContext(e, "source");
  }
}
