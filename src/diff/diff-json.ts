/**
 * The JSON form of a diff ([spec](../../spec/diff-and-restore.md#diff-json)):
 * 64-bit values as decimal strings and hashes as 16 hex digits, as in the
 * snapshot's JSON form; streams as in [Streams in plans and diffs](../../spec/diff-and-restore.md#streams-in-plans-and-diffs).
 */
import { hashToHex } from "../hash/xxh64.js";
import type { FileRefJson } from "../json/json-types.js";
import { fileToJson } from "../json/to-json.js";
import type { Snapshot } from "../model.js";
import type {
  ChangedFile, FileOccurrence, FileTally, InlineTally, LocalNameChange, OperatorDiff, SnapshotDiff, SnapshotSummary, SubtaskDiff,
} from "../diff.js";
import { streamSummaryToJson, type StreamSummaryJson } from "../stream-ref.js";

/** The JSON form of `d` ([spec](../../spec/diff-and-restore.md#diff-json)). */
export function diffToJson(d: SnapshotDiff): DiffJson {
  const streams = (refs: Parameters<typeof streamSummaryToJson>[0][]) => refs.map(streamSummaryToJson);
  return {
    a: summaryJson(d.a),
    b: summaryJson(d.b),
    added: d.added.map(fileToJson),
    reused: d.reused.map(fileToJson),
    dropped: d.dropped.map(fileToJson),
    segments: { added: streams(d.segments.added), reused: streams(d.segments.reused), dropped: streams(d.segments.dropped) },
    external: { added: streams(d.external.added), reused: streams(d.external.reused), dropped: streams(d.external.dropped) },
    inline: { added: inlineJson(d.inline.added), reused: inlineJson(d.inline.reused), dropped: inlineJson(d.inline.dropped) },
    changed: d.changed.map((c) => ({
      ...identityJson(c),
      occurrences: c.occurrences.map((o) => ({ ...o, size: String(o.size), xxh64: hashToHex(o.xxh64) })),
    })),
    localNames: d.localNames.map((l) => ({ ...identityJson(l), a: l.a, b: l.b })),
    masterStates: d.masterStates.map((m) => ({ ...m })),
    uploadedBytes: String(d.uploadedBytes),
    fullBytes: String(d.fullBytes),
    operators: d.operators.map((op) => ({
      ...op,
      subtasks: op.subtasks.map((st) => ({ ...st, added: tallyJson(st.added), reused: tallyJson(st.reused), dropped: tallyJson(st.dropped) })),
    })),
  };
}

/** kind and id, and a segment's offset and length as decimal strings. */
function identityJson(c: Pick<ChangedFile, "kind" | "id" | "offset" | "length">): IdentityJson {
  return c.offset === undefined || c.length === undefined
    ? { kind: c.kind, id: c.id }
    : { kind: c.kind, id: c.id, offset: String(c.offset), length: String(c.length) };
}

function summaryJson(s: SnapshotSummary): SummaryJson {
  return { ...s, snapshotId: String(s.snapshotId), bytes: String(s.bytes) };
}

function tallyJson(t: FileTally): TallyJson {
  return { files: t.files, bytes: String(t.bytes) };
}

function inlineJson(t: InlineTally): { streams: number; bytes: string } {
  return { streams: t.streams, bytes: String(t.bytes) };
}

type TallyJson = { files: number; bytes: string };
type SummaryJson = Omit<SnapshotSummary, "snapshotId" | "bytes"> & { snapshotId: string; bytes: string };
type IdentityJson = { kind: ChangedFile["kind"]; id: string; offset?: string; length?: string };
type StoredJson = { added: StreamSummaryJson[]; reused: StreamSummaryJson[]; dropped: StreamSummaryJson[] };
/** The diff's JSON form ([spec](../../spec/diff-and-restore.md#diff-json)). */
export interface DiffJson {
  a: SummaryJson & { kind: Snapshot["kind"] };
  b: SummaryJson & { kind: Snapshot["kind"] };
  added: FileRefJson[];
  reused: FileRefJson[];
  dropped: FileRefJson[];
  segments: StoredJson;
  external: StoredJson;
  inline: { added: { streams: number; bytes: string }; reused: { streams: number; bytes: string }; dropped: { streams: number; bytes: string } };
  changed: (IdentityJson & { occurrences: (Omit<FileOccurrence, "size" | "xxh64"> & { size: string; xxh64: string })[] })[];
  localNames: (IdentityJson & Pick<LocalNameChange, "a" | "b">)[];
  masterStates: SnapshotDiff["masterStates"];
  uploadedBytes: string;
  fullBytes: string;
  operators: (Omit<OperatorDiff, "subtasks"> & {
    subtasks: (Omit<SubtaskDiff, "added" | "reused" | "dropped"> & { added: TallyJson; reused: TallyJson; dropped: TallyJson })[];
  })[];
}
