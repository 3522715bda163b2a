/**
 * The timeline of a history: for each checkpoint, what a restore reads (full size), what it uploaded itself and
 * what it reused from earlier checkpoints. A shared file counts as uploaded by its origin checkpoint only; exclusive
 * files (private, meta, operator state) are each snapshot's own upload.
 */
import type { Snapshot } from "../model.js";
import type { CheckpointRow } from "./report-model.js";
import { storedStreams } from "./stored-streams.js";

/** A checkpoint as the report reads it: the snapshot and its metadata file. */
export interface HistoryEntry {
  snapshot: Snapshot;
  /** The metadata file, as found under the reported path. */
  file: string;
}

/** One row per checkpoint of `history` (ascending ids); `errorsByFile` counts validate's errors per metadata file. */
export function checkpointTimeline(history: readonly HistoryEntry[], errorsByFile: ReadonlyMap<string, number>): CheckpointRow[] {
  return history.map(({ snapshot, file }) => {
    let fullBytes = 0;
    let uploadedBytes = 0;
    let files = 0;
    let uploadedFiles = 0;
    for (const s of storedStreams(snapshot).values()) {
      fullBytes += s.bytes;
      files++;
      if (s.origin === undefined || s.origin === snapshot.snapshotId) {
        uploadedBytes += s.bytes;
        uploadedFiles++;
      }
    }
    return {
      id: String(snapshot.snapshotId), metadata: file, timestamp: Number(snapshot.timestampMillis), fullBytes, uploadedBytes,
      reusedBytes: fullBytes - uploadedBytes, files, uploadedFiles, errors: errorsByFile.get(file) ?? 0,
    };
  });
}
