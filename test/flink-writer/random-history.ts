/**
 * Seeded random Flink histories for {@link writeFlinkJobDir}: one job taking N incremental RocksDB checkpoints
 * (new SSTs flushed, compaction dropping old ones, retention of the last few), leftovers of subsumed and aborted
 * checkpoints, and optionally a second job started from one of the first job's checkpoints whose checkpoints
 * reference the first job's `shared/` files by absolute path.
 */
import fc from "fast-check";
import { mulberry32Uint32 } from "../../conformance/cases/mulberry32.js";
import type {
  FlinkCheckpointPlan, FlinkFilePlan, FlinkHistory, FlinkJobPlan, FlinkSharedFilePlan, FlinkSubtaskPlan,
} from "./job-dir.js";

/** Choices for {@link randomFlinkHistory}; each unset one is drawn from the seed. */
export interface RandomFlinkHistoryOptions {
  readonly checkpoints?: number;
  readonly parallelism?: number;
  /** How many of the latest checkpoints each job retains (Flink's `state.checkpoints.num-retained`). */
  readonly retain?: number;
  readonly secondJob?: boolean;
  readonly version?: 4 | 5 | 6;
  readonly sharedStyle?: "absolute" | "relative";
  readonly pathStyle?: "file-uri" | "plain";
}

interface Rng {
  int(min: number, max: number): number;
  chance(p: number): boolean;
  hex(n: number): string;
  uuid(): string;
}

