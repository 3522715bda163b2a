/**
 * Orphans ([spec](../../spec/ownership.md#orphans)): files under `shared/` and
 * `chk-*` that no metadata refers to. A failed or interrupted delete leaves
 * them, and so does an aborted checkpoint; but an in-flight checkpoint's new
 * files look exactly the same, so only orphans older than a grace period may
 * be deleted (Iceberg's rule, with its default of 3 days).
 */
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { compareCodePoints } from "../body/canonical-order.js";
import { METADATA_FILE, SHARED_DIR } from "../storage/snapshot-root.js";

/** Grace period used when none is given: 3 days, in milliseconds. */
export const DEFAULT_GRACE_MS = 3 * 24 * 60 * 60 * 1000;

/** A file that no metadata refers to. */
export interface Orphan {
  /** Relative to the root, '/'-separated. */
  path: string;
  size: bigint;
  /** Last modification time, milliseconds since the Unix epoch. */
  modifiedMs: number;
  /** True when it was last modified before the grace period began. */
  deletable: boolean;
}

/**
 * The orphans under `root`, by path (code-point order). `known` holds every
 * path, relative to the root, that a metadata file refers to, and the metadata
 * files themselves. A folder holding a metadata file that is not in `known`
 * belongs to another snapshot and is skipped whole.
 */
export function findOrphans(root: string, known: ReadonlySet<string>, now: number, graceMs: number): Orphan[] {
  const found: Omit<Orphan, "deletable">[] = [];
  const tops = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && (d.name === SHARED_DIR || d.name.startsWith("chk-")))
    .map((d) => d.name);
  for (const top of tops) scan(root, top, known, found);
  return found
    .map((o) => ({ ...o, deletable: o.modifiedMs < now - graceMs }))
    .sort((a, b) => compareCodePoints(a.path, b.path));
}

function scan(root: string, rel: string, known: ReadonlySet<string>, found: Omit<Orphan, "deletable">[]): void {
  const dir = join(root, ...rel.split("/"));
  if (existsSync(join(dir, METADATA_FILE)) && !known.has(`${rel}/${METADATA_FILE}`)) return;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const path = `${rel}/${d.name}`;
    // Symbolic links are listed as files: deleting one never touches its target.
    if (d.isDirectory()) scan(root, path, known, found);
    else if (!known.has(path)) found.push(orphan(root, path));
  }
}

function orphan(root: string, path: string): Omit<Orphan, "deletable"> {
  const st = lstatSync(join(root, ...path.split("/")), { bigint: true });
  return { path, size: st.size, modifiedMs: Number(st.mtimeMs) };
}
