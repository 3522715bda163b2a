/**
 * A reused shared file was uploaded by an earlier checkpoint of the same
 * backend: the origin checkpoint, when the history retains it, lists the file
 * as its own upload by that backend ([KS-E111](../../spec/validation.md#ks-e111),
 * [KS-E112](../../spec/validation.md#ks-e112), [KS-W113](../../spec/validation.md#ks-w113)).
 * An origin older than the history's oldest snapshot was subsumed and is not
 * retained, which is normal (a warning); a missing origin inside the history's
 * range is a hole in it (an error). Shared refs of every 1.1 kind that names
 * storage count: whole files by id and segments by their byte range, in both
 * incremental forms (by backend) and in opaque handles (by kind).
 */
import type { KeyedStateHandle, SegmentStream, Snapshot } from "../model.js";
import type { Finding } from "./finding.js";
import type { History } from "./history.js";
import type { LocatedInput } from "./located-input.js";
import { finding } from "./rules.js";
import { Tally } from "./tally.js";
import { plural, quote } from "./text.js";
import { type AnyRefSite, eachRef, fileField, originOf, refKind } from "../snapshot-walk.js";
import { describeRef, pathOf } from "./file-contents.js";

/** Checks KS-E111, KS-E112 and KS-W113. */
export function checkHistoryOrigins(h: History): Finding[] {
  const out: Finding[] = [];
  const uploads = new Map<bigint, Map<string, string>>();
  const uploadsOf = (s: LocatedInput): Map<string, string> => {
    let m = uploads.get(s.snapshot.snapshotId);
    if (m === undefined) uploads.set(s.snapshot.snapshotId, (m = uploadedBy(s.snapshot)));
    return m;
  };
  for (const s of h.snapshots) {
    const missing = new Tally<bigint>();
    for (const r of sharedUnderRoot(s.snapshot)) {
      const origin = originOf(r)!;
      // Its own upload, or a later origin (KS-E061): nothing to look up.
      if (origin >= ownCheckpoint(s.snapshot, r)) continue;
      const uploader = h.byId.get(origin);
      if (uploader === undefined) {
        missing.add(origin, () => fileField(r));
        continue;
      }
      const handle = r.site!.handle;
      const backend = uploadsOf(uploader).get(uploadKey(r));
      const at = { file: s.metadataPath, field: fileField(r), ...pathOf(r.ref) };
      if (backend === undefined) {
        out.push(finding("KS-E111", at,
          `shared ${describeRef(r.ref)} names origin checkpoint ${origin}, but ${uploader.metadataPath} does not list it among the files it uploaded`));
      } else if (backend !== writerOf(handle)) {
        out.push(finding("KS-E111", at,
          `shared ${describeRef(r.ref)} was uploaded in checkpoint ${origin} by ${backend}, not by this handle's ${writerOf(handle)}`));
      }
    }
    out.push(...missingOrigins(h, s, missing));
  }
  return out;
}

/**
 * The shared refs of `snapshot` that name storage under the root: whole files
 * and segments. Inline bytes and external URIs are nobody's upload to count.
 */
function* sharedUnderRoot(snapshot: Snapshot): Generator<AnyRefSite> {
  for (const r of eachRef(snapshot)) {
    const kind = refKind(r.ref);
    if (r.role === "shared" && (kind === "file" || kind === "segment")) yield r;
  }
}

/** The checkpoint a shared ref's handle belongs to: its checkpoint_id, or the snapshot's id for an opaque handle. */
function ownCheckpoint(snapshot: Snapshot, r: AnyRefSite): bigint {
  const h = r.site!.handle;
  return h.type === "incremental" || h.type === "stream-incremental" ? h.checkpointId : snapshot.snapshotId;
}

/** Who uploads a handle's shared files: `backend "b0"`, or an opaque handle's kind. */
function writerOf(h: KeyedStateHandle): string {
  if (h.type === "incremental" || h.type === "stream-incremental") return `backend ${quote(h.backendId)}`;
  return h.type === "opaque" ? `opaque handle of kind ${quote(h.kind)}` : h.type;
}

/** A whole file is its id; a segment is its byte range of its physical file. */
function uploadKey(r: AnyRefSite): string {
  if (refKind(r.ref) !== "segment") return (r.ref as { id: string }).id;
  const seg = r.ref as SegmentStream;
  return `${seg.id}\0${seg.offset}\0${seg.length}`;
}

/** Upload key → writer of every shared file or segment `s` uploaded itself (origin = its own id). */
function uploadedBy(s: Snapshot): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of sharedUnderRoot(s)) {
    const key = uploadKey(r);
    if (originOf(r) === s.snapshotId && !m.has(key)) m.set(key, writerOf(r.site!.handle));
  }
  return m;
}

/** One finding per origin checkpoint that `s` names and the history lacks. */
function missingOrigins(h: History, s: LocatedInput, missing: Tally<bigint>): Finding[] {
  return [...missing.entries].map(([origin, { count, field }]) => {
    // The location is the first of them; the message says how many there are.
    const files = count === 1 ? "this shared file names" : `${plural(count, "shared file")}, this one first, name`;
    return origin >= h.oldest
      ? finding("KS-E112", { file: s.metadataPath, field },
        `${files} origin checkpoint ${origin}, which is missing from this history (ids ${h.oldest} to ${h.snapshots.at(-1)!.snapshot.snapshotId})`)
      : finding("KS-W113", { file: s.metadataPath, field },
        `${files} origin checkpoint ${origin}, older than this history's oldest snapshot ${h.oldest} (not retained); the upload cannot be cross-checked`);
  });
}
