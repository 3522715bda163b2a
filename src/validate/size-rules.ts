/**
 * An incremental handle's recorded sizes agree with its file refs
 * ([spec](../../spec/format-v1.md#incrementalhandle); [KS-W073](../../spec/validation.md#ks-w073),
 * [KS-W074](../../spec/validation.md#ks-w074)). Warnings: the sizes are informational, a
 * restore does not use them, but a mismatch shows a writer that lost track of its files.
 * The stream form (1.1) counts each part's length: a segment's, inline bytes', an
 * external file's size.
 */
import type { IncrementalHandle, Snapshot, StreamIncrementalHandle } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { eachStateHandle, streamLength, variantField } from "../snapshot-walk.js";

/** Checks KS-W073 and KS-W074. */
export function checkSizes(s: Snapshot, report: Report): void {
  for (const site of eachStateHandle(s)) {
    const h = site.handle;
    if (h.type !== "incremental" && h.type !== "stream-incremental") continue;
    const at = variantField(site);
    const { total, uploaded } = sizesOf(h);
    if (h.stateSize !== total) {
      report("KS-W073", { field: `${at}.stateSize` }, `state_size ${h.stateSize} differs from ${total}, the sum of the sizes of the handle's ${fileCount(h)} files`);
    }
    // A converted snapshot (`source` set) keeps the source's value, but its origins are derived (spec/flink.md).
    if (h.checkpointedSize !== uploaded && s.source === undefined) {
      report("KS-W074", { field: `${at}.checkpointedSize` },
        `checkpointed_size ${h.checkpointedSize} differs from ${uploaded}, the sum of the sizes of the files checkpoint ${h.checkpointId} uploaded`);
    }
  }
}

/** All file sizes, and those uploaded by the handle's checkpoint (its own shared files, private files, meta file). */
function sizesOf(h: IncrementalHandle | StreamIncrementalHandle): { total: bigint; uploaded: bigint } {
  let total = streamLength(h.type === "incremental" ? h.metaFile : h.meta);
  let uploaded = total;
  for (const f of h.privateFiles) {
    total += streamLength(f);
    uploaded += streamLength(f);
  }
  for (const f of h.sharedFiles) {
    total += streamLength(f);
    if (f.originCheckpointId === h.checkpointId) uploaded += streamLength(f);
  }
  return { total, uploaded };
}

function fileCount(h: IncrementalHandle | StreamIncrementalHandle): number {
  return h.sharedFiles.length + h.privateFiles.length + 1;
}
