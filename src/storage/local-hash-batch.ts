/**
 * The messages between {@link hashInWorkers} and its worker threads ([local-hash-worker.ts](./local-hash-worker.ts)):
 * a batch of files to hash, and what became of each, column by column.
 */
import type { WholeHashRequest } from "./storage.js";

/** A batch: files under `root` (as the user named it). */
export interface HashBatch {
  root: string;
  items: readonly WholeHashRequest[];
}

/** What each file of a batch became, column by column (few objects to copy and collect), and the bytes read in all. */
export interface HashBatchResult {
  /** {@link UNKNOWN}, {@link MEASURED} (not read: its size is not wanted) or {@link HASHED}. */
  status: Uint8Array;
  sizes: BigUint64Array;
  modifiedMs: Float64Array;
  identities: string[];
  bytesRead: BigUint64Array;
  hashes: BigUint64Array;
  bytes: number;
}

export const UNKNOWN = 0;
export const MEASURED = 1;
export const HASHED = 2;

