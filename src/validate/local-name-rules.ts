/**
 * Local names (1.1, [spec](../../spec/format-v1.md#local-names)): the name a
 * backend gives a file in its working folder when it restores, such as
 * `000031.sst` or `MANIFEST-000005`. A restore writes a file under that name,
 * so it MUST be a plain file name (no `/`, `\` or NUL, not `.` or `..`, at
 * most 255 bytes of UTF-8), and unique within its handle, or one file lands on
 * another or outside the working folder ([KS-E078](../../spec/validation.md#ks-e078),
 * [KS-E079](../../spec/validation.md#ks-e079)). The decoder may check the shape
 * too; this is the safety net for snapshots from JSON or built in memory.
 */
import type { FileRef, Snapshot, StreamRef } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import { type AnyRefSite, eachRef, eachStateHandle, fileField, refsOf } from "../snapshot-walk.js";

/** The longest file name common file systems accept, in bytes of UTF-8. */
const MAX_NAME_BYTES = 255;

/** Why `name` is not a plain file name, or undefined when it is one. */
export function localNameProblem(name: string): string | undefined {
  if (name.includes("/")) return "contains '/'";
  if (name.includes("\\")) return "contains a backslash";
  if (name.includes("\0")) return "contains NUL";
  if (name === "." || name === "..") return `is '${name}'`;
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) return `is over ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/** The local name a ref records, or undefined when none ("" is none). */
function localNameOf(ref: FileRef | StreamRef): string | undefined {
  const name = ref.localName;
  return name === undefined || name === "" ? undefined : name;
}

/** Checks KS-E078 on every ref and KS-E079 within every handle. */
export function checkLocalNames(s: Snapshot, report: Report): void {
  for (const r of eachRef(s)) {
    const name = localNameOf(r.ref);
    const problem = name === undefined ? undefined : localNameProblem(name);
    if (problem !== undefined) {
      report("KS-E078", { field: `${fileField(r)}.localName` }, `local name ${quote(name!)} ${problem}; a local name is a plain file name in the backend's working folder`);
    }
  }
  for (const site of eachStateHandle(s)) {
    const first = new Map<string, AnyRefSite>();
    for (const r of refsOf(site)) {
      const name = localNameOf(r.ref);
      if (name === undefined) continue;
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, r);
      else report("KS-E079", { field: `${fileField(r)}.localName` }, `local name ${quote(name)} is also the local name of ${fileField(earlier)}; a restore would write both to one file`);
    }
  }
}
