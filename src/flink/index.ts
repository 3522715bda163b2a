/**
 * The Apache Flink `_metadata` reader, `readFlinkMetadata` and its AST, the history conversion `flinkHistoryToSnapshots`,
 * and the readers of job directories for validation and gc ([spec/flink.md](../../spec/flink.md#job-directories)).
 * Below the CLI, only gc (src/gc) imports src/flink: it reads Flink job directories through `loadAnyTree`.
 */
export { readFlinkMetadata, FLINK_METADATA_MAGIC } from "./read-metadata.js";
export { DEFAULT_FLINK_READ_LIMITS, type FlinkReadLimits } from "./flink-limits.js";
export type {
  FlinkMetadata, FlinkMetadataVersion, FlinkMasterState, FlinkOperatorState, FlinkSubtaskState,
  FlinkStreamHandle, FlinkByteStreamHandle, FlinkFileHandle, FlinkRelativeFileHandle, FlinkSegmentHandle,
  FlinkEmptySegmentHandle, FlinkKeyGroupsHandle, FlinkKeyGroupRange,
  FlinkKeyedHandle, FlinkIncrementalHandle, FlinkHandleAndLocalPath, FlinkChangelogBackendHandle,
  FlinkInMemoryChangelogHandle, FlinkChangelogChange, FlinkChangelogStreamHandle, FlinkChangelogStreamPart,
  FlinkOperatorHandle, FlinkNamedOperatorState, FlinkDistributionMode,
  FlinkInputChannelHandle, FlinkOutputChannelHandle, FlinkInputChannelStateHandle, FlinkResultSubpartitionStateHandle,
  FlinkMergedChannelStateHandle,
  FlinkCheckpointProperties, FlinkCheckpointType, FlinkSavepointType, FlinkSharingFilesStrategy,
  FlinkSavepointFormatType, FlinkPostCheckpointAction,
} from "./flink-model.js";
export {
  flinkHistoryToSnapshots, type FlinkHistoryCheckpoint, type FlinkHistoryConversionOptions, type FlinkHistoryConversion,
} from "./convert-history.js";
export type { ConversionNote, ConversionNoteCode } from "./convert-notes.js";
export { flinkToSnapshot, FLINK_SOURCE_SYSTEM, type FlinkConversion, type FlinkConversionOptions } from "./convert.js";
export { FLINK_METADATA_FILE, TASK_OWNED_DIR, findFlinkMetadata, isFlinkJobDir, locateFlinkSnapshot } from "./find-metadata.js";
export { loadFlinkTree, loadFlinkSnapshot, type FlinkTreeOptions } from "./load-job-dir.js";
export { loadAnyTree, type AnyTreeOptions } from "./load-any-tree.js";
