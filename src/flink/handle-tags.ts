/** Flink's one-byte handle type codes (shared by all `_metadata` versions) and the error for an unknown one. */
import { FORMAT_LIMITS } from "../limits.js";
import { KsnapError } from "../errors.js";
import type { DataInput } from "./data-input.js";
import type { FlinkKeyGroupRange } from "./flink-model.js";

export const NULL_HANDLE = 0;
export const BYTE_STREAM_HANDLE = 1;
export const FILE_STREAM_HANDLE = 2;
export const KEY_GROUPS_HANDLE = 3;
export const PARTITIONABLE_OPERATOR_HANDLE = 4;
export const INCREMENTAL_HANDLE = 5;
export const RELATIVE_STREAM_HANDLE = 6;
export const SAVEPOINT_KEY_GROUPS_HANDLE = 7;
export const CHANGELOG_BACKEND_HANDLE = 8;
export const CHANGELOG_BYTE_INCREMENT_HANDLE = 9;
export const CHANGELOG_FILE_INCREMENT_HANDLE = 10;
export const INCREMENTAL_HANDLE_V2 = 11;
export const KEY_GROUPS_HANDLE_V2 = 12;
export const CHANGELOG_FILE_INCREMENT_HANDLE_V2 = 13;
export const CHANGELOG_BACKEND_HANDLE_V2 = 14;
export const SEGMENT_FILE_HANDLE = 15;
export const EMPTY_SEGMENT_FILE_HANDLE = 16;
export const FILE_MERGING_OPERATOR_HANDLE = 17;

/** MALFORMED_BODY for a type byte read at `at` that is not one of `expected`. */
export function unknownTag(kind: string, tag: number, at: number, expected: readonly number[]): KsnapError {
  return new KsnapError("MALFORMED_BODY",
    `unknown ${kind} handle type ${tag} at byte ${at}, expected one of ${expected.join(", ")}`, { offset: at });
}

/** A key-group range (`i32 start; i32 count`): within Flink's 2^15 key groups. */
export function readKeyGroupRange(r: DataInput, what: string): FlinkKeyGroupRange {
  const at = r.pos;
  const start = r.i32(`${what} first key group`);
  const count = r.i32(`${what} number of key groups`);
  if (start < 0 || count < 0 || start + count > FORMAT_LIMITS.maxKeyGroups) {
    throw new KsnapError("INVALID_FIELD",
      `${what}: key groups ${start} + ${count} are not within 0..${FORMAT_LIMITS.maxKeyGroups}`, { offset: at });
  }
  return { start, count };
}

/** `n` i64 offsets (the count read first), bounded by the bytes left. */
export function readOffsets(r: DataInput, what: string): bigint[] {
  const n = r.count(`${what} count`, 8);
  return readLongs(r, n, what);
}

/** `n` i64 values, `n` already checked. */
export function readLongs(r: DataInput, n: number, what: string): bigint[] {
  r.need(n * 8, what);
  const out = new Array<bigint>(n);
  for (let i = 0; i < n; i++) out[i] = r.i64(what);
  return out;
}
