/**
 * Across a history, one file id names one content and one path
 * ([KS-E071](../../spec/validation.md#ks-e071), [KS-W072](../../spec/validation.md#ks-w072)),
 * and a whole file or a segmented one, not both ([KS-E095](../../spec/validation.md#ks-e095)).
 * Each snapshot is compared with the first snapshot (by id) that lists the id;
 * conflicts inside one snapshot are `validateSnapshot`'s to report.
 */
import { identityConflict, type RootRef } from "./file-contents.js";
import type { Finding } from "./finding.js";
import type { History } from "./history.js";
import type { LocatedInput } from "./located-input.js";
import { finding } from "./rules.js";
import { eachRootRef, fileField } from "../snapshot-walk.js";

interface FirstRef {
  ref: RootRef;
  owner: LocatedInput;
  field: string;
}

/** Checks KS-E071, KS-W072 and KS-E095 between snapshots: at most one finding per (snapshot, file id). */
export function checkHistoryContent(h: History): Finding[] {
  const out: Finding[] = [];
  const first = new Map<string, FirstRef>();
  for (const s of h.snapshots) {
    const reported = new Set<string>();
    for (const f of eachRootRef(s.snapshot)) {
      const earlier = first.get(f.ref.id);
      if (earlier === undefined) {
        first.set(f.ref.id, { ref: f.ref, owner: s, field: fileField(f) });
        continue;
      }
      if (earlier.owner === s || reported.has(f.ref.id)) continue;
      const conflict = identityConflict(f.ref, earlier.ref, `${earlier.field} of ${earlier.owner.metadataPath}`);
      if (conflict === undefined) continue;
      reported.add(f.ref.id);
      out.push(finding(conflict.rule, { file: s.metadataPath, field: fileField(f), path: f.ref.path }, conflict.message));
    }
  }
  return out;
}
