/**
 * Snapshot ids are unique within a root ([KS-E110](../../spec/validation.md#ks-e110)):
 * two metadata files with one id make every reference to that id ambiguous.
 */
import type { Finding } from "./finding.js";
import type { History } from "./history.js";
import { finding } from "./rules.js";

/** Checks KS-E110: every snapshot after the first of its id is reported. */
export function checkHistoryIds(h: History): Finding[] {
  const out: Finding[] = [];
  for (const s of h.snapshots) {
    const first = h.byId.get(s.snapshot.snapshotId)!;
    if (first === s) continue;
    out.push(finding("KS-E110", { file: s.metadataPath, field: "snapshotId" },
      `snapshot_id ${s.snapshot.snapshotId} is also the id of ${first.metadataPath} in the same root`));
  }
  return out;
}
