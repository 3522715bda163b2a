/**
 * Gathers a report's data from a path: validate it (every finding), take its checkpoints as the history (timeline,
 * file lifetimes, the latest one's state), plan gc as a dry run, and read the savepoints' data files. Problems in
 * the history become findings shown first, never the end of the report: only a path that holds no snapshot at all
 * (or cannot be read) is an error.
 */
import { compareBigInts } from "../body/canonical-order.js";
import { KsnapError } from "../errors.js";
import { loadAnyTree, type AnyTreeOptions } from "../flink/load-any-tree.js";
import { DEFAULT_GRACE_MS } from "../gc/gc-orphans.js";
import { runGc } from "../gc/gc-run.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import type { Storage } from "../storage/storage.js";
import type { Finding } from "../validate/finding.js";
import { validateTree } from "../validate/validate-path.js";
import { checkpointTimeline, type HistoryEntry } from "./checkpoint-timeline.js";
import { fileLifetimes } from "./file-lifetimes.js";
import { emptyGcSection, flatFinding, gcNotApplicable, gcSection } from "./gc-summary.js";
import { operatorState } from "./operator-state.js";
import { MAX_LISTED_FINDINGS, REPORT_VERSION, type FindingsSection, type GcSection, type ReportData, type SavepointSection } from "./report-model.js";
import { savepointContents } from "./savepoint-contents.js";
import { storedStreams } from "./stored-streams.js";
import type { LocatedSnapshot } from "../storage/snapshot-root.js";

/** Options of {@link collectReport}. */
export interface ReportOptions {
  /** The `--retain` of the gc dry run (default 1). */
  retain?: number;
  /** gc's grace period for orphans, in milliseconds (default 3 days). */
  graceMs?: number;
  /** Check the referenced files on storage (existence, size, xxh64), as validate does. Default true. */
  storage?: boolean;
  /** How Flink input is read (its `--kind`, `--job-uri`). */
  flink?: AnyTreeOptions;
  store?: Storage;
  /** The clock, for the orphans' grace period and the report's date. */
  now?: number;
}

/**
 * The report of `path`: a checkpoint root, a snapshot (its metadata file or folder) or a Flink job directory.
 * @throws KsnapError IO_ERROR when `path` cannot be read or holds no metadata file.
 */
export async function collectReport(path: string, options: ReportOptions = {}): Promise<ReportData> {
  const store = options.store ?? LOCAL_STORAGE;
  const now = options.now ?? Date.now();
  const retain = options.retain ?? 1;
  const storage = options.storage ?? true;
  const load = (p: string, s: Storage) => loadAnyTree(p, s, { ...options.flink, strayFiles: storage });
  const { result, tree } = await validateTree(path, { store, storage, load });
  const located = tree.loaded.flatMap((l) => (l.located === undefined ? [] : [{ file: l.file, located: l.located }]));
  const history: HistoryEntry[] = located.filter((l) => l.located.snapshot.kind === "checkpoint")
    .map((l) => ({ snapshot: l.located.snapshot, file: l.file }))
    .sort((a, b) => compareBigInts(a.snapshot.snapshotId, b.snapshot.snapshotId));
  const errorsByFile = new Map<string, number>();
  for (const f of result.findings) {
    if (f.severity === "error" && f.location.file !== undefined) errorsByFile.set(f.location.file, (errorsByFile.get(f.location.file) ?? 0) + 1);
  }
  const gc = await gcDryRun(path, tree.folder !== undefined && history.length > 0, retain, options.graceMs ?? DEFAULT_GRACE_MS, store, now, load);
  const retained = new Set(gc.applicable && gc.refusals.length === 0
    ? gc.retained.map(BigInt)
    : history.slice(-retain).map((h) => h.snapshot.snapshotId));
  // Metadata files as the user reads them: relative to the path reported on (the findings keep validate's names).
  const shownFile = (file: string): string => (tree.folder === undefined ? undefined : store.relativeTo(path, file)) || file;
  const savepoints: SavepointSection[] = [];
  for (const l of located) {
    if (l.located.snapshot.kind === "savepoint") {
      savepoints.push(await savepointContents(l.located.snapshot, l.located.root, shownFile(l.file), store));
    }
  }
  const shown = history.at(-1)?.snapshot ?? located.at(-1)?.located.snapshot ?? tree.loaded.at(-1)?.snapshot;
  const checkpoints = checkpointTimeline(history, errorsByFile).map((c) => ({ ...c, metadata: shownFile(c.metadata) }));
  const files = fileLifetimes(history, retained);
  return {
    reportVersion: REPORT_VERSION, path, layout: tree.layout ?? "ksnap", generatedAt: new Date(now).toISOString(),
    summary: {
      metadataFiles: tree.metadataFiles.length, checkpoints: history.length, savepoints: savepoints.length,
      ...referencedTotals(located.map((l) => l.located)), errors: result.summary.errors, warnings: result.summary.warnings,
    },
    findings: findingsSection(result.findings),
    checkpoints, files,
    state: shown === undefined ? undefined : operatorState(shown),
    gc, savepoints,
  };
}

/** Distinct files (and segments) under their roots that any of `snapshots` refers to, checkpoints and savepoints alike, and their bytes. */
function referencedTotals(snapshots: readonly LocatedSnapshot[]): { files: number; bytes: number } {
  const seen = new Set<string>();
  let bytes = 0;
  for (const l of snapshots) {
    for (const [key, s] of storedStreams(l.snapshot)) {
      const where = `${l.root}\u0000${key}`;
      if (seen.has(where)) continue;
      seen.add(where);
      bytes += s.bytes;
    }
  }
  return { files: seen.size, bytes };
}

/** gc as a dry run when `isRoot`; when gc does not take the folder, the section says why. */
async function gcDryRun(path: string, isRoot: boolean, retain: number, graceMs: number, store: Storage, now: number,
  load: (p: string, s: Storage) => ReturnType<typeof loadAnyTree>): Promise<GcSection> {
  if (!isRoot) return emptyGcSection(retain, "gc does not apply: the path is a single snapshot, not a checkpoint root");
  try {
    return gcSection(await runGc(path, { retain, apply: false, graceMs }, { store, now, load }), retain);
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    return gcNotApplicable(e, retain);
  }
}

/** Errors before warnings, then in validate's order; at most {@link MAX_LISTED_FINDINGS} listed, every one counted. */
function findingsSection(findings: readonly Finding[]): FindingsSection {
  const ordered = [...findings.filter((f) => f.severity === "error"), ...findings.filter((f) => f.severity === "warning")];
  const byRule = new Map<string, { rule: string; severity: Finding["severity"]; count: number }>();
  for (const f of findings) {
    const r = byRule.get(f.rule) ?? { rule: f.rule, severity: f.severity, count: 0 };
    r.count++;
    byRule.set(f.rule, r);
  }
  return {
    listed: ordered.slice(0, MAX_LISTED_FINDINGS).map(flatFinding),
    byRule: [...byRule.values()].sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : 1)),
    total: findings.length,
  };
}
