/**
 * Segments of one physical file (1.1, [spec](../../spec/format-v1.md#segmentref))
 * do not overlap unless they are the same segment: the same `offset` and
 * `length` referred to twice is sharing, but two different byte ranges over
 * the same bytes mean one of them is not what was written there
 * ([KS-E056](../../spec/validation.md#ks-e056)). Checked within a snapshot and,
 * between snapshots, across the history of a root.
 */
import type { Finding } from "./finding.js";
import type { History } from "./history.js";
import type { LocatedInput } from "./located-input.js";
import { finding } from "./rules.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";
import type { Snapshot } from "../model.js";
import { eachSegment, fileField, type SegmentSite } from "../snapshot-walk.js";

/** A byte range `[offset, end)` of a physical file and what refers to it. */
interface Span {
  offset: bigint;
  end: bigint;
  site: SegmentSite;
  owner?: LocatedInput;
}

/**
 * Pairs `[later, earlier]` of non-empty spans that overlap without being the
 * same range; each span is paired with the one reaching furthest before it.
 * Identical ranges are kept once, the first in `spans` order.
 */
function overlaps(spans: readonly Span[]): [Span, Span][] {
  const distinct = new Map<string, Span>();
  for (const s of spans) if (s.end > s.offset && !distinct.has(`${s.offset}:${s.end}`)) distinct.set(`${s.offset}:${s.end}`, s);
  const sorted = [...distinct.values()].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  const out: [Span, Span][] = [];
  let reach: Span | undefined;
  for (const s of sorted) {
    if (reach !== undefined && s.offset < reach.end) out.push([s, reach]);
    if (reach === undefined || s.end > reach.end) reach = s;
  }
  return out;
}

/** The segments of `snapshot` by physical path, as spans. */
function spansByPath(snapshot: Snapshot, owner?: LocatedInput, into = new Map<string, Span[]>()): Map<string, Span[]> {
  for (const site of eachSegment(snapshot)) {
    const { path, offset, length } = site.ref;
    const span: Span = { offset, end: offset + length, site, ...(owner ? { owner } : {}) };
    const list = into.get(path);
    if (list === undefined) into.set(path, [span]);
    else list.push(span);
  }
  return into;
}

function describe(s: Span): string {
  return `[${s.offset}, ${s.end})`;
}

/** Checks KS-E056 within one snapshot. */
export function checkSegmentOverlaps(s: Snapshot, report: Report): void {
  for (const [path, spans] of spansByPath(s)) {
    for (const [later, earlier] of overlaps(spans)) {
      report("KS-E056", { field: fileField(later.site), path },
        `segment ${describe(later)} of ${quote(path)} overlaps segment ${describe(earlier)} at ${fileField(earlier.site)}; two different segments never share bytes`);
    }
  }
}

/**
 * Checks KS-E056 between the snapshots of a history: overlaps within one
 * snapshot are {@link checkSegmentOverlaps}'s. Reported in the later snapshot.
 */
export function checkSegmentOverlapsAcross(h: History): Finding[] {
  const byPath = new Map<string, Span[]>();
  for (const s of h.snapshots) spansByPath(s.snapshot, s, byPath);
  const rank = new Map(h.snapshots.map((s, i) => [s, i]));
  const out: Finding[] = [];
  for (const [path, spans] of byPath) {
    for (const [a, b] of overlaps(spans)) {
      if (a.owner === b.owner) continue;
      const [later, earlier] = rank.get(a.owner!)! > rank.get(b.owner!)! ? [a, b] : [b, a];
      out.push(finding("KS-E056", { file: later.owner!.metadataPath, field: fileField(later.site), path },
        `segment ${describe(later)} of ${quote(path)} overlaps segment ${describe(earlier)} at ${fileField(earlier.site)} of ${earlier.owner!.metadataPath}; two different segments never share bytes`));
    }
  }
  return out;
}
