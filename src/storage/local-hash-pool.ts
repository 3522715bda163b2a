/**
 * Hashing many local files in worker threads ({@link LocalStorage.hashWholeFiles};
 * [spec](../../spec/validation.md#storage)). Small files cost system calls more than hashing, and each call through
 * libuv's thread pool is a round trip. Workers (one per core, at most 4) take batches of files in turn, make their
 * system calls synchronously and hash in their own WebAssembly instance; the calling thread only reads their answers
 * (validateStorage sends files of at most 1 MiB here: larger ones hash faster with reads through the thread pool). Each file is opened under the rules
 * of `openInRoot` ([local-hash-worker.ts](./local-hash-worker.ts)); one it cannot prove safe comes back `undefined`,
 * and the caller checks it the slow way.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { HASHED, MEASURED, packRequests, type HashBatchResult, type HashJob } from "./local-hash-batch.js";
import { mayOpenDirect } from "./local-open-direct.js";
import type { WholeHashRequest, WholeHashResult, WholeHashResults } from "./storage.js";

/** Files per batch: enough to make a message's cost negligible, few enough to share the work evenly. */
const BATCH_FILES = 256;
/** Bytes per batch at most (one file may be larger): large files are spread over the workers. */
const BATCH_BYTES = 32 << 20;
const MAX_WORKERS = 4;
const WORKER = new URL("./local-hash-worker.js", import.meta.url);
/**
 * A worker keeps little: its batch's columns and one buffer. A small young generation keeps its heap, and so the
 * process's peak RSS, small (V8's default lets it grow to tens of MiB of garbage between collections).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/** Consecutive ranges `[start, end)` of `requests`, by {@link BATCH_FILES} and {@link BATCH_BYTES}. */
function batchesOf(requests: readonly WholeHashRequest[]): [number, number][] {
  const batches: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < requests.length; i++) {
    const size = requests[i]!.sizes.reduce((m, s) => (s > m ? s : m), 0n);
    if (i > start && (i - start >= BATCH_FILES || bytes + Number(size) > BATCH_BYTES)) {
      batches.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += Number(size);
  }
  if (start < requests.length) batches.push([start, requests.length]);
  return batches;
}

/** The batches' columns, read as one list. */
class BatchResults implements WholeHashResults {
  readonly #batches: readonly [number, number][];
  readonly #results: (HashBatchResult | undefined)[];
  readonly length: number;

  constructor(batches: readonly [number, number][], length: number) {
    this.#batches = batches;
    this.#results = new Array<HashBatchResult | undefined>(batches.length).fill(undefined);
    this.length = length;
  }

  set(batch: number, result: HashBatchResult): void {
    this.#results[batch] = result;
  }

  at(index: number): WholeHashResult {
    // Batches are consecutive ranges in order: a binary search finds the one holding `index`.
    let lo = 0;
    let hi = this.#batches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#batches[mid]![0] <= index) lo = mid;
      else hi = mid - 1;
    }
    const r = this.#results[lo];
    if (r === undefined) return undefined;
    const i = index - this.#batches[lo]![0];
    const status = r.status[i];
    if (status !== MEASURED && status !== HASHED) return undefined;
    const info = { kind: "file" as const, size: r.sizes[i]!, modifiedMs: r.modifiedMs[i]!, identity: r.identities[i]! };
    return status === HASHED ? { info, read: { bytes: r.bytesRead[i]!, xxh64: r.hashes[i]! } } : { info };
  }
}

/**
 * Size and XXH64 of each file of `requests` under `root`, in worker threads; the workers start before this
 * returns, and take the batches in turn through a shared counter, so they go on while this thread is busy.
 * Never rejects: a worker that fails leaves its batch `undefined` (checked the slow way), and the others take the rest.
 */
export function hashInWorkers(root: string, requests: readonly WholeHashRequest[], onBytes: (n: number) => void): Promise<WholeHashResults> {
  const batches = batchesOf(requests);
  const results = new BatchResults(batches, requests.length);
  // Where the cheap open cannot work, every file would come back unknown: none is started.
  const count = mayOpenDirect() ? Math.min(Math.max(1, availableParallelism()), MAX_WORKERS, batches.length) : 0;
  if (count === 0) return Promise.resolve(results);
  const job: HashJob = { root, ...packRequests(requests), batches, next: new SharedArrayBuffer(4) };
  return new Promise((resolve) => {
    let running = count;
    for (let w = 0; w < count; w++) {
      const worker = new Worker(WORKER, { resourceLimits: WORKER_LIMITS });
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        void worker.terminate();
        if (--running === 0) resolve(results);
      };
      worker.on("message", (m: HashBatchResult) => {
        results.set(m.batch, m);
        if (m.bytes > 0) onBytes(m.bytes);
      });
      // The worker ends once no batch is left; one that fails leaves the batch it had undefined.
      worker.on("error", finish);
      worker.on("exit", finish);
      worker.postMessage(job);
    }
  });
}
