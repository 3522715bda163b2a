/**
 * Kind and properties must agree: a savepoint is self-contained and the user's,
 * a checkpoint is the system's, an incremental snapshot shares both ways
 * ([spec](../../spec/validation.md#ks-e020), KS-E020 to KS-E024).
 */
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { eachStateHandle, variantField } from "../snapshot-walk.js";
import { describeRef, pathOf } from "./file-contents.js";

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

/**
 * KS-E024: without `incremental`, no handle may refer to a file an earlier
 * checkpoint uploaded: a shared ref of either incremental form whose origin is
 * before the handle's checkpoint, or of an opaque handle before the snapshot.
 */
function checkNoReuse(s: Snapshot, report: Report): void {
  for (const site of eachStateHandle(s)) {
    const h = site.handle;
    if (h.type !== "incremental" && h.type !== "stream-incremental" && h.type !== "opaque") continue;
    const own = h.type === "opaque" ? s.snapshotId : h.checkpointId;
    for (const [i, ref] of h.sharedFiles.entries()) {
      if (ref.originCheckpointId < own) {
        report("KS-E024", { field: `${variantField(site)}.sharedFiles[${i}]`, ...pathOf(ref) },
          `${s.kind} is not incremental, but shared ${describeRef(ref)} was uploaded by earlier checkpoint ${ref.originCheckpointId} (handle checkpoint ${own})`);
      }
    }
  }
}
