/**
 * The lives of shared files over a history: which checkpoint uploaded each, the first and last that refer to it, and
 * which checkpoints gc keeps that refer to it (those pin it: it cannot be deleted while they live). Aggregated for
 * large roots: totals, histograms and top lists, with one row per file only for small ones.
 */
import { powerOfTwoHistogram } from "./histogram.js";
import type { HistoryEntry } from "./checkpoint-timeline.js";
import { MAX_LISTED_FILES, TOP_LIST_LENGTH, type FileLife, type FilesSection } from "./report-model.js";
import { storedStreams } from "./stored-streams.js";

/** How many pinning checkpoints a file lists. */
const MAX_PINNED_LISTED = 20;

interface Life {
  path: string;
  bytes: number;
  origin: bigint;
  first: bigint;
  last: bigint;
  usedBy: number;
  pinnedBy: bigint[];
}

/**
 * The files section of `history` (ascending ids); `retained` are the checkpoints gc would keep.
 */
export function fileLifetimes(history: readonly HistoryEntry[], retained: ReadonlySet<bigint>): FilesSection {
  const lives = new Map<string, Life>();
  const all = new Map<string, number>();
  const countedSegments = new Set<string>();
  for (const { snapshot } of history) {
    const id = snapshot.snapshotId;
    const seen = new Set<string>();
    for (const [key, s] of storedStreams(snapshot)) {
      all.set(key, s.bytes);
      if (s.origin === undefined) continue;
      // A physical file of shared segments is one file: its bytes are the sum of its segments seen.
      let life = lives.get(s.path);
      if (life === undefined) {
        life = { path: s.path, bytes: 0, origin: s.origin, first: id, last: id, usedBy: 0, pinnedBy: [] };
        lives.set(s.path, life);
      }
      if (!s.segment) life.bytes = s.bytes;
      else if (!countedSegments.has(key)) {
        countedSegments.add(key);
        life.bytes += s.bytes;
      }
      if (seen.has(s.path)) continue;
      seen.add(s.path);
      life.last = id;
      life.usedBy++;
      if (retained.has(id) && life.pinnedBy.length < MAX_PINNED_LISTED) life.pinnedBy.push(id);
    }
  }
  const latest = history.at(-1)?.snapshot.snapshotId;
  const rows = [...lives.values()].map((l) => toRow(l, latest));
  const living = rows.filter((r) => r.living);
  const byUploader = new Map<string, { bytes: number; files: number }>();
  for (const r of living) {
    const u = byUploader.get(r.uploadedBy) ?? { bytes: 0, files: 0 };
    u.bytes += r.bytes;
    u.files++;
    byUploader.set(r.uploadedBy, u);
  }
  let totalBytes = 0;
  for (const bytes of all.values()) totalBytes += bytes;
  const total = all.size;
  return {
    total, totalBytes,
    shared: rows.length, sharedBytes: sum(rows),
    living: living.length, livingBytes: sum(living),
    all: rows.length <= MAX_LISTED_FILES ? [...rows].sort((a, b) => compareIds(a.uploadedBy, b.uploadedBy) || cmp(a.path, b.path)) : [],
    oldestLiving: top(living, (a, b) => compareIds(a.uploadedBy, b.uploadedBy) || b.bytes - a.bytes || cmp(a.path, b.path)),
    largest: top(rows, (a, b) => b.bytes - a.bytes || cmp(a.path, b.path)),
    lifetimeHistogram: powerOfTwoHistogram(rows.map((r) => ({ value: r.usedBy, bytes: r.bytes }))),
    sizeHistogram: powerOfTwoHistogram(rows.map((r) => ({ value: r.bytes, bytes: r.bytes }))),
    livingBytesByUploader: history.map(({ snapshot }) => String(snapshot.snapshotId))
      .filter((id) => byUploader.has(id)).map((id) => ({ id, ...byUploader.get(id)! })),
  };
}

function toRow(l: Life, latest: bigint | undefined): FileLife {
  return {
    path: l.path, bytes: l.bytes, uploadedBy: String(l.origin), firstUsedBy: String(l.first), lastUsedBy: String(l.last),
    usedBy: l.usedBy, pinnedBy: l.pinnedBy.map(String), living: l.last === latest,
  };
}

/** The first {@link TOP_LIST_LENGTH} of `rows` in `order`, without sorting them all. */
function top(rows: readonly FileLife[], order: (a: FileLife, b: FileLife) => number): FileLife[] {
  const best: FileLife[] = [];
  for (const r of rows) {
    if (best.length === TOP_LIST_LENGTH && order(r, best[best.length - 1]!) >= 0) continue;
    let i = best.length;
    while (i > 0 && order(r, best[i - 1]!) < 0) i--;
    best.splice(i, 0, r);
    if (best.length > TOP_LIST_LENGTH) best.pop();
  }
  return best;
}

function sum(rows: readonly FileLife[]): number {
  return rows.reduce((n, r) => n + r.bytes, 0);
}

/** Decimal ids compared as numbers: a longer one is larger. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || cmp(a, b);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
