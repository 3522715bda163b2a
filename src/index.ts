/**
 * ksnap's public API: the model, the codec, the JSON form and typed errors
 * ([spec](../spec/format-v1.md)).
 */
export type {
  FileOwnership, FileRef, FileSharing, FormatVersion, IncrementalHandle, KeyedStateHandle, KeyGroupRange,
  OperatorState, SavepointHandle, SharedFileRef, Snapshot, SnapshotKind, SnapshotProperties, SubtaskState,
} from "./model.js";
export { encodeSnapshot, decodeSnapshot, decodeFile, type DecodedFile } from "./codec.js";
export { snapshotToJson, snapshotToJsonText } from "./json/to-json.js";
export { snapshotFromJson, snapshotFromJsonText } from "./json/from-json.js";
export type { SnapshotJson } from "./json/json-types.js";
export { KsnapError, isKsnapError, ERROR_CODES, type ErrorCode } from "./errors.js";
export { DEFAULT_DECODE_LIMITS, FORMAT_LIMITS, type DecodeLimits } from "./limits.js";
export { xxh64, hashToHex } from "./hash/xxh64.js";
export { compareCodePoints } from "./body/canonical-order.js";
