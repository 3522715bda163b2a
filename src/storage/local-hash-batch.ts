/**
 * The messages between {@link hashInWorkers} and its worker threads ([local-hash-worker.ts](./local-hash-worker.ts)):
 * the whole list of files once, packed (few objects to copy), the batches each worker takes in turn through a
 * shared counter, and what became of each file of a batch, column by column.
 */
import type { WholeHashRequest } from "./storage.js";

/** Every file to hash, sent once to each worker. */
export interface HashJob {
  root: string;
  /** The paths, joined by NUL (which no path holds). */
  paths: string;
  /** The first wanted size of each file. */
  sizes: BigUint64Array;
  /** The other wanted sizes, for the few files whose refs state several: [file index, sizes]. */
  moreSizes: [number, bigint[]][];
  /** Consecutive ranges of files, `[start, end)`. */
  batches: [number, number][];
  /** An Int32 counter shared by the workers: each takes the next batch with `Atomics.add`. */
  next: SharedArrayBuffer;
}

/** What each file of a batch became, column by column, and the bytes read in all. */
export interface HashBatchResult {
  batch: number;
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

/** `requests` packed for the workers (without the batches and the counter). */
export function packRequests(requests: readonly WholeHashRequest[]): Pick<HashJob, "paths" | "sizes" | "moreSizes"> {
  const sizes = new BigUint64Array(requests.length);
  const moreSizes: [number, bigint[]][] = [];
  requests.forEach((r, i) => {
    sizes[i] = r.sizes[0] ?? 0n;
    if (r.sizes.length > 1) moreSizes.push([i, r.sizes.slice(1)]);
  });
  return { paths: requests.map((r) => r.path).join("\0"), sizes, moreSizes };
}
