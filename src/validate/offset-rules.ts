/**
 * Offsets of a savepoint handle or a key-groups-stream handle (1.1): one per
 * key group, in order, each inside the data ([spec](../../spec/format-v1.md#savepointhandle);
 * [KS-E050](../../spec/validation.md#ks-e050), [KS-E051](../../spec/validation.md#ks-e051),
 * [KS-E052](../../spec/validation.md#ks-e052)). A key-groups stream's data is any
 * stream: its length is a whole or external file's size, a segment's length or
 * the inline bytes' count.
 */
import type { FileRef, KeyGroupsStreamHandle, SavepointHandle, Snapshot, StreamRef } from "../model.js";
import { pathOf } from "./file-contents.js";
import type { Report } from "./snapshot-rule.js";
import { plural } from "./text.js";
import { eachStateHandle, refKind, streamLength, variantField } from "../snapshot-walk.js";

/** Checks KS-E050, KS-E051 and KS-E052 on every savepoint and key-groups-stream handle, in every list. */
export function checkOffsets(s: Snapshot, report: Report): void {
  for (const site of eachStateHandle(s)) {
    const h = site.handle;
    if (h.type !== "savepoint" && h.type !== "key-groups-stream") continue;
    const field = `${variantField(site)}.offsets`;
    if (h.offsets.length !== h.keyGroups.count) {
      report("KS-E050", { field }, `${plural(h.offsets.length, "offset")} for ${plural(h.keyGroups.count, "key group")}; there is one offset per key group`);
    }
    checkInsideData(h, field, report);
    // Savepoint data holds an end marker per key group; a foreign key-groups stream may hold nothing for an empty one.
    checkNonDecreasing(h.offsets, field, "KS-E052", report, h.type === "savepoint");
  }
}

/** KS-E051: one finding per handle, naming the first offending offset and how many there are. */
function checkInsideData(h: SavepointHandle | KeyGroupsStreamHandle, field: string, report: Report): void {
  const data: FileRef | StreamRef = h.type === "savepoint" ? h.dataFile : h.data;
  const length = streamLength(data);
  // A key-groups stream's trailing empty key groups start at the data's end; a savepoint's key groups never are empty.
  const past = h.type === "savepoint" ? (o: bigint) => o >= length : (o: bigint) => o > length;
  const bad = h.offsets.flatMap((o, i) => (past(o) ? [i] : []));
  const first = bad[0];
  if (first === undefined) return;
  const what = h.type === "savepoint" ? "data_file.size" : `the data's length (${refKind(data)})`;
  report("KS-E051", { field: `${field}[${first}]`, ...pathOf(data) },
    `offsets[${first}] = ${h.offsets[first]} is ${h.type === "savepoint" ? "not less than" : "past"} ${what} ${length} (${plural(bad.length, "such offset")})`);
}

/**
 * `rule` (KS-E052, or KS-E054 for operator state) when `offsets` are out of
 * order: one finding, at the first offending offset, saying how many there are.
 * `strict`: savepoint data holds at least an end marker per key group, so its
 * offsets strictly increase; other streams' offsets only never decrease.
 */
export function checkNonDecreasing(offsets: readonly bigint[], field: string, rule: "KS-E052" | "KS-E054", report: Report, strict = false): void {
  let first = -1;
  let count = 0;
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]! || (strict && offsets[i] === offsets[i - 1])) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  const why = strict
    ? `is not greater than offsets[${first - 1}] = ${offsets[first - 1]} (${plural(count, "such offset")}); every key group holds at least its end marker, so offsets strictly increase`
    : `is less than offsets[${first - 1}] = ${offsets[first - 1]} (${plural(count, "decrease")}); offsets never decrease`;
  report(rule, { field: `${field}[${first}]` }, `offsets[${first}] = ${offsets[first]} ${why}`);
}
