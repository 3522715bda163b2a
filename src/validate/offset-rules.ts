/**
 * Offsets of a savepoint handle: one per key group, in order, each inside the
 * data file ([spec](../../spec/format-v1.md#savepointhandle);
 * [KS-E050](../../spec/validation.md#ks-e050), [KS-E051](../../spec/validation.md#ks-e051),
 * [KS-E052](../../spec/validation.md#ks-e052)).
 */
import type { SavepointHandle, Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { plural } from "./text.js";
import { eachHandle, variantField } from "../snapshot-walk.js";

/** Checks KS-E050, KS-E051 and KS-E052 on every savepoint handle. */
export function checkOffsets(s: Snapshot, report: Report): void {
  for (const site of eachHandle(s)) {
    if (site.handle.type !== "savepoint") continue;
    const h = site.handle;
    const field = `${variantField(site)}.offsets`;
    if (h.offsets.length !== h.keyGroups.count) {
      report("KS-E050", { field }, `${plural(h.offsets.length, "offset")} for ${plural(h.keyGroups.count, "key group")}; there is one offset per key group`);
    }
    checkInsideFile(h, field, report);
    checkIncreasing(h, field, report);
  }
}

/** KS-E051: one finding per handle, naming the first offending offset and how many there are. */
function checkInsideFile(h: SavepointHandle, field: string, report: Report): void {
  const bad = h.offsets.flatMap((o, i) => (o >= h.dataFile.size ? [i] : []));
  const first = bad[0];
  if (first === undefined) return;
  report("KS-E051", { field: `${field}[${first}]`, path: h.dataFile.path },
    `offsets[${first}] = ${h.offsets[first]} is not less than data_file.size ${h.dataFile.size} (${plural(bad.length, "such offset")})`);
}

/** KS-E052: key groups are stored in order and each holds at least its end marker, so their offsets strictly increase. */
function checkIncreasing(h: SavepointHandle, field: string, report: Report): void {
  let first = -1;
  let count = 0;
  for (let i = 1; i < h.offsets.length; i++) {
    if (h.offsets[i]! <= h.offsets[i - 1]!) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  report("KS-E052", { field: `${field}[${first}]` },
    `offsets[${first}] = ${h.offsets[first]} is not greater than offsets[${first - 1}] = ${h.offsets[first - 1]} (${plural(count, "such offset")}); every key group holds at least its end marker, so offsets strictly increase`);
}
