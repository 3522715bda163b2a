/**
 * What the registry needs of the files of one root before it can count them
 * ([spec](../../spec/ownership.md#history-validity)): one path is one file
 * ([KS-E093](../../spec/validation.md#ks-e093)), a file has one origin
 * ([KS-E117](../../spec/validation.md#ks-e117)), and a private, meta or data
 * file belongs to one snapshot only ([KS-E116](../../spec/validation.md#ks-e116)).
 * Checked on every root, a single snapshot included, by path: the path is what
 * garbage collection deletes. The physical file of segments (1.1) is one file
 * under one id however many segments name it, it has no origin of its own and
 * is never exclusive; but it is never also a whole file
 * ([KS-E095](../../spec/validation.md#ks-e095)).
 */
import { eachRootRef, fileField, isSegmentSite, originOf, type FileSite, type SegmentSite } from "../snapshot-walk.js";
import type { Finding } from "./finding.js";
import type { History } from "./history.js";
import type { LocatedInput } from "./located-input.js";
import { finding, type RuleId } from "./rules.js";
import { quote } from "./text.js";

/** The first ref seen of a path, and who holds it exclusively. */
interface PathRecord {
  id: string;
  origin: bigint;
  owner: LocatedInput;
  site: FileSite | SegmentSite;
  /** The first snapshot that refers to the path as a private, meta or data file. */
  exclusiveTo?: { owner: LocatedInput; site: FileSite };
}

/** Checks KS-E093 (one path, two ids), KS-E095 (one path, whole and segmented), KS-E116 and KS-E117 over the snapshots of one root, by id. */
export function checkFileSharing(h: History): Finding[] {
  const out: Finding[] = [];
  const paths = new Map<string, PathRecord>();
  const reported = new Set<string>();
  const report = (rule: RuleId, s: LocatedInput, f: FileSite | SegmentSite, message: string): void => {
    const key = `${rule}\0${s.metadataPath}\0${f.ref.path}`;
    if (reported.has(key)) return;
    reported.add(key);
    out.push(finding(rule, { file: s.metadataPath, field: fileField(f), path: f.ref.path }, message));
  };
  for (const s of h.snapshots) {
    for (const f of eachRootRef(s.snapshot)) {
      const origin = originOf(f) ?? s.snapshot.snapshotId;
      const seen = paths.get(f.ref.path);
      if (seen === undefined) {
        const record: PathRecord = { id: f.ref.id, origin, owner: s, site: f };
        if (!isSegmentSite(f) && f.role !== "shared") record.exclusiveTo = { owner: s, site: f };
        paths.set(f.ref.path, record);
        continue;
      }
      const at = `${fileField(seen.site)} of ${seen.owner.metadataPath}`;
      if (isSegmentSite(seen.site) !== isSegmentSite(f)) {
        const [here, there] = isSegmentSite(f) ? ["a segment's physical file", "a whole file"] : ["a whole file", "a segment's physical file"];
        report("KS-E095", s, f, `path ${quote(f.ref.path)} is ${here} here, but ${there} at ${at}: a file is either whole or segmented`);
        continue;
      }
      if (isSegmentSite(f)) {
        // Segments of one physical file come from many snapshots, each with its own origin: only the id must agree.
        if (seen.id !== f.ref.id) report("KS-E093", s, f, `path ${quote(f.ref.path)} is physical file ${quote(f.ref.id)} here, but ${quote(seen.id)} at ${at}: one path is one file`);
        continue;
      }
      if (seen.id !== f.ref.id) {
        report("KS-E093", s, f, `path ${quote(f.ref.path)} is file ${quote(f.ref.id)} here, but file ${quote(seen.id)} at ${at}: one path is one file`);
      } else if (seen.origin !== origin) {
        report("KS-E117", s, f, `file ${quote(f.ref.id)} has origin checkpoint ${origin} here (${originWord(f)}), but ${seen.origin} at ${at}`);
      }
      checkExclusive(seen, s, f, report);
    }
  }
  return out;
}

function checkExclusive(
  seen: PathRecord, s: LocatedInput, f: FileSite, report: (rule: RuleId, s: LocatedInput, f: FileSite | SegmentSite, m: string) => void,
): void {
  const owner = seen.exclusiveTo;
  if (owner === undefined) {
    if (f.role === "shared") return;
    // Exclusive here, but an earlier snapshot already referred to it.
    if (seen.owner.snapshot.snapshotId !== s.snapshot.snapshotId) {
      report("KS-E116", s, f, `${f.role} file ${quote(f.ref.path)} is also referred to by ${fileField(seen.site)} of ${seen.owner.metadataPath}: ` +
        "a private, meta or data file belongs to one snapshot");
    }
    seen.exclusiveTo = { owner: s, site: f };
    return;
  }
  // Two metadata files of one id are KS-E110's; between them nothing is foreign.
  if (owner.owner.snapshot.snapshotId === s.snapshot.snapshotId) return;
  report("KS-E116", s, f, `file ${quote(f.ref.path)} is ${owner.site.role === "operator" ? "an" : "a"} ${owner.site.role} file of ${owner.owner.metadataPath} (${fileField(owner.site)}): ` +
    "a private, meta or data file belongs to one snapshot");
}

function originWord(f: FileSite): string {
  return f.role === "shared" ? "its origin_checkpoint_id" : `a ${f.role} file is uploaded by the snapshot that lists it`;
}
