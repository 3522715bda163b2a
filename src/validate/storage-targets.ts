/**
 * The distinct storage files a set of snapshots refers to, each with the
 * distinct (size, xxh64) its refs expect. A shared file that a hundred
 * checkpoints list is read once ([spec](../../spec/validation.md#storage)).
 */
import { pathProblem } from "../storage/paths.js";
import type { LocatedInput } from "./located-input.js";
import { eachFile, type FileSite } from "../snapshot-walk.js";

/**
 * One expectation about a file: the first ref that states it (its field path is
 * built only if a finding needs it), and how many refs state it.
 */
export interface Expectation {
  size: bigint;
  xxh64: bigint;
  file: string;
  site: FileSite;
  refs: number;
}

/** One storage file to check. */
export interface StorageTarget {
  root: string;
  /** Relative to `root`; always keeps the path rules. */
  path: string;
  expectations: Expectation[];
}

/**
 * Targets in order of first reference. Paths that break the path rules are left
 * out: KS-E090 reports them and they are never resolved.
 */
export function collectTargets(inputs: readonly LocatedInput[]): StorageTarget[] {
  const targets: StorageTarget[] = [];
  const byRoot = new Map<string, Map<string, StorageTarget>>();
  for (const input of inputs) {
    let byPath = byRoot.get(input.root);
    if (byPath === undefined) byRoot.set(input.root, (byPath = new Map()));
    for (const site of eachFile(input.snapshot)) {
      const { path, size, xxh64 } = site.ref;
      if (pathProblem(path) !== undefined) continue;
      const expectation = { size, xxh64, file: input.metadataPath, site, refs: 1 };
      const target = byPath.get(path);
      if (target === undefined) {
        const created = { root: input.root, path, expectations: [expectation] };
        byPath.set(path, created);
        targets.push(created);
        continue;
      }
      const same = target.expectations.find((e) => e.size === size && e.xxh64 === xxh64);
      if (same !== undefined) same.refs++;
      else target.expectations.push(expectation);
    }
  }
  return targets;
}
