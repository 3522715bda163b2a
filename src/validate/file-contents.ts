/**
 * File identity: one id always names the same content, and in practice the
 * same path ([spec](../../spec/format-v1.md#file-identity);
 * [KS-E071](../../spec/validation.md#ks-e071), [KS-W072](../../spec/validation.md#ks-w072)).
 * A segment's id is its physical file's, which is either whole or segmented,
 * never both ([KS-E095](../../spec/validation.md#ks-e095)). Shared by the
 * per-snapshot and the history checks.
 */
import { hashToHex } from "../hash/xxh64.js";
import type { FileRef, SegmentStream, StreamRef } from "../model.js";
import { refKind } from "../snapshot-walk.js";
import type { RuleId } from "./rules.js";
import { quote } from "./text.js";

/** `1234 bytes, xxh64 0123456789abcdef` */
export function describeContent(ref: FileRef): string {
  return `${ref.size} bytes, xxh64 ${hashToHex(ref.xxh64)}`;
}

/** A ref that names a file under the root: a whole file, or a segment of a physical file. */
export type RootRef = FileRef | SegmentStream;

/** `a whole file` or `the physical file of a segment`, for messages about a ref of either kind. */
export function describeKindOf(ref: RootRef): string {
  return refKind(ref) === "segment" ? "the physical file of a segment" : "a whole file";
}

/**
 * A ref of any kind in a message: `file "a"`, `segment [10, 30) of "p"`,
 * `6 inline bytes`, `external "s3://b/k"`.
 */
export function describeRef(ref: FileRef | StreamRef): string {
  switch (refKind(ref)) {
    case "file": return `file ${quote((ref as FileRef).id)}`;
    case "segment": {
      const seg = ref as SegmentStream;
      return `segment [${seg.offset}, ${seg.offset + seg.length}) of ${quote(seg.id)}`;
    }
    case "inline": return `${(ref as { data: Uint8Array }).data.length} inline bytes`;
    case "external": return `external ${quote((ref as { uri: string }).uri)}`;
  }
}

/**
 * The rule and message when `ref` disagrees with `earlier` (the first ref of the
 * same id, found at `earlierAt`); undefined when they agree. A whole file
 * against a segment outranks a content conflict, which outranks a path
 * conflict: only the first is reported. Segments have no content of their
 * physical file to compare.
 */
export function identityConflict(ref: RootRef, earlier: RootRef, earlierAt: string): { rule: RuleId; message: string } | undefined {
  const segment = refKind(ref) === "segment";
  if (segment !== (refKind(earlier) === "segment")) {
    return {
      rule: "KS-E095",
      message: `file id ${quote(ref.id)} is ${describeKindOf(ref)} here, but ${describeKindOf(earlier)} at ${earlierAt}; a file is either whole or segmented`,
    };
  }
  if (!segment) {
    const [a, b] = [ref as FileRef, earlier as FileRef];
    if (a.size !== b.size || a.xxh64 !== b.xxh64) {
      return {
        rule: "KS-E071",
        message: `file id ${quote(a.id)} is ${describeContent(a)} here, but ${describeContent(b)} at ${earlierAt}; one id always names the same content`,
      };
    }
  }
  if (ref.path !== earlier.path) {
    return { rule: "KS-W072", message: `file id ${quote(ref.id)} is at ${quote(ref.path)} here, but at ${quote(earlier.path)} at ${earlierAt}` };
  }
  return undefined;
}

/** `{ path }` of a ref that names a file under the root (whole or segment), for a finding's location; `{}` otherwise. */
export function pathOf(ref: FileRef | StreamRef): { path?: string } {
  const kind = refKind(ref);
  return kind === "file" || kind === "segment" ? { path: (ref as FileRef).path } : {};
}
