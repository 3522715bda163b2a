/**
 * Checkpoint ids inside handles: a checkpoint's handles belong to it, a base
 * comes before it, and a shared file was uploaded no later than it
 * ([KS-E013](../../spec/validation.md#ks-e013), [KS-E060](../../spec/validation.md#ks-e060),
 * [KS-E061](../../spec/validation.md#ks-e061)). Both forms of an incremental handle
 * (1.0 and stream, 1.1) in every list; an opaque handle has no checkpoint id,
 * so its shared refs are held to the snapshot's.
 */
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { describeRef, pathOf } from "./file-contents.js";
import { eachStateHandle, variantField } from "../snapshot-walk.js";

/** Checks KS-E013, KS-E060 and KS-E061. */
export function checkCheckpointIds(s: Snapshot, report: Report): void {
  for (const site of eachStateHandle(s)) {
    const h = site.handle;
    const at = variantField(site);
    if (h.type === "opaque") {
      for (const [i, ref] of h.sharedFiles.entries()) {
        if (ref.originCheckpointId > s.snapshotId) {
          report("KS-E061", { field: `${at}.sharedFiles[${i}].originCheckpointId`, ...pathOf(ref) },
            `shared ${describeRef(ref)} names origin checkpoint ${ref.originCheckpointId}, after this snapshot ${s.snapshotId}`);
        }
      }
      continue;
    }
    if (h.type !== "incremental" && h.type !== "stream-incremental") continue;
    if (s.kind === "checkpoint" && h.checkpointId !== s.snapshotId) {
      report("KS-E013", { field: `${at}.checkpointId` }, `checkpoint_id ${h.checkpointId} differs from the checkpoint's snapshot_id ${s.snapshotId}`);
    }
    if (h.baseCheckpointId !== 0n && h.baseCheckpointId >= h.checkpointId) {
      report("KS-E060", { field: `${at}.baseCheckpointId` },
        `base_checkpoint_id ${h.baseCheckpointId} is not less than checkpoint_id ${h.checkpointId}: a handle builds on an earlier checkpoint`);
    }
    for (const [i, ref] of h.sharedFiles.entries()) {
      if (ref.originCheckpointId > h.checkpointId) {
        report("KS-E061", { field: `${at}.sharedFiles[${i}].originCheckpointId`, ...pathOf(ref) },
          `shared ${describeRef(ref)} names origin checkpoint ${ref.originCheckpointId}, after the handle's checkpoint ${h.checkpointId}`);
      }
    }
  }
}
