/**
 * The identities a diff compares refs by ([spec](../../spec/diff-and-restore.md#what-a-diff-compares)):
 * a whole file by its id, a segment by its physical file's id and its byte range,
 * an external file by its URI; inline bytes by their content.
 */
import { compareBigInts, compareCodePoints } from "../body/canonical-order.js";
import { xxh64 } from "../hash/xxh64.js";
import type { ExternalStream, FileRef, SegmentStream } from "../model.js";
import { refKind, streamLength, type AnyRefSite } from "../snapshot-walk.js";

/** A ref that names storage: a whole file under the root, a segment of a physical file, or an external file. */
export type StoredRef =
  | { kind: "file"; ref: FileRef }
  | { kind: "segment"; ref: SegmentStream }
  | { kind: "external"; ref: ExternalStream };

/** The stored ref `r` names; undefined for inline bytes, which name no storage. */
export function storedRef(r: AnyRefSite): StoredRef | undefined {
  switch (refKind(r.ref)) {
    case "file": return { kind: "file", ref: r.ref as FileRef };
    case "segment": return { kind: "segment", ref: r.ref as SegmentStream };
    case "external": return { kind: "external", ref: r.ref as ExternalStream };
    case "inline": return undefined;
  }
}

/** One string per identity, unique across kinds: `file <id>`, `segment ["<id>","<offset>","<length>"]`, `external <uri>`. */
export function storedKey(s: StoredRef): string {
  switch (s.kind) {
    case "file": return `file ${s.ref.id}`;
    case "segment": return `segment ${JSON.stringify([s.ref.id, String(s.ref.offset), String(s.ref.length)])}`;
    case "external": return `external ${s.ref.uri}`;
  }
}

/** The id a report names: a file's or segment's physical file id, an external file's URI. */
export function storedId(s: StoredRef): string {
  return s.kind === "external" ? s.ref.uri : s.ref.id;
}

/** Where the bytes are: a path under the root, or the URI. */
export function storedPath(s: StoredRef): string {
  return s.kind === "external" ? s.ref.uri : s.ref.path;
}

/** Bytes stored: a file's or external file's size, a segment's length. */
export function storedSize(s: StoredRef): bigint {
  return streamLength(s.ref);
}

/** Files by id, then segments by physical id, offset and length, then external files by URI. */
export function compareStored(a: StoredRef, b: StoredRef): number {
  const kinds = ["file", "segment", "external"];
  if (a.kind !== b.kind) return kinds.indexOf(a.kind) - kinds.indexOf(b.kind);
  const byId = compareCodePoints(storedId(a), storedId(b));
  if (byId !== 0 || a.kind !== "segment" || b.kind !== "segment") return byId;
  return compareBigInts(a.ref.offset, b.ref.offset) || compareBigInts(a.ref.length, b.ref.length);
}

/**
 * True when records of one identity disagree on content
 * ([spec](../../spec/diff-and-restore.md#changed-content)): a file's size or
 * hash differ; an external file's size, or its hashes where both are recorded
 * (non-zero); a segment's hashes where both are recorded (its range is its identity).
 */
export function contentsDiffer(records: readonly { size: bigint; xxh64: bigint }[], kind: StoredRef["kind"]): boolean {
  const sizes = new Set(records.map((r) => r.size));
  const hashes = new Set(records.map((r) => r.xxh64).filter((h) => kind === "file" || h !== 0n));
  return sizes.size > 1 || hashes.size > 1;
}

/** A set of byte strings compared exactly, bucketed by length and XXH64 so that a lookup compares few of them. */
export class ContentSet {
  private readonly buckets = new Map<string, Uint8Array[]>();
  size = 0;
  bytes = 0n;

  has(data: Uint8Array): boolean {
    return (this.buckets.get(bucketOf(data)) ?? []).some((d) => Buffer.compare(d, data) === 0);
  }

  /** Adds `data`; false when it was there already. */
  add(data: Uint8Array): boolean {
    if (this.has(data)) return false;
    const key = bucketOf(data);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) this.buckets.set(key, [data]);
    else bucket.push(data);
    this.size++;
    this.bytes += BigInt(data.length);
    return true;
  }

  *[Symbol.iterator](): Generator<Uint8Array> {
    for (const bucket of this.buckets.values()) yield* bucket;
  }
}

function bucketOf(data: Uint8Array): string {
  return `${data.length} ${xxh64(data)}`;
}
