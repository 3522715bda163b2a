/**
 * Resolves a storage path without leaving the snapshot root
 * ([KS-E091](../../spec/validation.md#ks-e091)): the real path (every symbolic
 * link followed) must lie inside the real root, otherwise the file is not
 * opened. Links that stay inside the root are followed.
 */
import { lstat, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, sep } from "node:path";
import { resolveInRoot } from "../storage/paths.js";
import type { RuleId } from "./rules.js";

/** A regular file inside the root, or why it cannot be read. */
export type Confined =
  | { ok: true; realPath: string }
  | { ok: false; rule: RuleId; why: string };

/** True when `real` is strictly inside `realRoot` (both real, absolute paths). */
export function isInside(realRoot: string, real: string): boolean {
  const rel = relative(realRoot, real);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Where `path` (which keeps the path rules) really is, checked against `realRoot`. */
export async function confine(root: string, realRoot: string, path: string): Promise<Confined> {
  const local = resolveInRoot(root, path);
  let real: string;
  try {
    real = await realpath(local);
  } catch (e) {
    return { ok: false, ...(await unresolvable(local, e)) };
  }
  if (!isInside(realRoot, real)) {
    return { ok: false, rule: "KS-E091", why: `leads through a symbolic link to ${real}, outside the snapshot root ${realRoot}; it was not read` };
  }
  const st = await stat(real).catch((e: unknown) => e as NodeJS.ErrnoException);
  if (st instanceof Error) return { ok: false, rule: "KS-E104", why: `cannot be read: ${errnoText(st)}` };
  if (!st.isFile()) return { ok: false, rule: "KS-E101", why: `is ${kindOf(st)}, not a regular file` };
  return { ok: true, realPath: real };
}

async function unresolvable(local: string, e: unknown): Promise<{ rule: RuleId; why: string }> {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    const link = await lstat(local).then((st) => st.isSymbolicLink(), () => false);
    return { rule: "KS-E100", why: link ? "is a symbolic link to nothing (dangling)" : "does not exist" };
  }
  if (code === "ENOTDIR") return { rule: "KS-E100", why: "does not exist (a folder on its path is a file)" };
  return { rule: "KS-E104", why: `cannot be resolved: ${errnoText(e)}` };
}

/** A short reason for a failed file-system call, by errno code. */
export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ELOOP") return "a loop of symbolic links";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a folder";
  return code ?? (e instanceof Error ? e.message : String(e));
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "a special file";
}
