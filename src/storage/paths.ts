/**
 * Path rules of the storage layout ([spec](../../spec/format-v1.md#paths)): every
 * path in a snapshot is relative to the snapshot root, '/'-separated, with no
 * empty, '.' or '..' segments, no backslash and no NUL.
 */
import { KsnapError } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import { join } from "node:path";

/** Why `path` breaks the path rules, or undefined when it keeps them. */
export function pathProblem(path: string): string | undefined {
  if (path === "") return "is empty";
  if (path.includes("\0")) return "contains NUL";
  if (path.includes("\\")) return "contains a backslash (paths are '/'-separated)";
  if (path.startsWith("/")) return "is absolute (paths are relative to the snapshot root)";
  if (/^[A-Za-z]:/.test(path)) return "starts with a drive letter";
  if (Buffer.byteLength(path, "utf8") > FORMAT_LIMITS.maxStringBytes) return `is over ${FORMAT_LIMITS.maxStringBytes} bytes`;
  for (const segment of path.split("/")) {
    if (segment === "") return "has an empty segment ('//' or a trailing '/')";
    if (segment === "." || segment === "..") return `has a '${segment}' segment`;
  }
  return undefined;
}

/** The local path of `relative` under `root`, after checking the path rules (UNSAFE_PATH otherwise). */
export function resolveInRoot(root: string, relative: string): string {
  const problem = pathProblem(relative);
  if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `path "${relative}" ${problem}`);
  return join(root, ...relative.split("/"));
}

/** True when `path` lies strictly inside `dir` (both relative, '/'-separated); everything is inside the root (`""`). */
export function isUnder(path: string, dir: string): boolean {
  return dir === "" || (path.length > dir.length && path.charCodeAt(dir.length) === SLASH && path.startsWith(dir));
}

/** The folder of a relative '/'-separated path: `chk-1/h` for `chk-1/h/MANIFEST`, `""` at the top. */
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

const SLASH = 0x2f;
