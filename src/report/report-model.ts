/**
 * What `ksnap report` tells about a checkpoint root, a snapshot or a Flink job directory: the data both the HTML
 * page and `--json` are made from (schemas/report-v1.schema.json). Sizes are byte counts as JSON numbers (exact up to
 * 2^53 bytes, 8 PiB); checkpoint ids are decimal strings, as in the snapshot's own JSON form, since they are 64-bit.
 * Everything that grows with the number of files is aggregated (histograms, top lists, totals) so that a root with
 * 100,000 files gives a page of bounded size.
 */
import type { Severity } from "../validate/finding.js";

/** Version of this data's shape; bumped when a member changes meaning or is removed. */
export const REPORT_VERSION = 1;

/** How many rows a "top" list keeps (largest files, oldest living files). */
export const TOP_LIST_LENGTH = 50;

/** Up to this many shared files, each has its row; above, the top lists and histograms stand for them. */
export const MAX_LISTED_FILES = 200;

/** How many findings are listed one by one; the rest are counted per rule. */
export const MAX_LISTED_FINDINGS = 500;

/** Above this many key groups, an operator's key-group map is shown in buckets of consecutive key groups. */
export const MAX_KEY_GROUP_BUCKETS = 256;

/** The whole report. */
export interface ReportData {
  reportVersion: number;
  /** The path as given. */
  path: string;
  /** `ksnap` or `flink` (a Flink job directory or `_metadata`, read through its conversion). */
  layout: "ksnap" | "flink";
  /** When the report was made, ISO 8601. */
  generatedAt: string;
  summary: ReportSummary;
  findings: FindingsSection;
  checkpoints: CheckpointRow[];
  files: FilesSection;
  /** The state of the latest checkpoint (or of the snapshot, when the path is one); undefined when none could be read. */
  state: StateSection | undefined;
  gc: GcSection;
  savepoints: SavepointSection[];
}

/** The numbers at the top of the page. */
export interface ReportSummary {
  /** Metadata files found, readable or not. */
  metadataFiles: number;
  checkpoints: number;
  savepoints: number;
  /** Distinct files under the root that the snapshots refer to. */
  files: number;
  /** Their bytes. */
  bytes: number;
  errors: number;
  warnings: number;
}

/** One finding of `validate`, flattened. */
export interface ReportFinding {
  rule: string;
  severity: Severity;
  file: string;
  field: string;
  path: string;
  message: string;
}

/** The findings of `validate`: errors first. */
export interface FindingsSection {
  /** At most {@link MAX_LISTED_FINDINGS}, errors before warnings. */
  listed: ReportFinding[];
  /** Every finding, counted per rule (descending count). */
  byRule: { rule: string; severity: Severity; count: number }[];
  total: number;
}

/** One checkpoint of the history, by ascending id. */
export interface CheckpointRow {
  id: string;
  /** Its metadata file, as found under the path. */
  metadata: string;
  /** Milliseconds since the epoch as the snapshot records it (0 when it records none). */
  timestamp: number;
  /** Bytes of every distinct file (and segment) it refers to: what a restore reads. */
  fullBytes: number;
  /** Bytes it uploaded itself: shared files it is the origin of, and its exclusive files. */
  uploadedBytes: number;
  /** Bytes it refers to that earlier checkpoints uploaded. */
  reusedBytes: number;
  files: number;
  uploadedFiles: number;
  /** Errors `validate` found in its metadata file. */
  errors: number;
}

/** A shared file's life over the history. */
export interface FileLife {
  path: string;
  bytes: number;
  /** The checkpoint that uploaded it (its origin). */
  uploadedBy: string;
  /** The first and last checkpoint of the history that refer to it. */
  firstUsedBy: string;
  lastUsedBy: string;
  /** How many checkpoints refer to it. */
  usedBy: number;
  /** The checkpoints gc would keep that refer to it, ascending (at most 20): what keeps it alive. */
  pinnedBy: string[];
  /** True when the latest checkpoint refers to it. */
  living: boolean;
}

/** A bar of a histogram: `[from, to]` inclusive. */
export interface HistogramBin {
  from: number;
  to: number;
  files: number;
  bytes: number;
}

/** Files and their lifetimes. */
export interface FilesSection {
  /** Distinct files of every checkpoint, and of those the shared ones. */
  total: number;
  totalBytes: number;
  shared: number;
  sharedBytes: number;
  /** Shared files the latest checkpoint refers to. */
  living: number;
  livingBytes: number;
  /** Each shared file when there are at most {@link MAX_LISTED_FILES}; otherwise empty, and the lists below tell. */
  all: FileLife[];
  /** The living shared files uploaded longest ago, oldest first. */
  oldestLiving: FileLife[];
  /** The largest shared files, largest first. */
  largest: FileLife[];
  /** Shared files by the number of checkpoints that refer to them. */
  lifetimeHistogram: HistogramBin[];
  /** Shared files by size, in powers of two. */
  sizeHistogram: HistogramBin[];
  /** For each checkpoint (ascending), the bytes of the latest checkpoint's files it uploaded: how old the living state is. */
  livingBytesByUploader: { id: string; bytes: number; files: number }[];
}

/** State of one snapshot per operator. */
export interface StateSection {
  /** The snapshot shown. */
  snapshotId: string;
  kind: "checkpoint" | "savepoint";
  operators: OperatorRow[];
}

/** One operator of a snapshot. */
export interface OperatorRow {
  operatorId: string;
  name: string;
  uid: string;
  parallelism: number;
  maxParallelism: number;
  bytes: number;
  files: number;
  subtasks: { index: number; bytes: number; files: number; keyGroupStart: number; keyGroupCount: number }[];
  /**
   * Bytes per key group, in buckets of `bucketSize` consecutive key groups starting at 0; empty when the operator has
   * no keyed state. Exact for savepoint and key-groups-stream handles (their offsets); for an incremental handle its
   * bytes are spread evenly over its key groups, since its files are not split by key group.
   */
  keyGroupBytes: number[];
  bucketSize: number;
  /** Largest key-group bucket over the mean of the non-empty ones; 1 when even, 0 when no keyed state. */
  skew: number;
}

/** What gc would do with `--retain N`, dry run. */
export interface GcSection {
  /** False for a single snapshot or a folder that is not a checkpoint root. */
  applicable: boolean;
  /** Why not applicable, or why refused (one line). */
  reason: string;
  retain: number;
  /** The checkpoints subsumed and kept. */
  subsumed: string[];
  retained: string[];
  /** Files that would be deleted, and their bytes. */
  files: number;
  bytes: number;
  /** The largest of them. */
  largest: { path: string; bytes: number }[];
  /** Orphans older than the grace period, that would be deleted too. */
  orphans: number;
  orphanBytes: number;
  /** Findings that make gc refuse; gc deletes nothing when there is one. */
  refusals: ReportFinding[];
}

/** A savepoint's contents. */
export interface SavepointSection {
  id: string;
  metadata: string;
  operators: SavepointOperator[];
}

/** A savepoint's operator: per state, entries and bytes; per key group (bucketed) entries and bytes. */
export interface SavepointOperator {
  operatorId: string;
  name: string;
  /** Entries per state, from the KSNAP savepoint data files; empty for other handles (Flink's), which are not read. */
  states: { name: string; kind: string; entries: number; bytes: number }[];
  bucketSize: number;
  keyGroupEntries: number[];
  keyGroupBytes: number[];
  /** Data files that could not be read: one line each. */
  problems: string[];
}
