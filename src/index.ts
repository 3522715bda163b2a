/**
 * ksnap's public API: the model, the codec, the JSON form and typed errors
 * ([spec](../spec/format-v1.md)).
 */
export type {
  FileOwnership, FileRef, FileSharing, FormatVersion, IncrementalHandle, KeyedStateHandle, KeyGroupRange,
  OperatorState, SavepointHandle, SharedFileRef, Snapshot, SnapshotKind, SnapshotProperties, SubtaskState,
  DistributionMode, ExternalStream, FileStream, InlineStream, KeyGroupsStreamHandle, MasterState, NamedOperatorState,
  OpaqueHandle, OperatorStateHandle, SegmentScope, SegmentStream, SharedStreamRef, SourceInfo, StreamIncrementalHandle, StreamRef,
} from "./model.js";
export type { DecodeOptions, ReaderMinor } from "./decode-options.js";
export {
  FEATURE_COORDINATOR_AND_MASTER_STATE, FEATURE_EXTERNAL_REFS, FEATURE_FINISHED_MARKERS, FEATURE_NAMES, FEATURE_OPAQUE_HANDLES,
  FEATURE_OPERATOR_MAX_PARALLELISM, FEATURE_OPERATOR_STATE, FEATURE_RAW_KEYED_STATE, FEATURE_SEGMENTS, FEATURE_STREAM_HANDLES,
  formatVersionOf, requiredFeaturesOf, type WrittenVersion,
} from "./body/features.js";
export { encodeSnapshot, decodeSnapshot, decodeFile, type DecodedFile } from "./codec.js";
export { snapshotToJson, snapshotToJsonText, snapshotToJsonChunks } from "./json/to-json.js";
export { snapshotFromJson, snapshotFromJsonBytes, snapshotFromJsonText } from "./json/from-json.js";
export type { SnapshotJson } from "./json/json-types.js";
export { KsnapError, isKsnapError, ERROR_CODES, type ErrorCode } from "./errors.js";
export { DEFAULT_DECODE_LIMITS, FORMAT_LIMITS, type DecodeLimits } from "./limits.js";
export { xxh64, hashToHex } from "./hash/xxh64.js";
export { compareCodePoints } from "./body/canonical-order.js";
export {
  defaultMaxParallelism, keyGroupForKeyHash, keyGroupRangeForOperator, murmurHash32, operatorIndexForKeyGroup,
} from "./key-groups.js";
export {
  planRestore, restorePlanToJson, MAX_REPLICATED_OPERATOR_STATE, type ByteRange, type HandleRead,
  type IncrementalRead, type OperatorRestorePlan, type RestorePlan, type RestorePlanJson, type RestorePlanOptions, type SavepointRead,
  type SubtaskRestorePlan, type StreamIncrementalRead, type KeyGroupsStreamRead, type UnsupportedRead, type OperatorStateRead,
  type KeptState, type WholeStreamRead, type ChannelStateEntry, type MasterStateEntry,
} from "./restore-plan.js";
export {
  diffSnapshots, diffToJson, type ChangedFile, type DiffJson, type FileOccurrence, type FileTally, type OperatorDiff,
  type SnapshotDiff, type SnapshotSummary, type SubtaskDiff, type InlineTally, type LocalNameChange, type StoredDiff,
  type OperatorStateChange, type NamedStateSummary, type MasterStateChange, type StateChange,
} from "./diff.js";
export { streamBytes, streamSummaryToJson, type StreamSummaryJson } from "./stream-ref.js";
export { operatorMaxParallelism, streamLength } from "./snapshot-walk.js";
export { pathProblem, resolveInRoot } from "./storage/paths.js";
export { findMetadataFiles, loadSnapshot, readSnapshot, resolveRoot, METADATA_FILE, SHARED_DIR, type LocatedSnapshot } from "./storage/snapshot-root.js";
export {
  TEMP_SUFFIX, isTempName, tempName, type AtomicWriter, type Entry, type EntryInfo, type EntryKind, type ReadHandle, type ReadOptions,
  type Resolution, type Storage, type DeleteRequest, type DeleteResult,
} from "./storage/storage.js";
export { LocalStorage, LOCAL_STORAGE } from "./storage/local-storage.js";
export { S3Storage, MAX_DELETE_BATCH, s3ClientConfig, type S3StorageOptions } from "./storage/s3-storage.js";
export { storageFor, type StorageChoice } from "./storage/storage-for.js";
export { isS3Location, parseS3Location, formatS3Location, type S3Location } from "./storage/s3-location.js";
export { errnoText, ioError } from "./storage/errno.js";
export {
  validatePath, validateLocated, validateSnapshot, validateStorage, validateHistory, renderText, renderJson, renderJsonChunks, RULES, localNameProblem,
  type Finding, type FindingLocation, type Severity, type ValidationResult, type ValidationSummary, type RuleId, type RuleInfo,
  type RuleGroup, type ValidateOptions, type LocatedValidateOptions, type SnapshotInput, type SnapshotValidationOptions, type StorageOptions,
  type StorageProgress, type StorageResult, type LocatedInput,
} from "./validate/index.js";
export { SharedStateRegistry, type Retention, type RestoreMode } from "./registry/shared-state-registry.js";
export { runGc, type GcReport, type GcRequest } from "./gc/gc-run.js";
export { GC_REFUSAL_RULES } from "./gc/gc-refusals.js";
export {
  SavepointDataWriter, readKeyGroups, readKeyGroupBatches, EntryBatch, readDataFileInfo, dumpSavepointData, entryToJsonLine,
  dataFileInfoToJson, savepointHandleToJson, savepointHandleFromJson, listFrames, SavepointDataError, AtomicFileSink, MemorySink,
  CANONICAL_BLOCK_BYTES, DATA_FORMAT_LIMITS, DEFAULT_DATA_READ_LIMITS, DEFAULT_SORT_BUFFER_BYTES, CompressionWorkers,
  type CompressionWorkersOptions, type DataSink, type DataFileAccess, type DataReadOptions, type DataFileInfo, type DataReadLimits, type DumpOptions, type FrameInfo, type HandleLocation,
  type SavepointDataResult, type SavepointDataWriterOptions, type SavepointEntry, type StateDescriptor,
  type StateEntry, type StateKind, type EntryColumns, LZ4_CHOICES, lz4Implementations, nativeLz4Available, useLz4,
  type Lz4Choice, type Lz4Implementation, type Lz4Implementations,
} from "./savepoint/index.js";
export { restoreSubtask, planSubtaskRestore, type RestoreSubtaskOptions, type SubtaskRestore } from "./savepoint/rescaled-restore.js";

// --- flink: reading Apache Flink `_metadata` files (V2–V6) into a typed AST (spec/flink.md), converting them to the
// KSNAP model, and reading job directories for validate and gc. The core library (codec, model, validate, registry)
// never imports src/flink; gc does, to read Flink job directories.
export * from "./flink/index.js";
