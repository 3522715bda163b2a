/**
 * Writes whole Flink job directories from a {@link FlinkHistory}, as Flink lays them out:
 * `<job>/chk-<id>/_metadata` with the checkpoint's exclusive files beside it, `<job>/shared/<uuid>` for shared
 * (SST) files, `<job>/taskowned/`. Returns a plain description of which files each checkpoint references, so a
 * gc property test can check that nothing a retained checkpoint references is ever planned for deletion.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { mulberry32Uint32 } from "../../conformance/cases/mulberry32.js";
import type { FlinkMetadata, FlinkNamedHandle, FlinkOperator, FlinkStreamHandle } from "./metadata.js";
import { writeFlinkMetadata } from "./metadata.js";

/** A file the checkpoint that created it uploaded: a random UUID name and a size in bytes. */
export interface FlinkFilePlan {
  readonly uuid: string;
  readonly size: number;
  /** Written inline (tag 1) in `_metadata` instead of as a file. Inline streams are no files on disk. */
  readonly inline?: boolean;
}

/** A RocksDB SST uploaded to `<ownerJob>/shared/<uuid>` by checkpoint `uploadedBy` of `ownerJob`. */
export interface FlinkSharedFilePlan extends FlinkFilePlan {
  readonly localPath: string;
  readonly ownerJob: string;
  readonly uploadedBy: number;
}

/** A private (exclusive) file of one checkpoint: `chk-<id>/<uuid>`, or inline. */
export interface FlinkPrivateFilePlan extends FlinkFilePlan {
  readonly localPath: string;
}

/** One keyed subtask's incremental RocksDB snapshot. */
export interface FlinkSubtaskPlan {
  readonly index: number;
  readonly backendId: string;
  readonly keyGroups: { readonly start: number; readonly count: number };
  readonly meta: FlinkFilePlan;
  readonly shared: readonly FlinkSharedFilePlan[];
  readonly private: readonly FlinkPrivateFilePlan[];
  readonly stateHandleId: string;
}

/** A retained (completed, not subsumed) checkpoint: the source's operator state and the keyed operator's subtasks. */
export interface FlinkCheckpointPlan {
  readonly id: number;
  readonly sourceState: FlinkFilePlan;
  readonly subtasks: readonly FlinkSubtaskPlan[];
}

/** One job directory, named by its job id. */
export interface FlinkJobPlan {
  readonly jobId: string;
  readonly checkpoints: readonly FlinkCheckpointPlan[];
  /**
   * Files left behind (failed cleanup of subsumed checkpoints, aborted checkpoints), as paths relative to the job
   * dir (`shared/<uuid>`, `chk-<id>/<uuid>`). Those that a retained checkpoint of any job references are written
   * once, as referenced files, and are not orphans.
   */
  readonly leftovers: readonly { readonly path: string; readonly size: number }[];
}

/** Fixed operators of every generated job (the same ids in every job, as a restored job keeps them). */
export const FLINK_SOURCE_OPERATOR = { name: "Source: Custom Source", uid: "source", id: "1f2b5df5a66154aca61fcb26193792be" };
export const FLINK_KEYED_OPERATOR = { name: "Flat Map", uid: "keyed-flat-map", id: "d5c8b168c6cbfe8c507a10f88b325243" };
export const FLINK_SINK_OPERATOR = { name: "Sink: Unnamed", uid: "", id: "06d8049845c382d79d17d43c9ef349f7" };

/** What {@link writeFlinkJobDir} writes: job directories under one root. */
export interface FlinkHistory {
  readonly version: 4 | 5 | 6;
  /** How a shared file is written by the checkpoint that uploads it; later checkpoints always write it absolute. */
  readonly sharedStyle: "absolute" | "relative";
  /** Absolute paths as Flink prints a local `Path` (`file:/tmp/x`) or bare (`/tmp/x`). */
  readonly pathStyle: "file-uri" | "plain";
  readonly maxParallelism: number;
  readonly parallelism: number;
  readonly jobs: readonly FlinkJobPlan[];
}

/** One written checkpoint. Paths are absolute file-system paths (no scheme), sorted. */
export interface FlinkCheckpointDescription {
  readonly jobId: string;
  readonly checkpointId: number;
  readonly dir: string;
  readonly metadataPath: string;
  /** Every file its `_metadata` references (shared and exclusive; inline streams are no files). */
  readonly files: readonly string[];
  /** Those under some job's `shared/`, possibly another job's. */
  readonly sharedFiles: readonly string[];
  /** Those in its own `chk-<id>/`. */
  readonly exclusiveFiles: readonly string[];
  /** The model its `_metadata` was written from (for a reader round trip). */
  readonly metadata: FlinkMetadata;
}

/** The written tree. Paths are absolute file-system paths (no scheme), sorted. */
export interface FlinkJobDirsDescription {
  readonly root: string;
  readonly jobs: readonly {
    readonly jobId: string;
    readonly jobDir: string;
    readonly checkpoints: readonly FlinkCheckpointDescription[];
    /** Files in this job dir that no retained checkpoint of any job references. */
    readonly orphans: readonly string[];
  }[];
  /** Union of every checkpoint's `files`: what gc must never delete while those checkpoints are retained. */
  readonly referenced: readonly string[];
  /** Union of the jobs' orphans. */
  readonly orphans: readonly string[];
}

