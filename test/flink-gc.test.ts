/**
 * `ksnap validate` and `ksnap gc` on Flink job directories (spec/flink.md, "Job directories" and "Garbage collection
 * of a job directory"), written by the test-only writer of Flink's format: shared files reused across checkpoints by
 * absolute path, several retained checkpoints, orphans, a second job directory referring to the first after a restore.
 */
import t, { type Test } from "tap";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import { validateCommand } from "../src/cli/validate-command.js";
import { takeRequestedStatus } from "../src/cli/exit-status.js";
import { isFlinkJobDir } from "../src/flink/find-metadata.js";
import { loadAnyTree } from "../src/flink/load-any-tree.js";
import { runGc } from "../src/gc/gc-run.js";
import { LOCAL_STORAGE } from "../src/storage/local-storage.js";
import { packageFile } from "../src/storage/package-files.js";
import { files, history, put, refusedWith, run, snapshotOfTree } from "./gc-fixtures.js";
import { checkpointSnapshot } from "./registry-fixtures.js";
import { writeFlinkJobDir, type FlinkJobDirsDescription } from "./flink-writer/job-dir.js";
import { randomFlinkHistory, type RandomFlinkHistoryOptions } from "./flink-writer/random-history.js";

const LATER = () => Date.now() + 60_000;

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-flinkgc-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function written(t: Test, seed: number, options: RandomFlinkHistoryOptions = {}): FlinkJobDirsDescription {
  return writeFlinkJobDir(tempDir(t), randomFlinkHistory(seed, { sharedStyle: "absolute", ...options }));
}

/** The first seed whose second job refers to files of the first job that its own latest checkpoint does not. */
function crossJobHistory(t: Test): FlinkJobDirsDescription {
  for (let seed = 1; seed < 200; seed++) {
    const h = randomFlinkHistory(seed, { sharedStyle: "absolute", secondJob: true, checkpoints: 5, retain: 3 });
    const dir = tempDir(t);
    const d = writeFlinkJobDir(dir, h);
    const [j1, j2] = [d.jobs[0]!, d.jobs[1]!];
    const latest = new Set(j1.checkpoints.at(-1)!.files);
    const fromJob2 = j2.checkpoints.flatMap((c) => c.sharedFiles).filter((f) => f.startsWith(`${j1.jobDir}/`) && !latest.has(f));
    if (fromJob2.length > 0 && j1.checkpoints.length > 1) return d;
  }
  throw new Error("no seed below 200 gives a cross-job reference");
}

async function validateQuietly(path: string, opts: Parameters<typeof validateCommand>[1] = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => ({ write: (s: string) => into.push(s) > 0 }) as unknown as NodeJS.WritableStream;
  const result = await validateCommand(path, { json: true, ...opts }, { stdout: sink(out), stderr: sink(err) });
  return { result, out: out.join(""), err: err.join(""), status: takeRequestedStatus() };
}

const rel = (root: string, paths: readonly string[]) => paths.map((p) => relative(root, p)).sort();

t.test("a Flink job directory is detected from its own entries", async (t) => {
  const d = written(t, 3, { secondJob: false });
  const job = d.jobs[0]!;
  t.ok(await isFlinkJobDir(job.jobDir));
  t.notOk(await isFlinkJobDir(job.checkpoints[0]!.dir), "a checkpoint's folder is a snapshot, not a job directory");
  t.notOk(await isFlinkJobDir(d.root), "a folder of job directories is not one");
  const tree = await loadAnyTree(d.root, LOCAL_STORAGE);
  t.equal(tree.layout, "flink", "but it is walked for Flink's _metadata");
  t.equal(tree.loaded.length, job.checkpoints.length);
});

t.test("validate JOB_DIR converts the checkpoints together: no finding, one note per root", async (t) => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const d = written(t, seed, { checkpoints: 6, retain: 3 });
    for (const [i, job] of d.jobs.entries()) {
      const r = await validateQuietly(job.jobDir);
      t.equal(r.status, 0, `seed ${seed} job ${i}: exit 0`);
      const rules = r.result.findings.map((f) => f.rule);
      // The second job refers to the first one's shared files by absolute path: external, unchecked.
      t.strictSame(rules.filter((x) => x !== "KS-W099"), [], `seed ${seed} job ${i}: ${rules.join(" ")}`);
      if (i === 0) t.strictSame(rules, [], `seed ${seed}: the first job has no external reference`);
      t.equal(r.result.summary.snapshots, job.checkpoints.length);
      t.ok((r.err.match(/oldest converted checkpoint/g) ?? []).length <= 1, "the oldest checkpoint's note, once");
    }
  }
});

