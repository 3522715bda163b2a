/**
 * Lineage has no gaps: the base checkpoint a handle builds on is in the history
 * ([KS-E114](../../spec/validation.md#ks-e114), [KS-W115](../../spec/validation.md#ks-w115)).
 * A base older than the oldest snapshot was subsumed (a warning); a base
 * missing inside the history's range is a gap (an error).
 */
import type { Finding } from "./finding.js";
import type { History } from "./history.js";
import { finding } from "./rules.js";
import { Tally } from "./tally.js";
import { plural } from "./text.js";
import { eachStateHandle, variantField } from "../snapshot-walk.js";

/** Checks KS-E114 and KS-W115, once per (snapshot, missing base). */
export function checkHistoryLineage(h: History): Finding[] {
  const out: Finding[] = [];
  for (const s of h.snapshots) {
    const missing = new Tally<bigint>();
    for (const site of eachStateHandle(s.snapshot)) {
      const handle = site.handle;
      if (handle.type !== "incremental" && handle.type !== "stream-incremental") continue;
      const base = handle.baseCheckpointId;
      // 0 is a full upload; a base not before the handle's checkpoint is KS-E060.
      if (base === 0n || base >= handle.checkpointId || h.byId.has(base)) continue;
      missing.add(base, () => `${variantField(site)}.baseCheckpointId`);
    }
    for (const [base, { count, field }] of missing.entries) {
      const handles = count === 1 ? "this handle builds" : `${plural(count, "handle")}, this one first, build`;
      out.push(base >= h.oldest
        ? finding("KS-E114", { file: s.metadataPath, field },
          `${handles} on checkpoint ${base}, which is missing from this history: the lineage has a gap`)
        : finding("KS-W115", { file: s.metadataPath, field },
          `${handles} on checkpoint ${base}, older than this history's oldest snapshot ${h.oldest} (not retained)`));
    }
  }
  return out;
}