/**
 * Writes every job of `history` under `root` (created if missing) and describes what each checkpoint references.
 * File contents are deterministic bytes derived from each file's UUID.
 */
export function writeFlinkJobDir(root: string, history: FlinkHistory): FlinkJobDirsDescription {
  root = resolve(root);
  const files = new Map<string, number>(); // absolute path → size, every file to write
  const abs = (p: string) => (history.pathStyle === "file-uri" ? `file:${p}` : p);
  const jobs = history.jobs.map((job) => {
    const jobDir = join(root, job.jobId);
    mkdirSync(join(jobDir, "shared"), { recursive: true });
    mkdirSync(join(jobDir, "taskowned"), { recursive: true });
    const checkpoints = job.checkpoints.map((cp): FlinkCheckpointDescription => {
      const dir = join(jobDir, `chk-${cp.id}`);
      const shared = new Set<string>();
      const exclusive = new Set<string>();
      const own = (f: FlinkFilePlan): FlinkStreamHandle => {
        const path = join(dir, f.uuid);
        if (f.inline) return { kind: "inline", name: abs(path), data: contentOf(f.uuid, f.size) };
        exclusive.add(path);
        files.set(path, f.size);
        return { kind: "relative", relativePath: f.uuid, size: f.size };
      };
      const sharedHandle = (f: FlinkSharedFilePlan): FlinkNamedHandle => {
        const path = join(root, f.ownerJob, "shared", f.uuid);
        shared.add(path);
        files.set(path, f.size);
        const isNew = f.ownerJob === job.jobId && f.uploadedBy === cp.id;
        const handle: FlinkStreamHandle =
          isNew && history.sharedStyle === "relative"
            ? { kind: "relative", relativePath: `../shared/${f.uuid}`, size: f.size }
            : { kind: "file", path: abs(path), size: f.size };
        return { localPath: f.localPath, handle };
      };
      const source: FlinkOperator = {
        ...FLINK_SOURCE_OPERATOR,
        parallelism: 1,
        maxParallelism: history.maxParallelism,
        subtasks: [{
          index: 0,
          managedOperatorState: {
            states: [{ name: "source-state", mode: "UNION", offsets: [0] }],
            delegate: own(cp.sourceState),
          },
        }],
      };
      const keyed: FlinkOperator = {
        ...FLINK_KEYED_OPERATOR,
        parallelism: history.parallelism,
        maxParallelism: history.maxParallelism,
        subtasks: cp.subtasks.map((s) => {
          const uploaded = [s.meta, ...s.private, ...s.shared.filter((f) => f.ownerJob === job.jobId && f.uploadedBy === cp.id)];
          return {
            index: s.index,
            managedKeyedState: {
              kind: "incremental",
              checkpointId: cp.id,
              backendId: s.backendId,
              keyGroups: s.keyGroups,
              checkpointedSize: uploaded.reduce((n, f) => n + f.size, 0),
              meta: own(s.meta),
              shared: s.shared.map(sharedHandle),
              private: s.private.map((f) => ({ localPath: f.localPath, handle: own(f) })),
              stateHandleId: s.stateHandleId,
            },
          };
        }),
      };
      const sink: FlinkOperator = {
        ...FLINK_SINK_OPERATOR,
        parallelism: history.parallelism,
        maxParallelism: history.maxParallelism,
        subtasks: Array.from({ length: history.parallelism }, (_, index) => ({ index })),
      };
      const metadata: FlinkMetadata = { version: history.version, checkpointId: cp.id, operators: [source, keyed, sink], properties: "checkpoint" };
      mkdirSync(dir, { recursive: true });
      const metadataPath = join(dir, "_metadata");
      writeFileSync(metadataPath, writeFlinkMetadata(metadata));
      return {
        jobId: job.jobId, checkpointId: cp.id, dir, metadataPath,
        files: [...shared, ...exclusive].sort(), sharedFiles: [...shared].sort(), exclusiveFiles: [...exclusive].sort(),
        metadata,
      };
    });
    return { job, jobDir, checkpoints };
  });
  const referenced = new Set(files.keys());
  const described = jobs.map(({ job, jobDir, checkpoints }) => {
    const orphans: string[] = [];
    for (const l of job.leftovers) {
      const path = join(jobDir, l.path);
      if (referenced.has(path) || files.has(path)) continue;
      files.set(path, l.size);
      orphans.push(path);
    }
    return { jobId: job.jobId, jobDir, checkpoints, orphans: orphans.sort() };
  });
  for (const [path, size] of files) {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, contentOf(path.slice(path.lastIndexOf("/") + 1), size));
  }
  return {
    root,
    jobs: described,
    referenced: [...referenced].sort(),
    orphans: described.flatMap((j) => j.orphans).sort(),
  };
}

/** Deterministic content of `size` bytes for a file named `name`. */
export function contentOf(name: string, size: number): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  const next = mulberry32Uint32(h);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = next() & 0xff;
  return out;
}
