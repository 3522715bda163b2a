/**
 * `ksnap report`'s data and page, without a browser (report-browser.test.ts opens the page): the figures of a
 * written history (timeline, file lifetimes, state and key-group skew, gc's dry run, a savepoint's entries) against
 * what the snapshots say; --json against its schema; errors shown first; the page's size budget for 1,000
 * checkpoints and for 100,000 files; bad input as one-line errors.
 */
import t from "tap";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020, type SchemaObject } from "ajv/dist/2020.js";
import { collectReport } from "../src/report/collect-report.js";
import { pageAssets } from "../src/report/page-assets.js";
import { renderHtml } from "../src/report/render-html.js";
import type { ReportData } from "../src/report/report-model.js";
import { storedStreams } from "../src/report/stored-streams.js";
import { packageFile } from "../src/storage/package-files.js";
import { METADATA_FILE } from "../src/storage/snapshot-root.js";
import { writeFlinkJobDir } from "./flink-writer/job-dir.js";
import { randomFlinkHistory } from "./flink-writer/random-history.js";
import { writeHistory, writeOrphan, writeSavepoint } from "./report-fixtures.js";
import { runCli } from "./run-cli.js";

t.setTimeout(10 * 60_000);
const work = mkdtempSync(join(tmpdir(), "ksnap-report-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const schema = JSON.parse(readFileSync(packageFile("schemas/report-v1.schema.json"), "utf8")) as SchemaObject;
const validateJson = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
const ONE_MB = 1_000_000;

const small = join(work, "small");
const history = writeHistory(small, { checkpoints: 6, parallelism: 4, newFilesPerSubtask: 2, fileLife: 3, fileBytes: 1000 });
const savepoint = await writeSavepoint(small, "savepoint-9");
writeOrphan(small, "shared/orphan.sst", 500);

t.test("the timeline: full, uploaded and reused bytes of each checkpoint, as its refs say", async (t) => {
  const r = await collectReport(small);
  t.equal(r.summary.errors, 0, JSON.stringify(r.findings.listed.slice(0, 3)));
  t.equal(r.summary.warnings, 0);
  t.same(r.checkpoints.map((c) => c.id), ["1", "2", "3", "4", "5", "6"]);
  for (const [i, s] of history.snapshots.entries()) {
    const streams = [...storedStreams(s).values()];
    const full = streams.reduce((n, f) => n + f.bytes, 0);
    const own = streams.filter((f) => f.origin === undefined || f.origin === s.snapshotId);
    const row = r.checkpoints[i]!;
    t.equal(row.fullBytes, full, `checkpoint ${row.id}: full size`);
    t.equal(row.uploadedBytes, own.reduce((n, f) => n + f.bytes, 0), `checkpoint ${row.id}: uploaded`);
    t.equal(row.reusedBytes, full - row.uploadedBytes);
    t.equal(row.files, streams.length);
    t.equal(row.uploadedFiles, own.length);
  }
  t.equal(r.checkpoints[0]!.reusedBytes, 0, "the first checkpoint reuses nothing");
  // 4 subtasks x 2 files of each of the last 3 checkpoints, + 4 MANIFESTs + the source's offsets.
  t.equal(r.checkpoints[5]!.files, 4 * 2 * 3 + 5);
  t.equal(r.checkpoints[5]!.uploadedFiles, 4 * 2 + 5);
});

t.test("file lifetimes: who uploaded each shared file, who uses it last, what pins the living ones", async (t) => {
  const r = await collectReport(small);
  const f = r.files;
  t.equal(f.shared, 4 * 2 * 6, "every shared file once");
  t.equal(f.living, 4 * 2 * 3, "the latest checkpoint's");
  t.equal(f.all.length, f.shared, "few files: each has a row");
  const one = f.all.find((x) => x.path === "shared/op-keyed-1/2-0.sst")!;
  t.same([one.uploadedBy, one.firstUsedBy, one.lastUsedBy, one.usedBy, one.living, one.pinnedBy], ["2", "2", "4", 3, false, []]);
  t.same(f.oldestLiving.map((x) => x.uploadedBy).slice(0, 8), Array(8).fill("4"), "the oldest living files were uploaded by checkpoint 4");
  t.same(f.oldestLiving[0]!.pinnedBy, ["6"], "kept alive by the retained checkpoint");
  t.equal(f.largest[0]!.bytes, Math.max(...f.all.map((x) => x.bytes)));
  t.same(f.lifetimeHistogram.map((b) => [b.from, b.to, b.files]), [[1, 1, 8], [2, 3, 40]], "files of 5 and 6 live 2 and 1; the rest 3");
  t.same(f.livingBytesByUploader.map((u) => [u.id, u.files]), [["4", 8], ["5", 8], ["6", 8]]);
});

t.test("state per operator and subtask, and the key-group map shows subtask 0's skew", async (t) => {
  const r = await collectReport(small);
  const s = r.state!;
  t.equal(s.snapshotId, "6");
  const keyed = s.operators.find((o) => o.operatorId === "keyed")!;
  t.equal(keyed.subtasks.length, 4);
  t.same(keyed.subtasks.map((x) => [x.keyGroupStart, x.keyGroupCount]), [[0, 32], [32, 32], [64, 32], [96, 32]]);
  t.equal(keyed.keyGroupBytes.length, 128);
  t.equal(keyed.bucketSize, 1);
  t.ok(keyed.subtasks[0]!.bytes > 2.5 * keyed.subtasks[1]!.bytes, "subtask 0's files are three times as large");
  t.ok(keyed.skew > 1.9, `skew ${keyed.skew}: max over mean, one subtask in four three times as large`);
  t.equal(keyed.bytes, keyed.subtasks.reduce((n, x) => n + x.bytes, 0));
  t.ok(Math.abs(keyed.keyGroupBytes.reduce((a, b) => a + b, 0) - keyed.bytes) <= 128, "the map adds up to the operator's bytes");
  const source = s.operators.find((o) => o.operatorId === "src")!;
  t.same([source.keyGroupBytes, source.skew, source.bytes], [[], 0, 200], "no keyed state: no map");
});

t.test("gc's dry run: what would be deleted and freed, and nothing is deleted", async (t) => {
  const r = await collectReport(small);
  const g = r.gc;
  t.ok(g.applicable);
  t.same(g.subsumed, ["1", "2", "3", "4", "5"]);
  t.same(g.retained, ["6"]);
  const kept = new Set([...storedStreams(history.snapshots[5]!).values()].map((x) => x.path));
  const gone = new Map<string, number>();
  for (const s of history.snapshots.slice(0, 5)) for (const x of storedStreams(s).values()) if (!kept.has(x.path)) gone.set(x.path, x.bytes);
  t.equal(g.files, gone.size);
  t.equal(g.bytes, [...gone.values()].reduce((a, b) => a + b, 0));
  t.same([g.orphans, g.orphanBytes], [1, 500]);
  t.ok(statSync(join(small, "chk-1", METADATA_FILE)).isFile(), "a dry run");
  const r3 = await collectReport(small, { retain: 3 });
  t.same(r3.gc.retained, ["4", "5", "6"]);
  t.same(r3.files.oldestLiving[0]!.pinnedBy, ["4", "5", "6"]);
});

t.test("a savepoint: entries and bytes per state and per key group, from its data files", async (t) => {
  const r = await collectReport(small);
  t.equal(r.savepoints.length, 1);
  const sp = r.savepoints[0]!;
  t.equal(sp.id, String(savepoint.snapshotId));
  const op = sp.operators[0]!;
  t.same(op.states, [{ name: "clicks", kind: "map", entries: 64, bytes: 64 * 3 }, { name: "total", kind: "value", entries: 128, bytes: 128 * 20 }]);
  t.same(op.keyGroupEntries.slice(0, 4), [2, 1, 2, 1]);
  t.same(op.keyGroupBytes.slice(0, 2), [23, 20]);
  t.same(op.problems, []);
  const alone = await collectReport(join(small, "savepoint-9"));
  t.same(alone.savepoints[0]!.operators[0]!.states, op.states, "the savepoint's folder alone");
  t.same([alone.gc.applicable, alone.checkpoints.length, alone.state?.kind], [false, 0, "savepoint"]);
  t.match(alone.gc.reason, /not a checkpoint root/);
});

t.test("--json: the data, valid against schemas/report-v1.schema.json", async (t) => {
  const run = await runCli("report", small, "--json", "--retain", "2");
  t.equal(run.status, 0, run.stderr);
  const data = JSON.parse(run.stdout) as ReportData;
  t.ok(validateJson(data), JSON.stringify(validateJson.errors?.slice(0, 3)));
  const direct = await collectReport(small, { retain: 2 });
  t.same({ ...data, generatedAt: "" }, { ...direct, generatedAt: "" }, "the same data as the page's");
  t.notOk(validateJson({ ...data, extra: 1 }), "the schema is closed");
  t.notOk(validateJson({ ...data, checkpoints: [{ ...data.checkpoints[0], id: 6 }] }), "ids are strings");
});

t.test("the page: self-contained, tables in the HTML, figures as the data says", async (t) => {
  const out = join(work, "small.html");
  const run = await runCli("report", small, "-o", out);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /^wrote .*small\.html \(\d.* KiB\): 6 checkpoint\(s\), 1 savepoint\(s\), \d+ file\(s\); no error, 0 warning\(s\)\n$/);
  const html = readFileSync(out, "utf8");
  t.notMatch(html, /<(script|link|img)[^>]+(src|href)=/i, "no external script, style sheet or image");
  t.notMatch(html, /\b(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i, "no URL at all");
  t.match(html, /Content-Security-Policy" content="default-src 'none'/);
  t.equal((html.match(/<table id="checkpoints">[\s\S]*?<\/table>/)![0].match(/<tr>/g) ?? []).length, 1 + 6, "a row per checkpoint");
  t.ok(html.indexOf('id="timeline"') < html.indexOf('id="findings"'), "no error: findings last");
});

t.test("a history with errors: still a report, errors first", async (t) => {
  const root = join(work, "broken");
  writeHistory(root, { checkpoints: 3, parallelism: 2, newFilesPerSubtask: 1, fileLife: 3, fileBytes: 100 });
  unlinkSync(join(root, "shared", "op-keyed-1", "1-0.sst"));
  const out = join(root, "..", "broken.html");
  const run = await runCli("report", root, "-o", out);
  t.equal(run.status, 0, "the report is written");
  t.match(run.stdout, /\d+ error\(s\), shown first/);
  const r = await collectReport(root);
  t.ok(r.summary.errors > 0);
  t.equal(r.findings.listed[0]!.severity, "error");
  t.ok(r.checkpoints.some((c) => c.errors > 0), "the checkpoint with the error says so");
  t.ok(r.gc.refusals.length > 0 || r.gc.files >= 0, "gc's section is there");
  const html = readFileSync(out, "utf8");
  t.ok(html.indexOf('id="findings"') < html.indexOf('id="timeline"'), "findings before the timeline");
  t.match(html, /class="figure bad" id="summary-errors"/);
});

t.test("a metadata file that cannot be decoded: a finding, the other checkpoints still reported, gc's refusal shown", async (t) => {
  const root = join(work, "undecodable");
  writeHistory(root, { checkpoints: 3, parallelism: 2, newFilesPerSubtask: 1, fileLife: 3, fileBytes: 100 });
  writeFileSync(join(root, "chk-2", METADATA_FILE), "not a snapshot");
  const r = await collectReport(root);
  t.same(r.findings.byRule.filter((b) => b.rule === "KS-E001").map((b) => b.count), [1]);
  t.same(r.checkpoints.map((c) => c.id), ["1", "3"]);
  t.equal(r.summary.metadataFiles, 3);
  t.ok(r.gc.refusals.some((f) => f.rule === "KS-E001"), r.gc.reason);
  t.match(r.gc.reason, /^gc refuses: \d+ problem/);
  const html = renderHtml(r, await pageAssets());
  t.ok(html.indexOf('id="findings"') < html.indexOf('id="timeline"'));
  t.match(html, /<table id="gc-refusals">/);
});

t.test("a Flink job directory of several checkpoints: shared files across them, gc's plan", async (t) => {
  const d = writeFlinkJobDir(join(work, "flink"), randomFlinkHistory(7, { sharedStyle: "absolute", checkpoints: 4, retain: 3 }));
  const job = d.jobs[0]!;
  const r = await collectReport(job.jobDir);
  t.equal(r.layout, "flink");
  t.same(r.checkpoints.map((c) => c.id), job.checkpoints.map((c) => String(c.checkpointId)));
  t.equal(r.summary.errors, 0, JSON.stringify(r.findings.listed.slice(0, 2)));
  for (const [i, c] of job.checkpoints.entries()) t.equal(r.checkpoints[i]!.files, new Set(c.files).size, `checkpoint ${c.checkpointId}: files`);
  t.ok(r.gc.applicable && r.gc.refusals.length === 0, r.gc.reason);
  t.same(r.gc.retained, [String(job.checkpoints.at(-1)!.checkpointId)]);
  t.ok(validateJson(JSON.parse(JSON.stringify({ ...r, state: r.state ?? null }))), JSON.stringify(validateJson.errors?.slice(0, 3)));
});

t.test("a Flink checkpoint from the fixtures", async (t) => {
  const dir = packageFile("test/fixtures/flink/new-stateful-udf-migration-itcase-flink2.0-rocksdb-checkpoint");
  const r = await collectReport(dir);
  t.equal(r.layout, "flink");
  t.equal(r.checkpoints.length, 1);
  t.ok(r.state!.operators.length > 0);
  t.ok(validateJson(JSON.parse(JSON.stringify({ ...r, state: r.state ?? null }))), JSON.stringify(validateJson.errors?.slice(0, 3)));
});

t.test("budgets: 1,000 checkpoints and 100,000 files give pages under 1 MB", async (t) => {
  const thousand = join(work, "thousand");
  writeHistory(thousand, { checkpoints: 1000, parallelism: 2, newFilesPerSubtask: 1, fileLife: 5, fileBytes: 100 });
  const a = await collectReport(thousand, { storage: false });
  const pageA = Buffer.byteLength(renderHtml(a, await pageAssets()));
  t.comment(`1,000 checkpoints: ${pageA} bytes`);
  t.ok(pageA <= ONE_MB, `${pageA} bytes`);
  t.equal(a.checkpoints.length, 1000);
  t.equal(a.files.all.length, 0, "2,000 shared files: top lists, not a row each");
  const big = join(work, "big");
  writeHistory(big, { checkpoints: 5, parallelism: 100, newFilesPerSubtask: 200, fileLife: 2, fileBytes: 50 });
  const b = await collectReport(big, { storage: false });
  t.equal(b.files.shared, 100_000);
  const pageB = Buffer.byteLength(renderHtml(b, await pageAssets()));
  t.comment(`100,000 files: ${pageB} bytes`);
  t.ok(pageB <= ONE_MB, `${pageB} bytes`);
  t.same([b.files.largest.length, b.files.oldestLiving.length, b.gc.largest.length], [50, 50, 50]);
  rmSync(big, { recursive: true, force: true });
  rmSync(thousand, { recursive: true, force: true });
});

t.test("bad input: one line, no stack trace", async (t) => {
  const missing = await runCli("report", join(work, "nothing-here"), "-o", join(work, "x.html"));
  t.equal(missing.status, 1);
  t.match(missing.stderr, /^ksnap: .*IO_ERROR.*no such file or folder\n$/);
  const noOutput = await runCli("report", small);
  t.equal(noOutput.status, 2);
  t.match(noOutput.stderr, /-o FILE/);
  const badRetain = await runCli("report", small, "-o", join(work, "y.html"), "--retain", "0");
  t.equal(badRetain.status, 2);
  const unwritable = await runCli("report", small, "-o", join(work, "no-such-dir", "r.html"));
  t.equal(unwritable.status, 1);
  t.notMatch(unwritable.stderr, /\n {4}at /, "no stack trace");
  t.equal(unwritable.stderr.split("\n").length, 2, unwritable.stderr);
});
