/**
 * Each handle's key-group range: inside `[0, max_parallelism)`, not empty, and
 * of a handle kind that can locate single key groups when the snapshot says it
 * can ([KS-E040](../../spec/validation.md#ks-e040), [KS-E041](../../spec/validation.md#ks-e041),
 * [KS-E042](../../spec/validation.md#ks-e042)).
 */
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { eachHandle, variantField } from "../snapshot-walk.js";

/** Checks KS-E040, KS-E041 and KS-E042. */
export function checkKeyGroupRanges(s: Snapshot, report: Report): void {
  for (const site of eachHandle(s)) {
    const { start, count } = site.handle.keyGroups;
    const field = `${variantField(site)}.keyGroups`;
    if (start + count > s.maxParallelism) {
      report("KS-E040", { field }, `key groups [${start}, ${start + count}) reach past max_parallelism ${s.maxParallelism}`);
    }
    if (count === 0) report("KS-E041", { field }, `key-group range at start ${start} is empty (count 0): the handle holds no key group`);
    if (s.properties.keyGroupAware && site.handle.type === "incremental") {
      report("KS-E042", { field: site.field },
        "snapshot is key-group-aware, but this handle is incremental and has no offset per key group");
    }
  }
}
