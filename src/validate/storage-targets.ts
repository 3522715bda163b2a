/**
 * The distinct storage files a set of snapshots refers to, each with the
 * distinct (size, xxh64) its whole-file refs expect and the distinct segments
 * (offset, length, xxh64) its segment refs expect (1.1). A shared file that a
 * hundred checkpoints list is read once ([spec](../../spec/validation.md#storage)).
 * External refs are not storage under the root: they are collected apart, to be
 * reported unchecked.
 */
import { pathProblem } from "../storage/paths.js";
import type { LocatedInput } from "./located-input.js";
import { eachExternal, eachRootRef, type ExternalSite, type FileSite, isSegmentSite, type SegmentSite } from "../snapshot-walk.js";

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

/** One segment of a physical file, as its first ref states it, and how many refs state it. */
export interface SegmentExpectation {
  offset: bigint;
  length: bigint;
  /** 0n when not recorded. */
  xxh64: bigint;
  file: string;
  site: SegmentSite;
  refs: number;
}

/** One storage file to check. */
export interface StorageTarget {
  root: string;
  /** Relative to `root`; always keeps the path rules. */
  path: string;
  /** The first ref of the path, whole file or segment: findings about the file as a whole name it. */
  first: { file: string; site: FileSite | SegmentSite };
  /** What whole-file refs expect. */
  expectations: Expectation[];
  /** What segment refs expect of ranges of it (1.1). */
  segments: SegmentExpectation[];
}

/** One external URI a snapshot refers to, first ref and count. */
export interface ExternalTarget {
  uri: string;
  file: string;
  site: ExternalSite;
  refs: number;
}

/**
 * Targets in order of first reference. Paths that break the path rules are left
 * out: KS-E090 reports them and they are never resolved.
 */
export function collectTargets(inputs: readonly LocatedInput[]): StorageTarget[] {
  const targets: StorageTarget[] = [];
  const byRoot = new Map<string, Map<string, StorageTarget>>();
  // Physical files can hold thousands of segments: find a repeated one by key, not by scanning.
  const segmentsOf = new Map<StorageTarget, Map<string, SegmentExpectation>>();
  for (const input of inputs) {
    let byPath = byRoot.get(input.root);
    if (byPath === undefined) byRoot.set(input.root, (byPath = new Map()));
    const file = input.metadataPath;
    for (const site of eachRootRef(input.snapshot)) {
      const path = site.ref.path;
      if (pathProblem(path) !== undefined) continue;
      let target = byPath.get(path);
      if (target === undefined) {
        target = { root: input.root, path, first: { file, site }, expectations: [], segments: [] };
        byPath.set(path, target);
        targets.push(target);
      }
      if (isSegmentSite(site)) {
        const { offset, length, xxh64 } = site.ref;
        let known = segmentsOf.get(target);
        if (known === undefined) segmentsOf.set(target, (known = new Map()));
        const key = `${offset}:${length}:${xxh64}`;
        const same = known.get(key);
        if (same !== undefined) {
          same.refs++;
          continue;
        }
        const expectation = { offset, length, xxh64, file, site, refs: 1 };
        known.set(key, expectation);
        target.segments.push(expectation);
        continue;
      }
      const { size, xxh64 } = site.ref;
      const same = target.expectations.find((e) => e.size === size && e.xxh64 === xxh64);
      if (same !== undefined) same.refs++;
      else target.expectations.push({ size, xxh64, file, site, refs: 1 });
    }
  }
  return targets;
}

/** The distinct external URIs of `inputs`, in order of first reference. */
export function collectExternals(inputs: readonly LocatedInput[]): ExternalTarget[] {
  const byUri = new Map<string, ExternalTarget>();
  for (const input of inputs) {
    for (const site of eachExternal(input.snapshot)) {
      const seen = byUri.get(site.ref.uri);
      if (seen !== undefined) seen.refs++;
      else byUri.set(site.ref.uri, { uri: site.ref.uri, file: input.metadataPath, site, refs: 1 });
    }
  }
  return [...byUri.values()];
}
