/**
 * Each keyed handle's key-group range: inside the operator's key groups
 * `[0, max_parallelism)` (its own `maxParallelism` when set), not empty, and of
 * a handle kind that can locate single key groups when the snapshot says it can
 * ([KS-E040](../../spec/validation.md#ks-e040), [KS-E041](../../spec/validation.md#ks-e041),
 * [KS-E042](../../spec/validation.md#ks-e042)). Keyed handles are those of
 * `handles` and `rawKeyedHandles`; a keyed opaque handle carries a range and a
 * channel-state handle none ([KS-E037](../../spec/validation.md#ks-e037)).
 */
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { eachStateHandle, operatorMaxParallelism, variantField } from "../snapshot-walk.js";

/** Handle kinds with one offset per key group: the only ones a key-group-aware snapshot may hold. */
const LOCATES_KEY_GROUPS = new Set(["savepoint", "key-groups-stream"]);

/** Checks KS-E037, KS-E040, KS-E041 and KS-E042. */
export function checkKeyGroupRanges(s: Snapshot, report: Report): void {
  for (const site of eachStateHandle(s)) {
    const h = site.handle;
    const range = h.keyGroups;
    const field = `${variantField(site)}.keyGroups`;
    if (site.list === "channelState") {
      const kind = h.type === "opaque" ? ` of kind ${quote(h.kind)}` : "";
      if (range !== undefined) report("KS-E037", { field }, `channel-state handle${kind} has key groups; channel state holds no key group`);
      continue;
    }
    if (range === undefined) {
      report("KS-E037", { field: variantField(site) }, `keyed opaque handle in ${site.list} has no key-group range; a keyed handle says which key groups it holds`);
      continue;
    }
    const { start, count } = range;
    const maxP = operatorMaxParallelism(s, site.operator);
    if (start + count > maxP) {
      report("KS-E040", { field }, `key groups [${start}, ${start + count}) reach past the operator's max_parallelism ${maxP}`);
    }
    if (count === 0) report("KS-E041", { field }, `key-group range at start ${start} is empty (count 0): the handle holds no key group`);
    if (s.properties.keyGroupAware && !LOCATES_KEY_GROUPS.has(h.type)) {
      report("KS-E042", { field: site.field },
        `snapshot is key-group-aware, but this handle is ${h.type} and has no offset per key group`);
    }
  }
}
