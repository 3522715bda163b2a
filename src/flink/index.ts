/**
 * The Apache Flink `_metadata` reader, `readFlinkMetadata` and its AST, and the history conversion `flinkHistoryToSnapshots` ([spec/flink.md](../../spec/flink.md)).
 * Nothing outside src/flink imports this folder except the package's index.
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
