/**
 * Kind and properties must agree: a savepoint is self-contained and the user's,
 * a checkpoint is the system's, an incremental snapshot shares both ways
 * ([spec](../../spec/validation.md#ks-e020), KS-E020 to KS-E024).
 */
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { eachHandle, variantField } from "../snapshot-walk.js";

/** Checks KS-E020 to KS-E024. */
export function checkProperties(s: Snapshot, report: Report): void {
  const p = s.properties;
  if (s.kind === "savepoint" && p.sharing !== "none") {
    report("KS-E020", { field: "properties.sharing" }, `savepoint has sharing ${p.sharing}; a savepoint is self-contained (sharing none)`);
  }
  if (s.kind === "savepoint" && p.ownership !== "user") {
    report("KS-E021", { field: "properties.ownership" }, `savepoint has ownership ${p.ownership}; the user owns a savepoint (ownership user)`);
  }
  if (p.incremental && p.sharing !== "forward-backward") {
    report("KS-E022", { field: "properties.sharing" }, `incremental ${s.kind} has sharing ${p.sharing}; it reuses earlier files, so sharing must be forward-backward`);
  }
  if (s.kind === "checkpoint" && p.ownership !== "system") {
    report("KS-E023", { field: "properties.ownership" }, `checkpoint has ownership ${p.ownership}; the system owns and deletes checkpoint files (ownership system)`);
  }
  if (!p.incremental) checkNoReuse(s, report);
}

/** KS-E024: without `incremental`, no handle may refer to a file an earlier checkpoint uploaded. */
function checkNoReuse(s: Snapshot, report: Report): void {
  for (const site of eachHandle(s)) {
    const h = site.handle;
    if (h.type !== "incremental") continue;
    for (const [i, ref] of h.sharedFiles.entries()) {
      if (ref.originCheckpointId < h.checkpointId) {
        report("KS-E024", { field: `${variantField(site)}.sharedFiles[${i}]`, path: ref.path },
          `${s.kind} is not incremental, but shared file ${quote(ref.id)} was uploaded by earlier checkpoint ${ref.originCheckpointId} (handle checkpoint ${h.checkpointId})`);
      }
    }
  }
}
