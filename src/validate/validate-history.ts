/**
 * History validation: the snapshots of one root taken together
 * ([spec](../../spec/validation.md#history)). Pure: no I/O.
 */
import type { Finding } from "./finding.js";
import { type History, histories } from "./history.js";
import { checkFileSharing } from "./file-sharing-rules.js";
import { checkHistoryContent } from "./history-content.js";
import { checkHistoryIds } from "./history-ids.js";
import { checkHistoryLineage } from "./history-lineage.js";
import { checkHistoryOrigins } from "./history-origins.js";
import type { LocatedInput } from "./located-input.js";
import { checkSegmentOverlapsAcross } from "./segment-rules.js";

/**
 * The history findings of `located`, by root and then by snapshot id (rules of
 * group `history`, KS-E071/KS-W072/KS-E095 and KS-E056 across snapshots, and
 * KS-E093 for one path named by two ids; [spec](../../spec/validation.md#history)).
 * How the files of a root are shared (KS-E093, KS-E095, KS-E116, KS-E117) is
 * checked on every root; the other rules need two snapshots or more.
 */
export function validateHistory(located: readonly LocatedInput[]): Finding[] {
  return histories(located).flatMap(checkHistory);
}

function checkHistory(h: History): Finding[] {
  const found = [...checkFileSharing(h)];
  if (h.snapshots.length > 1) {
    found.push(...checkHistoryIds(h), ...checkHistoryOrigins(h), ...checkHistoryLineage(h), ...checkHistoryContent(h), ...checkSegmentOverlapsAcross(h));
  }
  const rank = new Map(h.snapshots.map((s, i) => [s.metadataPath, i]));
  const rankOf = (f: Finding): number => rank.get(f.location.file ?? "") ?? h.snapshots.length;
  // Array.prototype.sort is stable: within a snapshot, findings keep the order of the checks.
  return found.sort((a, b) => rankOf(a) - rankOf(b));
}