t.test("gc JOB_DIR --retain 1 --apply: subsumed checkpoints and orphans go, what the latest uses stays", async (t) => {
  const d = written(t, 11, { checkpoints: 6, retain: 3, secondJob: false });
  const job = d.jobs[0]!;
  const latest = job.checkpoints.at(-1)!;
  put(job.jobDir, "taskowned/old-changelog", 40);
  put(job.jobDir, "taskowned/fresh-changelog", 40, 60_000);
  const r = await run(job.jobDir, { apply: true, retain: 1 }, undefined, Date.now());
  t.equal(r.status, 0, r.err);
  t.equal(r.report.layout, "flink");
  t.strictSame(r.report.plan?.retained, [BigInt(latest.checkpointId)]);
  t.strictSame(r.report.plan?.subsumed.map((s) => s.metadata), job.checkpoints.slice(0, -1).map((c) => `chk-${c.checkpointId}/_metadata`));
  for (const f of latest.files) t.ok(existsSync(f), `kept: ${relative(job.jobDir, f)}`);
  t.ok(existsSync(latest.metadataPath));
  for (const c of job.checkpoints.slice(0, -1)) t.notOk(existsSync(c.dir), `chk-${c.checkpointId}/ removed`);
  const left = files(job.jobDir);
  const expected = [...rel(job.jobDir, [latest.metadataPath, ...latest.files]), "taskowned/fresh-changelog"].sort();
  // Orphans of aborted checkpoints written just now stay within the 3-day grace period.
  const fresh = rel(job.jobDir, job.orphans);
  t.strictSame(left, [...expected, ...fresh].sort(), "exactly the latest checkpoint, fresh orphans and the fresh task-owned file");
  t.notOk(existsSync(join(job.jobDir, "taskowned", "old-changelog")), "an old unreferenced task-owned file is an orphan");
  t.ok(existsSync(join(job.jobDir, "shared")) && existsSync(join(job.jobDir, "taskowned")), "shared/ and taskowned/ stay");
  t.match(r.out, /note: references from snapshots outside this root are seen only in the paths given with --referenced-by/);

  const again = await run(job.jobDir, { apply: true, retain: 1, gracePeriod: 0 }, undefined, LATER());
  t.equal(again.status, 0, again.err);
  t.strictSame(files(job.jobDir), expected.filter((p) => p !== "taskowned/fresh-changelog").sort(), "grace 0: every orphan gone");
  t.ok(existsSync(join(job.jobDir, "taskowned")), "taskowned/ stays even when empty");
});

t.test("--referenced-by keeps the files a job restored from this one uses; without it the report says what it cannot see", async (t) => {
  const d = crossJobHistory(t);
  const [j1, j2] = [d.jobs[0]!, d.jobs[1]!];
  const usedByJob2 = new Set(j2.checkpoints.flatMap((c) => c.sharedFiles).filter((f) => f.startsWith(`${j1.jobDir}/`)).map((f) => relative(j1.jobDir, f)));
  t.ok(usedByJob2.size > 0);

  const blind = await run(j1.jobDir, { retain: 1 }, undefined, LATER());
  t.equal(blind.status, 0, blind.err);
  t.equal(blind.report.outside, undefined);
  const blindPlan = [...(blind.report.plan?.files ?? []).map((f) => f.path), ...blind.report.orphans.map((o) => o.path)];
  t.ok(blindPlan.some((p) => usedByJob2.has(p)), "without --referenced-by, a file the second job uses is planned: gc cannot see it");
  t.match(blind.out, /seen only in the paths given with --referenced-by/);

  const json = await run(j1.jobDir, { retain: 1, referencedBy: [j2.jobDir], json: true, gracePeriod: 0 }, undefined, LATER());
  const doc = JSON.parse(json.out) as { layout: string; referencedBy: { sources: string[]; snapshots: number; files: { path: string }[]; keptFromPlan: string[] }; notice: string };
  t.equal(doc.layout, "flink");
  t.strictSame(doc.referencedBy.sources, [j2.jobDir]);
  t.equal(doc.referencedBy.snapshots, j2.checkpoints.length);
  t.strictSame(doc.referencedBy.files.map((f) => f.path), [...usedByJob2].sort(), "exactly the files of this root the second job refers to");
  t.ok(doc.referencedBy.keptFromPlan.length > 0 || blind.report.orphans.some((o) => usedByJob2.has(o.path)));
  t.match(doc.notice, /--referenced-by/);

  const applied = await run(j1.jobDir, { apply: true, retain: 1, referencedBy: [j2.jobDir], gracePeriod: 0 }, undefined, LATER());
  t.equal(applied.status, 0, applied.err);
  for (const p of usedByJob2) t.ok(existsSync(join(j1.jobDir, p)), `kept for the second job: ${p}`);
  for (const f of j1.checkpoints.at(-1)!.files) t.ok(existsSync(f), `kept for the latest checkpoint: ${relative(j1.jobDir, f)}`);
  const second = await validateQuietly(j2.jobDir);
  t.equal(second.result.summary.errors, 0, "the second job still validates");
  t.match(applied.out, /referenced from outside the root: \d+ file\(s\) of it, by \d+ snapshot\(s\)/);
});

