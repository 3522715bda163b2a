/**
 * File ids within one snapshot: unique within each list of a handle, and one
 * content per id across the snapshot ([KS-E070](../../spec/validation.md#ks-e070),
 * [KS-E071](../../spec/validation.md#ks-e071), [KS-W072](../../spec/validation.md#ks-w072)).
 * The same id in two handles is fine (after rescaling, subtasks share files);
 * it must then denote the same file.
 */
import { compareFiles, isSorted } from "../body/canonical-order.js";
import type { FileRef, Snapshot } from "../model.js";
import { identityConflict } from "./file-contents.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { eachFile, eachHandle, fileField, type FileSite, variantField } from "../snapshot-walk.js";

/** Checks KS-E070, KS-E071 and KS-W072 within `s`. */
export function checkFileIdentity(s: Snapshot, report: Report): void {
  for (const site of eachHandle(s)) {
    const h = site.handle;
    if (h.type !== "incremental") continue;
    checkUniqueIds(h.sharedFiles, `${variantField(site)}.sharedFiles`, report);
    checkUniqueIds(h.privateFiles, `${variantField(site)}.privateFiles`, report);
  }
  checkOneContentPerId(s, report);
}

/**
 * KS-E070: equal ids in one list make its canonical order ambiguous and the list
 * ill-formed. A list in canonical order has its duplicates side by side, which
 * spares a map of every id for the common case (lists of a million refs).
 */
function checkUniqueIds(files: readonly FileRef[], list: string, report: Report): void {
  if (isSorted(files, compareFiles)) {
    for (let i = 1; i < files.length; i++) {
      const f = files[i]!;
      if (f.id !== files[i - 1]!.id) continue;
      let first = i - 1;
      while (first > 0 && files[first - 1]!.id === f.id) first--;
      report("KS-E070", { field: `${list}[${i}]`, path: f.path }, `file id ${quote(f.id)} is also the id of ${list}[${first}]`);
    }
    return;
  }
  const firstIndexOfId = new Map<string, number>();
  for (const [i, f] of files.entries()) {
    const first = firstIndexOfId.get(f.id);
    if (first === undefined) firstIndexOfId.set(f.id, i);
    else report("KS-E070", { field: `${list}[${i}]`, path: f.path }, `file id ${quote(f.id)} is also the id of ${list}[${first}]`);
  }
}

/** KS-E071 and KS-W072 against the first ref of each id. */
function checkOneContentPerId(s: Snapshot, report: Report): void {
  const first = new Map<string, FileSite>();
  for (const f of eachFile(s)) {
    const earlier = first.get(f.ref.id);
    if (earlier === undefined) {
      first.set(f.ref.id, f);
      continue;
    }
    const conflict = identityConflict(f.ref, earlier.ref, fileField(earlier));
    if (conflict !== undefined) report(conflict.rule, { field: fileField(f), path: f.ref.path }, conflict.message);
  }
}
