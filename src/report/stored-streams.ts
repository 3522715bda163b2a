/**
 * The streams a snapshot stores under its root, each once: whole files by path, segments by path and offset. A
 * checkpoint's size is the sum of these, not of its refs, since two handles may name the same file.
 */
import type { Snapshot } from "../model.js";
import { eachRootRef, isSegmentSite, originOf, streamLength } from "../snapshot-walk.js";

/** One stored stream of a snapshot. */
export interface StoredStream {
  /** The path under the root (a segment's physical file). */
  path: string;
  bytes: number;
  /** The checkpoint that uploaded it when shared; undefined for an exclusive file, which its snapshot uploaded. */
  origin: bigint | undefined;
  segment: boolean;
}

/** Every distinct stream under the root that `snapshot` refers to, keyed by path (and offset, for a segment). */
export function storedStreams(snapshot: Snapshot): Map<string, StoredStream> {
  const out = new Map<string, StoredStream>();
  for (const r of eachRootRef(snapshot)) {
    const segment = isSegmentSite(r);
    const key = segment ? `${r.ref.path}@${r.ref.offset}` : r.ref.path;
    if (out.has(key)) continue;
    out.set(key, { path: r.ref.path, bytes: Number(streamLength(r.ref)), origin: originOf(r), segment });
  }
  return out;
}