function rng(seed: number): Rng {
  const next = mulberry32Uint32(seed);
  const r: Rng = {
    int: (min, max) => min + (next() % (max - min + 1)),
    chance: (p) => next() / 4294967296 < p,
    hex: (n) => Array.from({ length: n }, () => (next() & 15).toString(16)).join(""),
    uuid: () => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`,
  };
  return r;
}

/** Flink's KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex. */
function keyGroups(maxParallelism: number, parallelism: number, index: number) {
  const start = Math.floor((index * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((index + 1) * maxParallelism - 1) / parallelism);
  return { start, count: end - start + 1 };
}

interface Backend {
  backendId: string;
  live: FlinkSharedFilePlan[];
  fileNumber: number;
}

/** Runs one job from `firstId` on; returns every checkpoint it completed (the caller picks the retained ones). */
function runJob(r: Rng, jobId: string, firstId: number, count: number, backends: Backend[], h: { maxParallelism: number; parallelism: number }) {
  const all: { plan: FlinkCheckpointPlan; uploadedShared: FlinkSharedFilePlan[] }[] = [];
  const file = (size: number, inline = false): FlinkFilePlan => ({ uuid: r.uuid(), size, ...(inline ? { inline } : {}) });
  for (let id = firstId; id < firstId + count; id++) {
    const uploaded: FlinkSharedFilePlan[] = [];
    const sst = (b: Backend) => {
      const f: FlinkSharedFilePlan = { ...file(r.int(20, 300)), localPath: `${String(b.fileNumber++).padStart(6, "0")}.sst`, ownerJob: jobId, uploadedBy: id };
      uploaded.push(f);
      return f;
    };
    const subtasks = backends.map((b, index): FlinkSubtaskPlan => {
      if (b.live.length >= 2 && r.chance(0.35)) {
        const drop = r.int(2, b.live.length);
        b.live = b.live.slice(drop); // compaction merges the oldest `drop` SSTs into one
        b.live.push(sst(b));
      }
      for (let n = r.int(b.live.length === 0 ? 1 : 0, 2); n > 0; n--) b.live.push(sst(b));
      const manifest = b.fileNumber++;
      return {
        index,
        backendId: b.backendId,
        keyGroups: keyGroups(h.maxParallelism, h.parallelism, index),
        meta: file(r.int(30, 120), r.chance(0.5)),
        shared: [...b.live],
        private: [
          { ...file(r.int(40, 200)), localPath: `MANIFEST-${String(manifest).padStart(6, "0")}` },
          { ...file(16, true), localPath: "CURRENT" },
          { ...file(r.int(100, 400), r.chance(0.3)), localPath: `OPTIONS-${String(manifest + 1).padStart(6, "0")}` },
        ],
        stateHandleId: r.uuid(),
      };
    });
    all.push({ plan: { id, sourceState: file(r.int(20, 60), r.chance(0.3)), subtasks }, uploadedShared: uploaded });
  }
  return all;
}

function exclusiveOf(cp: FlinkCheckpointPlan): FlinkFilePlan[] {
  return [cp.sourceState, ...cp.subtasks.flatMap((s) => [s.meta, ...s.private])].filter((f) => !f.inline);
}

function finishJob(r: Rng, jobId: string, run: ReturnType<typeof runJob>, retain: number): FlinkJobPlan {
  const retained = run.slice(-retain).map((c) => c.plan);
  const leftovers: { path: string; size: number }[] = [];
  for (const c of run.slice(0, -retain)) {
    if (!r.chance(0.3)) continue; // Flink's cleanup of the subsumed checkpoint failed
    for (const f of exclusiveOf(c.plan)) leftovers.push({ path: `chk-${c.plan.id}/${f.uuid}`, size: f.size });
    for (const f of c.uploadedShared) leftovers.push({ path: `shared/${f.uuid}`, size: f.size });
  }
  if (r.chance(0.5)) {
    // an aborted checkpoint: uploads without a _metadata
    const id = (run.at(-1)?.plan.id ?? 0) + 1;
    for (let n = r.int(1, 3); n > 0; n--) leftovers.push({ path: `chk-${id}/${r.uuid()}`, size: r.int(10, 100) });
    for (let n = r.int(0, 3); n > 0; n--) leftovers.push({ path: `shared/${r.uuid()}`, size: r.int(10, 100) });
  }
  return { jobId, checkpoints: retained, leftovers };
}

/** A random {@link FlinkHistory}, the same for the same seed and options. */
export function randomFlinkHistory(seed: number, options: RandomFlinkHistoryOptions = {}): FlinkHistory {
  const r = rng(seed);
  const h = {
    maxParallelism: 128,
    parallelism: options.parallelism ?? r.int(1, 3),
  };
  const count = options.checkpoints ?? r.int(1, 8);
  const retain = options.retain ?? r.int(1, 3);
  const version = options.version ?? ([4, 5, 6] as const)[r.int(0, 2)]!;
  const sharedStyle = options.sharedStyle ?? (r.chance(0.5) ? "absolute" : "relative");
  const pathStyle = options.pathStyle ?? (r.chance(0.5) ? "file-uri" : "plain");
  const secondJob = options.secondJob ?? r.chance(0.6);
  const newBackends = () => Array.from({ length: h.parallelism }, (): Backend => ({ backendId: r.uuid(), live: [], fileNumber: 8 }));

  const job1 = r.hex(32);
  const backends1 = newBackends();
  const snapshots: Backend[][] = []; // the backends' live SSTs after each checkpoint, for a restore
  const run1: ReturnType<typeof runJob> = [];
  for (let i = 0; i < count; i++) {
    run1.push(...runJob(r, job1, i + 1, 1, backends1, h));
    snapshots.push(backends1.map((b) => ({ ...b, live: [...b.live] })));
  }
  const jobs = [finishJob(r, job1, run1, retain)];
  if (secondJob) {
    // restored from checkpoint `from` of job 1: new backends holding the same SSTs, numbering continuing
    const from = r.int(1, count);
    const job2 = r.hex(32);
    const backends2 = snapshots[from - 1]!.map((b) => ({ backendId: r.uuid(), live: [...b.live], fileNumber: b.fileNumber + 10 }));
    const run2 = runJob(r, job2, from + 1, r.int(1, 5), backends2, h);
    jobs.push(finishJob(r, job2, run2, r.int(1, 3)));
  }
  return { version, sharedStyle, pathStyle, ...h, jobs };
}

/** A fast-check arbitrary of {@link randomFlinkHistory} (shrinks by seed only). */
export function flinkHistoryArbitrary(options: RandomFlinkHistoryOptions = {}): fc.Arbitrary<FlinkHistory> {
  return fc.integer({ min: 0, max: 0x7fffffff }).map((seed) => randomFlinkHistory(seed, options));
}
