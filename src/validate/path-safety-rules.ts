/**
 * Path safety ([spec](../../spec/format-v1.md#paths); [KS-E090](../../spec/validation.md#ks-e090)):
 * every path, folder and snapshot_dir is relative, `/`-separated, without `.`,
 * `..`, empty segments, backslashes, drive letters or NUL. A path that breaks
 * these rules is reported here and never resolved by the storage checks. Every
 * root-relative path of 1.1 is one: whole files wherever they sit, the physical
 * files of segments, a stream-incremental handle's folder when set; an
 * external ref's URI is not (it is never resolved against the root).
 */
import type { Snapshot } from "../model.js";
import { pathProblem } from "../storage/paths.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { eachRootRef, eachStateHandle, fileField, variantField } from "../snapshot-walk.js";

/** Checks KS-E090 on snapshot_dir, every handle folder and every path of a file under the root. */
export function checkPathSafety(s: Snapshot, report: Report): void {
  const check = (path: string, field: string, what: string): void => {
    const problem = pathProblem(path);
    if (problem !== undefined) report("KS-E090", { field, path }, `${what} ${quote(path)} ${problem}; it is not resolved`);
  };
  if (s.snapshotDir !== "") check(s.snapshotDir, "snapshotDir", "snapshot_dir");
  for (const site of eachStateHandle(s)) {
    const h = site.handle;
    // The stream form's folder is optional ("" = none); the 1.0 form's is required.
    if (h.type === "incremental" || (h.type === "stream-incremental" && h.folder !== "")) check(h.folder, `${variantField(site)}.folder`, "folder");
  }
  for (const f of eachRootRef(s)) check(f.ref.path, `${fileField(f)}.path`, "path");
}
