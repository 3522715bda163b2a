/**
 * 1.1's non-keyed and job-level state in the canonical body ([spec](../../spec/format-v1.md#operatorstatehandle)):
 * OperatorStateHandle (states by name), MasterState and SourceInfo.
 */
import { FORMAT_LIMITS } from "../limits.js";
import type { MasterState, OperatorStateHandle, SourceInfo } from "../model.js";
import { compareNames } from "./canonical-order.js";
import {
  bytes, enumField, i32, invalid, list, message, packedOffsets, present, required, str, u32, u64,
} from "./encode-fields.js";
import { writeStreamField } from "./encode-streams.js";
import { DISTRIBUTION_MODE_NUMBERS } from "./enums.js";
import type { WireWriter as Writer } from "./wire-writer.js";

const { maxIdBytes, maxStringBytes, maxInlineBytes, maxOperatorStateOffsets } = FORMAT_LIMITS;

/** An OperatorStateHandle's fields: the stream, then the named states sorted by name. */
export function writeOperatorState(w: Writer, h: OperatorStateHandle): void {
  if (typeof h !== "object" || h === null) throw invalid("", "operator state is not an object");
  writeStreamField(w, 1, h.stream, "stream");
  list(h.states, compareNames, "states", (s) => message(w, 2, () => {
    if (typeof s !== "object" || s === null) throw invalid("", "operator state entry is not an object");
    required(typeof s.name === "string" && s.name !== "", "name", "state name", 1);
    str(w, 1, s.name, maxStringBytes, "name");
    required(present(s.mode), "mode", "distribution mode", 1);
    enumField(w, 2, DISTRIBUTION_MODE_NUMBERS, s.mode, "mode");
    packedOffsets(w, 3, s.offsets, maxOperatorStateOffsets);
  }));
}

/** A MasterState's fields. */
export function writeMasterState(w: Writer, m: MasterState): void {
  if (typeof m !== "object" || m === null) throw invalid("", "master state is not an object");
  required(typeof m.name === "string" && m.name !== "", "name", "master state name", 1);
  str(w, 1, m.name, maxStringBytes, "name");
  i32(w, 2, m.version, "version");
  bytes(w, 3, m.payload, maxInlineBytes, "payload");
}

/** A SourceInfo's fields; its checkpoint id may be 0 (Flink's State Processor API writes 0). */
export function writeSource(w: Writer, s: SourceInfo): void {
  if (typeof s !== "object") throw invalid("source", "source is not an object");
  required(typeof s.system === "string" && s.system !== "", "source.system", "system", 1);
  str(w, 1, s.system, maxIdBytes, "source.system");
  u32(w, 2, s.formatVersion, "source.formatVersion");
  u64(w, 3, s.checkpointId, "source.checkpointId");
}
