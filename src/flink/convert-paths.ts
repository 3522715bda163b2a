/**
 * Where a Flink file reference points, in KSNAP terms ([spec](../../spec/flink.md#file-ids-and-paths)): a tag 6
 * relative path is under the snapshot's folder; a tag 2 absolute path (`file:/…`, `/…`, `s3://…`) is under the root
 * when, after normalizing scheme and authority, it starts with the root's URI and `/`, and is external otherwise.
 */
import { KsnapError } from "../errors.js";
import { pathProblem } from "../storage/paths.js";

/** An absolute location: lower-case scheme, authority (`""` for local files), absolute path without `//` or a trailing `/`. */
export interface FlinkLocation {
  scheme: string;
  authority: string;
  path: string;
}

/** A `.` or `..` segment of a path. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s;

/**
 * Parses an absolute path or URI as Flink prints it: `/a/b` and `file:/a/b`, `file:///a/b`, `file://localhost/a/b`
 * are all the local file `/a/b`; `s3://bucket/a` keeps its authority. Undefined when `text` is not absolute.
 */
export function parseFlinkLocation(text: string): FlinkLocation | undefined {
  let scheme = "file";
  let authority = "";
  let rest = text;
  if (!text.startsWith("/")) {
    const m = SCHEME.exec(text);
    if (m === null || m[1]!.length === 1) return undefined; // no scheme, or a drive letter
    scheme = m[1]!.toLowerCase();
    rest = m[2]!;
    if (rest.startsWith("//")) {
      const slash = rest.indexOf("/", 2);
      authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
      rest = slash < 0 ? "/" : rest.slice(slash);
    }
    if (!rest.startsWith("/")) return undefined;
  }
  if (scheme === "file" && authority.toLowerCase() === "localhost") authority = "";
  if (scheme !== "file") authority = authority.toLowerCase();
  let path = rest.includes("//") ? rest.replace(/\/{2,}/g, "/") : rest;
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return { scheme, authority, path };
}

/** The normalized URI of a location: `file:///a/b`, `s3://bucket/a`. */
export function locationUri(l: FlinkLocation): string {
  return `${l.scheme}://${l.authority}${l.path}`;
}

/** A reference resolved: a path relative to the root, or an absolute URI outside it. */
export type ResolvedPath = { kind: "root"; path: string } | { kind: "external"; uri: string };

/** Resolves Flink's file references against one snapshot root and snapshot folder. */
export class FlinkPathResolver {
  private readonly roots: FlinkLocation[] = [];

  /**
   * `jobDir`: absolute path or URI of the snapshot root, or undefined when not known (every absolute path is then
   * external). `aliases`: other spellings of the same root (its real path, the URI Flink wrote it under when it is
   * read here under another path): a path under any of them is under the root.
   */
  constructor(jobDir: string | undefined, private readonly snapshotDir: string, aliases: readonly string[] = []) {
    if (jobDir !== undefined) for (const dir of [jobDir, ...aliases]) this.roots.push(parseRoot(dir));
    if (snapshotDir !== "") {
      const problem = pathProblem(snapshotDir);
      if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `snapshot dir "${snapshotDir}" ${problem}`, { field: "snapshotDir" });
    }
  }

  /** Tag 6: `relPath` is relative to the folder holding `_metadata`. UNSAFE_PATH when it breaks the path rules. */
  relative(relPath: string, field: string): string {
    const problem = pathProblem(relPath);
    if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `relative path ${JSON.stringify(relPath)} ${problem}`, { field });
    const path = this.snapshotDir === "" ? relPath : `${this.snapshotDir}/${relPath}`;
    const whole = pathProblem(path);
    if (whole !== undefined) throw new KsnapError("UNSAFE_PATH", `path ${JSON.stringify(path)} ${whole}`, { field });
    return path;
  }

  /**
   * Tag 2 (and a segment's physical file): under the root → its root-relative path, else external by its normalized
   * URI. INVALID_FIELD when `text` is not absolute; UNSAFE_PATH when it has a `.` or `..` segment (never resolved).
   */
  absolute(text: string, field: string): ResolvedPath {
    const loc = parseFlinkLocation(text);
    if (loc === undefined) throw new KsnapError("INVALID_FIELD", `file path ${JSON.stringify(text)} is not an absolute path or URI`, { field });
    if (DOT_SEGMENT.test(loc.path)) {
      throw new KsnapError("UNSAFE_PATH", `file path ${JSON.stringify(text)} has a '.' or '..' segment`, { field });
    }
    for (const r of this.roots) {
      const path = pathUnder(r, loc);
      if (path === undefined) continue;
      const problem = pathProblem(path);
      if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `path ${JSON.stringify(path)} ${problem}`, { field });
      return { kind: "root", path };
    }
    return { kind: "external", uri: locationUri(loc) };
  }
}

/** `loc` relative to `root` when it lies strictly under it (same scheme and authority), else undefined. */
export function pathUnder(root: FlinkLocation, loc: FlinkLocation): string | undefined {
  if (root.scheme !== loc.scheme || root.authority !== loc.authority) return undefined;
  const prefix = root.path === "/" ? "/" : `${root.path}/`;
  return loc.path.startsWith(prefix) && loc.path.length > prefix.length ? loc.path.slice(prefix.length) : undefined;
}

/** A job dir as a location: INVALID_OPERATION when it is not absolute, UNSAFE_PATH with a `.` or `..` segment. */
function parseRoot(jobDir: string): FlinkLocation {
  const root = parseFlinkLocation(jobDir);
  if (root === undefined) throw new KsnapError("INVALID_OPERATION", `job dir ${JSON.stringify(jobDir)} is not an absolute path or URI`);
  if (root.path.split("/").some((s) => s === "." || s === "..")) {
    throw new KsnapError("UNSAFE_PATH", `job dir ${JSON.stringify(jobDir)} has a '.' or '..' segment`);
  }
  return root;
}
