/**
 * A worker thread of {@link hashInWorkers}: takes batches of files under a root in turn with the other workers, and
 * for each file opens it as {@link LocalStorage.openInRoot} does on its cheap path ({@link openDirect}: no link on any
 * segment, a regular file only), and when its size is one that is wanted, reads and hashes it whole through one
 * page-aligned buffer ([spec](../../spec/validation.md#storage)). A file that path cannot prove safe, or any failure,
 * is answered "unknown": the main thread then checks it on its own, and words the finding. Reads are synchronous:
 * this thread does nothing else, and the thread pool's round trips cost more than the reads of small files.
 *
 * The path rules need no second check here: the file is opened only when the kernel's path of what it opened is
 * exactly `realRoot/path`, which a '.', '..', empty or absolute segment, or a link, would change.
 */
import { realpathSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { hashFile, pageAlignedBuffer } from "../hash/hash-file.js";
import { toInfo } from "./local-info.js";
import { descriptorHandle, openDirect } from "./local-open-direct.js";
import { HASHED, MEASURED, UNKNOWN, type HashBatchResult, type HashJob } from "./local-hash-batch.js";

const CHUNK_BYTES = 1 << 20;
const buffer = pageAlignedBuffer(CHUNK_BYTES);

function realRootOf(root: string): string | undefined {
  try {
    return realpathSync(root);
  } catch {
    return undefined;
  }
}

async function hashBatch(job: HashJob, paths: readonly string[], more: ReadonlyMap<number, bigint[]>, realRoot: string | undefined, batch: number): Promise<HashBatchResult> {
  const [start, end] = job.batches[batch]!;
  const n = end - start;
  const out: HashBatchResult = {
    batch, status: new Uint8Array(n), sizes: new BigUint64Array(n), modifiedMs: new Float64Array(n), identities: new Array<string>(n).fill(""),
    bytesRead: new BigUint64Array(n), hashes: new BigUint64Array(n), bytes: 0,
  };
  if (realRoot === undefined) return out;
  const count = (k: number): void => {
    out.bytes += k;
  };
  for (let i = 0; i < n; i++) {
    const path = paths[start + i]!;
    const location = realRoot === "/" ? `/${path}` : `${realRoot}/${path}`;
    const direct = openDirect(location);
    if (direct === undefined) continue;
    const info = toInfo(direct.st);
    const file = descriptorHandle(direct.fd, info, location, true);
    try {
      out.sizes[i] = info.size;
      out.modifiedMs[i] = info.modifiedMs;
      out.identities[i] = info.identity ?? "";
      if (info.size !== job.sizes[start + i] && !(more.get(start + i)?.includes(info.size) ?? false)) {
        out.status[i] = MEASURED;
        continue;
      }
      const read = await hashFile(file, buffer, count);
      out.bytesRead[i] = read.bytes;
      out.hashes[i] = read.xxh64;
      out.status[i] = HASHED;
    } catch {
      out.status[i] = UNKNOWN;
    } finally {
      await file.close();
    }
  }
  return out;
}

parentPort!.once("message", async (job: HashJob) => {
  const paths = job.paths.split("\0");
  const more = new Map(job.moreSizes);
  const realRoot = realRootOf(job.root);
  const next = new Int32Array(job.next);
  for (;;) {
    const batch = Atomics.add(next, 0, 1);
    if (batch >= job.batches.length) break;
    const out = await hashBatch(job, paths, more, realRoot, batch);
    const columns = [out.status, out.sizes, out.modifiedMs, out.bytesRead, out.hashes].map((c) => c.buffer as ArrayBuffer);
    parentPort!.postMessage(out, columns);
  }
  // Nothing left: the thread ends (its messages are delivered before its exit is).
  parentPort!.unref();
});