t.test("gc on the second job never touches the first job's files", async (t) => {
  const d = crossJobHistory(t);
  const [j1, j2] = [d.jobs[0]!, d.jobs[1]!];
  const before = snapshotOfTree(j1.jobDir);
  const r = await run(j2.jobDir, { apply: true, retain: 1, gracePeriod: 0 }, undefined, LATER());
  t.equal(r.status, 0, r.err);
  t.strictSame(snapshotOfTree(j1.jobDir), before, "external refs are never deleted");
});

t.test("gc refuses a job directory with a bad _metadata, and one read through a bad --referenced-by", async (t) => {
  const cases: [string, (job: string, d: FlinkJobDirsDescription) => void, RegExp][] = [
    ["a truncated _metadata", (job) => truncateSync(join(job, firstChk(job), "_metadata"), 30), /KS-E001.*cannot be read or decoded: TRUNCATED/],
    ["a version outside V2-V6", (job) => {
      const p = join(job, firstChk(job), "_metadata");
      const bytes = readFileSync(p);
      bytes.writeInt32BE(9, 4);
      writeFileSync(p, bytes);
    }, /KS-E001.*UNSUPPORTED_VERSION/],
    ["not a _metadata at all", (job) => writeFileSync(join(job, firstChk(job), "_metadata"), "hello"), /KS-E001.*BAD_MAGIC/],
    ["a KSNAP metadata file inside", (job) => put(job, "chk-99/_metadata.ksnap", encodeSnapshot(checkpointSnapshot(99n, {}))), /KS-E003/],
    ["a link standing for a checkpoint folder", (job) => symlinkSync(join(job, firstChk(job)), join(job, "chk-1000")), /KS-E094/],
  ];
  for (const [name, spoil, expected] of cases) {
    const d = written(t, 5, { secondJob: false, checkpoints: 3, retain: 2 });
    const job = d.jobs[0]!.jobDir;
    spoil(job, d);
    await refusedWith(t, job, name, expected);
  }
  const d = crossJobHistory(t);
  truncateSync(join(d.jobs[1]!.jobDir, firstChk(d.jobs[1]!.jobDir), "_metadata"), 12);
  const before = snapshotOfTree(d.jobs[0]!.jobDir);
  const r = await run(d.jobs[0]!.jobDir, { apply: true, gracePeriod: 0, referencedBy: [d.jobs[1]!.jobDir] }, undefined, LATER());
  t.equal(r.status, 1, "a --referenced-by that cannot be read: refused");
  t.match(r.err, /KS-E001/);
  t.strictSame(snapshotOfTree(d.jobs[0]!.jobDir), before, "nothing deleted");
});

t.test("a relative '..' path in a _metadata is refused, never resolved", async (t) => {
  const d = written(t, 3, { secondJob: false, checkpoints: 4, retain: 3, sharedStyle: "relative" });
  await refusedWith(t, d.jobs[0]!.jobDir, "tag 6 ../shared/x", /KS-E001.*UNSAFE_PATH.*has a '\.\.' segment/);
});

