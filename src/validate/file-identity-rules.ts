/**
 * File ids within one snapshot: unique within each list of a handle, and one
 * content per id across the snapshot ([KS-E070](../../spec/validation.md#ks-e070),
 * [KS-E071](../../spec/validation.md#ks-e071), [KS-W072](../../spec/validation.md#ks-w072)),
 * and a file either whole or segmented ([KS-E095](../../spec/validation.md#ks-e095)).
 * The same id in two handles is fine (after rescaling, subtasks share files);
 * it must then denote the same file. Segments of one physical file share its
 * id, so KS-E070 counts whole files only.
 */
import { compareCodePoints } from "../body/canonical-order.js";
import type { FileRef, Snapshot, StreamRef } from "../model.js";
import { identityConflict } from "./file-contents.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { eachRootRef, eachStateHandle, fileField, type FileSite, refKind, type SegmentSite, variantField } from "../snapshot-walk.js";

/** Checks KS-E070, KS-E071, KS-W072 and KS-E095 (by id) within `s`. */
export function checkFileIdentity(s: Snapshot, report: Report): void {
  for (const site of eachStateHandle(s)) {
    const h = site.handle;
    const at = variantField(site);
    if (h.type === "incremental" || h.type === "stream-incremental") {
      checkUniqueIds(h.sharedFiles, `${at}.sharedFiles`, report);
      checkUniqueIds(h.privateFiles, `${at}.privateFiles`, report);
    } else if (h.type === "opaque") {
      checkUniqueIds(h.sharedFiles, `${at}.sharedFiles`, report);
      checkUniqueIds(h.files, `${at}.files`, report);
    }
  }
  checkOneContentPerId(s, report);
}

/**
 * KS-E070 among the whole files of one list: equal ids make its canonical
 * order ambiguous and the list ill-formed. A list in canonical order has its
 * duplicates side by side, which spares a map of every id for the common case
 * (lists of a million refs).
 */
function checkUniqueIds(list: readonly (FileRef | StreamRef)[], field: string, report: Report): void {
  const files: { ref: FileRef; index: number }[] = [];
  for (const [index, ref] of list.entries()) if (refKind(ref) === "file") files.push({ ref: ref as FileRef, index });
  const sorted = files.every((f, i) => i === 0 || compareCodePoints(files[i - 1]!.ref.id, f.ref.id) <= 0);
  const firstIndexOfId = new Map<string, number>();
  for (const [i, { ref, index }] of files.entries()) {
    const previous = i > 0 ? files[i - 1]! : undefined;
    let first: number | undefined;
    if (sorted) {
      if (previous?.ref.id !== ref.id) continue;
      let k = i - 1;
      while (k > 0 && files[k - 1]!.ref.id === ref.id) k--;
      first = files[k]!.index;
    } else {
      first = firstIndexOfId.get(ref.id);
      if (first === undefined) {
        firstIndexOfId.set(ref.id, index);
        continue;
      }
    }
    report("KS-E070", { field: `${field}[${index}]`, path: ref.path }, `file id ${quote(ref.id)} is also the id of ${field}[${first}]`);
  }
}

/**
 * KS-E071, KS-W072 and KS-E095 against the first ref of each id, whole file or segment. The map holds each id's first
 * ref, not its site: a million sites kept to the end cost more in garbage collection than the check itself. A site is
 * needed only to name the earlier ref in a finding, so the first sites are found again (once) when one is reported.
 */
function checkOneContentPerId(s: Snapshot, report: Report): void {
  const first = new Map<string, RootSite["ref"]>();
  let firstSites: Map<string, RootSite> | undefined;
  for (const f of eachRootRef(s)) {
    const earlier = first.get(f.ref.id);
    if (earlier === undefined) {
      first.set(f.ref.id, f.ref);
      continue;
    }
    if (identityConflict(f.ref, earlier, "") === undefined) continue;
    firstSites ??= firstSiteOfEachId(s);
    const conflict = identityConflict(f.ref, earlier, fileField(firstSites.get(f.ref.id)!))!;
    report(conflict.rule, { field: fileField(f), path: f.ref.path }, conflict.message);
  }
}

type RootSite = FileSite | SegmentSite;

/** The site of each id's first ref, by id. */
function firstSiteOfEachId(s: Snapshot): Map<string, RootSite> {
  const sites = new Map<string, RootSite>();
  for (const f of eachRootRef(s)) if (!sites.has(f.ref.id)) sites.set(f.ref.id, f);
  return sites;
}
