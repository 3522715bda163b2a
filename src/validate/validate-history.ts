/**
 * History validation: the snapshots of one root taken together
 * ([spec](../../spec/validation.md#history)). Pure: no I/O.
 */
import type { Finding } from "./finding.js";
import { type History, histories } from "./history.js";
import { checkHistoryContent } from "./history-content.js";
import { checkHistoryIds } from "./history-ids.js";
import { checkHistoryLineage } from "./history-lineage.js";
import { checkHistoryOrigins } from "./history-origins.js";
import type { LocatedInput } from "./located-input.js";

/**
 * The history findings of `located`, by root and then by snapshot id; a root
 * with a single snapshot has no history and gets none (rules of group
 * `history`, and KS-E071/KS-W072 across snapshots; [spec](../../spec/validation.md#history)).
 */
export function validateHistory(located: readonly LocatedInput[]): Finding[] {
  return histories(located).filter((h) => h.snapshots.length > 1).flatMap(checkHistory);
}

function checkHistory(h: History): Finding[] {
  const found = [...checkHistoryIds(h), ...checkHistoryOrigins(h), ...checkHistoryLineage(h), ...checkHistoryContent(h)];
  const rank = new Map(h.snapshots.map((s, i) => [s.metadataPath, i]));
  const rankOf = (f: Finding): number => rank.get(f.location.file ?? "") ?? h.snapshots.length;
  // Array.prototype.sort is stable: within a snapshot, findings keep the order of the checks.
  return found.sort((a, b) => rankOf(a) - rankOf(b));
}