t.test("a copy of a job directory: KS-E118 and a refusal, until --job-uri names where Flink wrote it", async (t) => {
  const d = written(t, 7, { secondJob: false, checkpoints: 5, retain: 3 });
  const job = d.jobs[0]!;
  const copy = join(tempDir(t), "copy-of-job");
  cpSync(job.jobDir, copy, { recursive: true });
  const v = await validateQuietly(copy);
  t.equal(v.status, 1);
  const e118 = v.result.findings.filter((f) => f.rule === "KS-E118");
  t.ok(e118.length > 0, "the copy's shared files are named by the original's absolute paths");
  t.match(e118[0]!.message, new RegExp(`--job-uri file://${job.jobDir}`));
  t.ok(e118.every((f) => f.location.path?.startsWith("shared/")));
  await refusedWith(t, copy, "a copy read without --job-uri", /KS-E118/);

  const mapped = await validateQuietly(copy, { jobUri: job.jobDir });
  t.strictSame(mapped.result.findings, [], "with --job-uri, the copy validates like the original");
  const original = await run(job.jobDir, { retain: 1 }, undefined, LATER());
  const copied = await run(copy, { retain: 1, jobUri: `file:${job.jobDir}` }, undefined, LATER());
  t.equal(copied.status, 0, copied.err);
  t.strictSame(copied.report.plan?.files.map((f) => f.path), original.report.plan?.files.map((f) => f.path), "the same plan as the original's");
});

t.test("a job directory named through a symbolic link is the same root", async (t) => {
  const d = written(t, 9, { secondJob: false, checkpoints: 4, retain: 2 });
  const job = d.jobs[0]!;
  const link = join(tempDir(t), "link-to-job");
  symlinkSync(job.jobDir, link);
  const v = await validateQuietly(link);
  t.strictSame(v.result.findings, []);
  const r = await run(link, { retain: 1 }, undefined, LATER());
  const direct = await run(job.jobDir, { retain: 1 }, undefined, LATER());
  t.equal(r.status, 0, r.err);
  t.strictSame(r.report.plan?.files, direct.report.plan?.files);
});

t.test("a savepoint folder inside the job directory is its own root and is never touched", async (t) => {
  const d = written(t, 13, { secondJob: false, checkpoints: 3, retain: 2 });
  const job = d.jobs[0]!.jobDir;
  const fixtures = packageFile("test/fixtures/flink");
  cpSync(join(fixtures, "flink-state-processing-api__table-state-nulls"), join(job, "savepoint-1a2b3c"), { recursive: true });
  put(job, "savepoint-1a2b3c/old-stray-file", 10);
  const before = snapshotOfTree(join(job, "savepoint-1a2b3c"));
  const tree = await loadAnyTree(job, LOCAL_STORAGE, { kind: "savepoint" });
  const sp = tree.loaded.find((l) => l.file.includes("savepoint-1a2b3c"));
  t.equal(sp?.located?.snapshot.kind, "savepoint");
  t.equal(sp?.located?.root, join(job, "savepoint-1a2b3c"));
  const r = await runGc(job, { retain: 1, apply: true, graceMs: 0 }, { now: LATER(), load: (p, s) => loadAnyTree(p, s, { kind: "savepoint" }) });
  t.strictSame(r.problems, []);
  t.strictSame(snapshotOfTree(join(job, "savepoint-1a2b3c")), before, "the savepoint's folder is untouched");
});

t.test("a Flink _metadata inside a KSNAP root is KS-E003: gc refuses", async (t) => {
  const root = history(t);
  const d = written(t, 3, { secondJob: false, checkpoints: 1, retain: 1 });
  mkdirSync(join(root, "chk-7"));
  cpSync(d.jobs[0]!.checkpoints[0]!.metadataPath, join(root, "chk-7", "_metadata"));
  await refusedWith(t, root, "a Flink checkpoint among KSNAP ones", /KS-E003 at chk-7\/_metadata: the folder holds Flink metadata files/);
});

function firstChk(job: string): string {
  const names = files(job).filter((f) => /^chk-\d+\/_metadata$/.test(f)).map((f) => f.split("/")[0]!);
  return names.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))[0]!;
}
