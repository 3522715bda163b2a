/**
 * Path safety ([spec](../../spec/format-v1.md#paths); [KS-E090](../../spec/validation.md#ks-e090)):
 * every path, folder and snapshot_dir is relative, `/`-separated, without `.`,
 * `..`, empty segments, backslashes, drive letters or NUL. A path that breaks
 * these rules is reported here and never resolved by the storage checks.
 */
import type { Snapshot } from "../model.js";
import { pathProblem } from "../storage/paths.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { eachFile, eachHandle, fileField, variantField } from "../snapshot-walk.js";

/** Checks KS-E090 on snapshot_dir, every handle folder and every file path. */
export function checkPathSafety(s: Snapshot, report: Report): void {
  const check = (path: string, field: string, what: string): void => {
    const problem = pathProblem(path);
    if (problem !== undefined) report("KS-E090", { field, path }, `${what} ${quote(path)} ${problem}; it is not resolved`);
  };
  if (s.snapshotDir !== "") check(s.snapshotDir, "snapshotDir", "snapshot_dir");
  for (const site of eachHandle(s)) {
    if (site.handle.type === "incremental") check(site.handle.folder, `${variantField(site)}.folder`, "folder");
  }
  for (const f of eachFile(s)) check(f.ref.path, `${fileField(f)}.path`, "path");
}
