/**
 * `flinkHistoryToSnapshots`: the retained checkpoints of one Flink root converted together, so that shared files get
 * history-wide origins ([spec/flink.md](../../spec/flink.md#origins-and-base)): a shared file's
 * `origin_checkpoint_id` is the lowest converted checkpoint id that refers to its path, and an incremental handle's
 * `base_checkpoint_id` the highest origin of its shared files below its `checkpoint_id` (0 if none).
 */
import { KsnapError } from "../errors.js";
import type { Snapshot, SnapshotKind } from "../model.js";
import { eachRef, eachStateHandle, originOf, refKind, type AnyRefSite } from "../snapshot-walk.js";
import { flinkToSnapshot } from "./convert.js";
import { NoteList, type ConversionNote } from "./convert-notes.js";
import type { FlinkMetadata } from "./flink-model.js";

/** One checkpoint of a history: its read `_metadata` and its folder relative to the root (`chk-42`). */
export interface FlinkHistoryCheckpoint {
  meta: FlinkMetadata;
  snapshotDir: string;
}

/** Options of {@link flinkHistoryToSnapshots}. */
export interface FlinkHistoryConversionOptions {
  /** Absolute path or URI of the job directory all the checkpoints belong to. */
  jobDir: string;
  /** Other spellings of the job directory (its real path, the URI Flink wrote): see FlinkConversionOptions. */
  jobDirAliases?: readonly string[];
  /** Required when the files have no CheckpointProperties (V2, V3); otherwise it must agree with them. */
  kind?: SnapshotKind;
}

/** The converted snapshots, in the order given, and the notes of their conversions (each code and message once). */
export interface FlinkHistoryConversion {
  snapshots: Snapshot[];
  notes: ConversionNote[];
}

/**
 * The key of what a shared ref names: a whole file or a segment by its (physical) path under the root, an external
 * file by its URI; undefined for inline bytes, which name no storage and keep their origin.
 */
function storageKey(r: AnyRefSite): string | undefined {
  switch (refKind(r.ref)) {
    case "file":
    case "segment": return `path\0${(r.ref as { path: string }).path}`;
    case "external": return `uri\0${(r.ref as { uri: string }).uri}`;
    case "inline": return undefined;
  }
}

/**
 * Converts the checkpoints of one root with {@link flinkToSnapshot}, then rewrites, on those fresh results, the
 * origin of every shared ref (incremental shared files, opaque handles' shared streams) to the lowest snapshot id of
 * the set that refers to the same path, and each incremental handle's base to the highest origin of its shared refs
 * below its checkpoint id. Nothing else changes. Errors are those of flinkToSnapshot, and INVALID_OPERATION for two
 * checkpoints with one snapshot id.
 */
export function flinkHistoryToSnapshots(
  checkpoints: readonly FlinkHistoryCheckpoint[], options: FlinkHistoryConversionOptions,
): FlinkHistoryConversion {
  const notes = new NoteList();
  const snapshots: Snapshot[] = [];
  const ids = new Set<bigint>();
  for (const c of checkpoints) {
    const converted = flinkToSnapshot(c.meta, {
      jobDir: options.jobDir, snapshotDir: c.snapshotDir,
      ...(options.jobDirAliases === undefined ? {} : { jobDirAliases: options.jobDirAliases }),
      ...(options.kind === undefined ? {} : { kind: options.kind }),
    });
    const id = converted.snapshot.snapshotId;
    if (ids.has(id)) {
      throw new KsnapError("INVALID_OPERATION", `two checkpoints with snapshot id ${id} (${c.snapshotDir}): a history converts each once`);
    }
    ids.add(id);
    for (const n of converted.notes) if (n.code !== "single-checkpoint-origins") notes.add(n.code, n.message, n.field);
    snapshots.push(converted.snapshot);
  }

  // Each conversion set origin = its own id: the lowest such id per path is the lowest checkpoint referring to it.
  const lowest = new Map<string, bigint>();
  for (const s of snapshots) {
    for (const r of eachRef(s)) {
      const key = r.role === "shared" ? storageKey(r) : undefined;
      if (key === undefined) continue;
      const seen = lowest.get(key);
      if (seen === undefined || s.snapshotId < seen) lowest.set(key, s.snapshotId);
    }
  }
  for (const s of snapshots) {
    for (const r of eachRef(s)) {
      const key = r.role === "shared" ? storageKey(r) : undefined;
      if (key !== undefined) (r.ref as { originCheckpointId: bigint }).originCheckpointId = lowest.get(key)!;
    }
    for (const site of eachStateHandle(s)) {
      const h = site.handle;
      if (h.type !== "incremental" && h.type !== "stream-incremental") continue;
      let base = 0n;
      for (const f of h.sharedFiles) {
        const origin = f.originCheckpointId;
        if (origin < h.checkpointId && origin > base) base = origin;
      }
      h.baseCheckpointId = base;
    }
  }

  if (snapshots.length > 0) {
    const oldest = snapshots.reduce((a, b) => (b.snapshotId < a.snapshotId ? b : a));
    let shared = 0;
    for (const r of eachRef(oldest)) if (originOf(r) !== undefined && storageKey(r) !== undefined) shared++;
    if (shared > 0) {
      notes.add("oldest-checkpoint-origins",
        `${oldest.snapshotDir} (snapshot ${oldest.snapshotId}) is the oldest converted checkpoint: the ${shared} shared ` +
        `reference${shared === 1 ? "" : "s"} it holds have origin ${oldest.snapshotId}, though an older checkpoint, no longer ` +
        "retained, may have uploaded them");
    }
  }
  return { snapshots, notes: notes.notes };
}
