/**
 * Property tests of `ksnap gc` on Flink job directories written to disk (spec/flink.md, "Garbage collection of a job
 * directory"): random histories of one job, or two where the second was started from a checkpoint of the first, with
 * compactions, reused shared files, leftovers of failed cleanups and aborted checkpoints. Whatever the history and
 * `--retain`, nothing that a retained checkpoint of this job or any checkpoint of a job given with `--referenced-by`
 * refers to is ever planned or deleted, and with a grace period of 0 everything else of the job directory is.
 * KSNAP_FLINK_GC_PROPERTY_RUNS sets the number of histories (default 60).
 */
import t from "tap";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runGc } from "../src/gc/gc-run.js";
import { files } from "./gc-fixtures.js";
import { writeFlinkJobDir } from "./flink-writer/job-dir.js";
import { flinkHistoryArbitrary } from "./flink-writer/random-history.js";

const RUNS = Number(process.env.KSNAP_FLINK_GC_PROPERTY_RUNS ?? 60);

t.test("gc on random Flink job directories plans and deletes exactly what nothing kept refers to", async (t) => {
  let crossKept = 0;
  let deletedTotal = 0;
  await fc.assert(fc.asyncProperty(
    flinkHistoryArbitrary({ sharedStyle: "absolute" }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(),
    async (history, retain, gcSecondFirst, tellReferences) => {
      const dir = mkdtempSync(join(tmpdir(), "ksnap-flinkgcprop-"));
      try {
        const written = writeFlinkJobDir(dir, history);
        const order = gcSecondFirst ? [...written.jobs].reverse() : written.jobs;
        const now = Date.now() + 60_000;
        const remaining = new Map(written.jobs.map((j) => [j, j.checkpoints]));
        for (const job of order) {
          const others = written.jobs.filter((j) => j !== job);
          const keep = Math.min(retain, job.checkpoints.length);
          const kept = job.checkpoints.slice(-keep);
          // What must survive: the kept checkpoints' metadata and files, and this job's files the other jobs use.
          const usedByOthers = others.flatMap((o) => remaining.get(o)!.flatMap((c) => c.files)).filter((f) => f.startsWith(`${job.jobDir}/`));
          const inJob = (f: string) => f.startsWith(`${job.jobDir}/`);
          const mustStay = new Set([...kept.flatMap((c) => [c.metadataPath, ...c.files]), ...usedByOthers].filter(inJob).map((f) => relative(job.jobDir, f)));
          const ownKept = new Set(kept.flatMap((c) => c.files).filter(inJob).map((f) => relative(job.jobDir, f)));

          const dry = await runGc(job.jobDir, { retain, apply: false, graceMs: 0 }, { now });
          if (dry.problems.length > 0) throw new Error(`refused a valid history: ${JSON.stringify(dry.problems)}`);
          for (const f of dry.plan!.files) if (ownKept.has(f.path)) throw new Error(`planned ${f.path}, which a retained checkpoint uses`);
          for (const o of dry.orphans) if (ownKept.has(o.path)) throw new Error(`orphan ${o.path}, which a retained checkpoint uses`);

          const referencedBy = tellReferences ? others.map((o) => o.jobDir) : [];
          const r = await runGc(job.jobDir, { retain, apply: true, graceMs: 0, referencedBy }, { now });
          if (r.problems.length > 0) throw new Error(`refused: ${JSON.stringify(r.problems)}`);
          const planned = [...r.plan!.files.map((f) => f.path), ...r.orphans.map((o) => o.path), ...r.plan!.subsumed.map((s) => s.metadata)];
          const left = new Set(files(job.jobDir));
          for (const p of mustStay) {
            const mayGo = !tellReferences && !ownKept.has(p) && !kept.some((c) => relative(job.jobDir, c.metadataPath) === p);
            if (mayGo) continue; // used only by a job gc was not told about: the documented blind spot
            if (planned.includes(p)) throw new Error(`planned ${JSON.stringify(p)}, which must stay`);
            if (!left.has(p)) throw new Error(`deleted ${JSON.stringify(p)}, which must stay`);
          }
          if (tellReferences) {
            // Complete: with grace 0, everything else of the job directory is gone.
            const extra = [...left].filter((p) => !mustStay.has(p));
            if (extra.length > 0) throw new Error(`left behind: ${extra.join(", ")}`);
            crossKept += r.outside?.paths.size ?? 0;
          }
          deletedTotal += r.outcome!.deleted.length;
          remaining.set(job, kept);
          if (r.outcome!.failed.length > 0 || r.outcome!.stopped !== undefined) throw new Error(`a delete failed: ${JSON.stringify(r.outcome)}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  ), { numRuns: RUNS });
  t.ok(deletedTotal > 0, `gc deleted files over the runs (${deletedTotal})`);
  t.ok(RUNS < 20 || crossKept > 0, `some runs kept files for another job (${crossKept})`);
});
