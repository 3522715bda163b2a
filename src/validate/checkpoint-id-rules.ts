/**
 * Checkpoint ids inside handles: a checkpoint's handles belong to it, a base
 * comes before it, and a shared file was uploaded no later than it
 * ([KS-E013](../../spec/validation.md#ks-e013), [KS-E060](../../spec/validation.md#ks-e060),
 * [KS-E061](../../spec/validation.md#ks-e061)).
 */
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { eachHandle, variantField } from "../snapshot-walk.js";

/** Checks KS-E013, KS-E060 and KS-E061. */
export function checkCheckpointIds(s: Snapshot, report: Report): void {
  for (const site of eachHandle(s)) {
    const h = site.handle;
    if (h.type !== "incremental") continue;
    const at = variantField(site);
    if (s.kind === "checkpoint" && h.checkpointId !== s.snapshotId) {
      report("KS-E013", { field: `${at}.checkpointId` }, `checkpoint_id ${h.checkpointId} differs from the checkpoint's snapshot_id ${s.snapshotId}`);
    }
    if (h.baseCheckpointId !== 0n && h.baseCheckpointId >= h.checkpointId) {
      report("KS-E060", { field: `${at}.baseCheckpointId` },
        `base_checkpoint_id ${h.baseCheckpointId} is not less than checkpoint_id ${h.checkpointId}: a handle builds on an earlier checkpoint`);
    }
    for (const [i, ref] of h.sharedFiles.entries()) {
      if (ref.originCheckpointId > h.checkpointId) {
        report("KS-E061", { field: `${at}.sharedFiles[${i}].originCheckpointId`, path: ref.path },
          `shared file ${quote(ref.id)} names origin checkpoint ${ref.originCheckpointId}, after the handle's checkpoint ${h.checkpointId}`);
      }
    }
  }
}
