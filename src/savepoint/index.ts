/**
 * Savepoint data files ([spec](../../spec/savepoint-data.md)): the streaming
 * writer, the key-group reader and the logical dump.
 */
export {
  CANONICAL_BLOCK_BYTES, DATA_FORMAT_LIMITS, DEFAULT_DATA_READ_LIMITS, type DataFileInfo, type DataReadLimits,
  type SavepointEntry, type StateDescriptor, type StateEntry, type StateKind,
} from "./data-format.js";
export { SavepointDataError } from "./data-errors.js";
export { AtomicFileSink, MemorySink, type DataSink } from "./data-sink.js";
export {
  DEFAULT_SORT_BUFFER_BYTES, MAX_COMPRESSION_WORKERS, SavepointDataWriter, type SavepointDataResult, type SavepointDataWriterOptions,
} from "./data-writer.js";
export { CompressionWorkers, type CompressionWorkersOptions } from "./compression-workers.js";
export { listFrames, type FrameInfo } from "./frame-list.js";
export {
  readDataFileInfo, readKeyGroupBatches, readKeyGroups, type DataFileAccess, type DataReadOptions, type HandleLocation,
} from "./data-reader.js";
export { EntryBatch, type EntryColumns } from "./entry-batch.js";
export {
  LZ4_CHOICES, lz4Implementations, nativeLz4Available, useLz4, type Lz4Choice, type Lz4Implementation, type Lz4Implementations,
} from "./lz4-block.js";
export { dataFileInfoToJson, dumpSavepointData, entryToJsonLine, type DumpOptions } from "./dump.js";
// The handle's JSON form is the snapshot's (json/), re-exported here beside the data files it describes.
export { savepointHandleFromJson } from "../json/from-json.js";
export { savepointHandleToJson } from "../json/to-json.js";
