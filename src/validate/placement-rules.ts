/**
 * Where files sit in the storage layout: shared files under `shared/`, a
 * snapshot's exclusive files under its own folder and a handle's private and
 * meta files under the handle's folder ([spec](../../spec/format-v1.md#storage-layout);
 * [KS-W075](../../spec/validation.md#ks-w075), [KS-W076](../../spec/validation.md#ks-w076),
 * [KS-W077](../../spec/validation.md#ks-w077)). Warnings: paths elsewhere still resolve,
 * but cleanup by folder would then delete or keep the wrong files. Whole files
 * of 1.1 structures are placed by role (operator and coordinator state are
 * exclusive); segments are not placed: their physical files are the
 * registry's wherever they are, and inline and external refs name no file here.
 */
import type { IncrementalHandle, KeyedStateHandle, Snapshot, StreamIncrementalHandle } from "../model.js";
import { isUnder } from "../storage/paths.js";
import { SHARED_DIR } from "../storage/snapshot-root.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { eachFile, eachStateHandle, fileField, variantField } from "../snapshot-walk.js";

/** Checks KS-W075, KS-W076 and KS-W077. */
export function checkPlacement(s: Snapshot, report: Report): void {
  const dir = s.snapshotDir;
  for (const site of eachStateHandle(s)) {
    const h = site.handle;
    // A handle may use the snapshot's folder itself (a converted Flink checkpoint's handles do).
    if (hasFolder(h) && h.folder !== dir && !isUnder(h.folder, dir)) {
      report("KS-W076", { field: `${variantField(site)}.folder`, path: h.folder }, `handle folder ${quote(h.folder)} is not under the snapshot's folder ${quote(dir)}`);
    }
  }
  for (const f of eachFile(s)) {
    const { path } = f.ref;
    const where = { field: `${fileField(f)}.path`, path };
    if (f.role === "shared") {
      if (!isUnder(path, SHARED_DIR)) report("KS-W075", where, `shared file ${quote(path)} is not under ${SHARED_DIR}/`);
      continue;
    }
    if (!isUnder(path, dir)) report("KS-W076", where, `${f.role} file ${quote(path)} is not under the snapshot's folder ${quote(dir)}`);
    const h = f.site?.handle;
    if (h !== undefined && hasFolder(h) && !isUnder(path, h.folder)) {
      report("KS-W077", where, `${f.role} file ${quote(path)} is not under its handle's folder ${quote(h.folder)}`);
    }
  }
}

/** An incremental handle of either form with a folder (optional, "" = none, in the stream form). */
function hasFolder(h: KeyedStateHandle): h is IncrementalHandle | StreamIncrementalHandle {
  return (h.type === "incremental" || h.type === "stream-incremental") && h.folder !== "";
}
