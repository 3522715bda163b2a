/**
 * Master states (1.1, [spec](../../spec/format-v1.md#masterstate)): one per
 * coordinator hook, named by the hook's identifier, so names are unique
 * ([KS-E038](../../spec/validation.md#ks-e038)). Two states under one name give
 * a restore two answers for one hook.
 */
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";

/** Checks KS-E038. */
export function checkMasterStates(s: Snapshot, report: Report): void {
  const firstIndexOfName = new Map<string, number>();
  for (const [i, m] of (s.masterStates ?? []).entries()) {
    const first = firstIndexOfName.get(m.name);
    if (first === undefined) firstIndexOfName.set(m.name, i);
    else report("KS-E038", { field: `masterStates[${i}].name` }, `master state name ${quote(m.name)} is also the name of masterStates[${first}]`);
  }
}
