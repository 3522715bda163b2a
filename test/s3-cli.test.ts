/**
 * Every command on `s3://bucket/prefix` against a real S3 API server on loopback (README, "Object storage"): the same
 * trees as the local tests use are uploaded, and each command gives on S3 what it gives on the local copy, with the
 * location in place of the path: inspect, validate (sizes and streamed XXH64), diff, plan-restore, savepoint dump
 * (ranged reads per key group), gc (plan, orphans, --apply with DeleteObjects), Flink job directories, and the
 * outputs of convert and encode.
 */
import t from "tap";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import { keyGroupRangeForOperator } from "../src/key-groups.js";
import type { Snapshot } from "../src/model.js";
import { SavepointDataWriter, type StateDescriptor } from "../src/savepoint/index.js";
import { METADATA_FILE } from "../src/storage/snapshot-root.js";
import { files, history } from "./gc-fixtures.js";
import { checkpointSnapshot } from "./registry-fixtures.js";
import { runCli } from "./run-cli.js";
import { getObject, keysUnder, s3, startS3Server, upload } from "./s3-server.js";
import { writeFlinkJobDir } from "./flink-writer/job-dir.js";
import { randomFlinkHistory } from "./flink-writer/random-history.js";

const work = mkdtempSync(join(tmpdir(), "ksnap-s3-cli-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

/** `text` with every mention of the local folder `local` written as the S3 location `remote`. */
const asS3 = (text: string, local: string, remote: string): string => text.split(local).join(remote);

t.test("inspect, validate, diff and plan-restore give on S3 what they give on the local copy", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "hist");
  const remote = s3("hist");
  const ep = ["--endpoint", server.endpoint];
  const cases: string[][] = [
    ["inspect", "{}/chk-3"], ["inspect", "{}/chk-2/_metadata.ksnap", "--json"],
    ["validate", "{}"], ["validate", "{}", "--json"], ["validate", "{}/chk-3", "--json"], ["validate", "{}/chk-1/_metadata.ksnap"],
    ["diff", "{}/chk-1", "{}/chk-3"], ["diff", "{}/chk-2", "{}/chk-3", "--json"],
    ["plan-restore", "{}/chk-3", "-p", "2"], ["plan-restore", "{}/chk-3", "-p", "3", "--json"],
  ];
  for (const c of cases) {
    const local = await runCli(...c.map((a) => a.replace("{}", root)));
    const onS3 = await runCli(...c.map((a) => a.replace("{}", remote)), ...ep);
    const name = c.join(" ");
    t.equal(onS3.status, local.status, `${name}: same exit status`);
    t.equal(onS3.stdout, asS3(local.stdout, root, remote), `${name}: same output`);
    t.equal(onS3.stderr, asS3(local.stderr, root, remote), `${name}: same diagnostics`);
  }
  const v = JSON.parse((await runCli("validate", remote, "--json", ...ep)).stdout);
  t.ok(v.summary.filesChecked > 0, "files were checked (sizes and XXH64 by streamed GETs)");
});

t.test("validate finds on S3 what it finds locally: a wrong size, a wrong hash, a missing object", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  writeFileSync(join(root, "shared/d"), Buffer.alloc(3, 9)); // same size, other bytes: KS-E103
  writeFileSync(join(root, "shared/c"), Buffer.alloc(5, 7)); // other size: KS-E102
  rmSync(join(root, "chk-1/h/p"));
  await upload(server.client, root, "broken");
  const local = await runCli("validate", root, "--json");
  const onS3 = await runCli("validate", s3("broken"), "--json", "--endpoint", server.endpoint);
  t.equal(local.status, 1);
  t.equal(onS3.status, 1);
  t.equal(onS3.stdout, asS3(local.stdout, root, s3("broken")));
  t.match(onS3.stdout, /KS-E103/);
  t.match(onS3.stdout, /KS-E102/);
});

t.test("gc plans, keeps new objects and deletes on S3 as it does locally", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "gc");
  const ep = ["--endpoint", server.endpoint];
  const pick = (json: string) => {
    const r = JSON.parse(json);
    return { subsumed: r.subsumed, files: r.files, orphans: r.orphans.map((o: { path: string; deletable: boolean }) => [o.path, o.deletable]), deleted: r.deleted, failed: r.failed };
  };
  const dryLocal = await runCli("gc", root, "--retain", "1", "--grace-period", "0", "--json");
  const dryS3 = await runCli("gc", s3("gc"), "--retain", "1", "--grace-period", "0", "--json", ...ep);
  t.equal(dryS3.status, 0, dryS3.stderr);
  t.strictSame(pick(asS3(dryS3.stdout, s3("gc"), root)), pick(dryLocal.stdout), "the same plan and orphans");
  t.ok(pick(dryS3.stdout).files.length > 0);

  const kept = await runCli("gc", s3("gc"), "--retain", "1", "--grace-period", "1h", "--json", ...ep);
  t.ok(JSON.parse(kept.stdout).orphans.length > 0);
  t.ok(JSON.parse(kept.stdout).orphans.every((o: { deletable: boolean }) => !o.deletable), "objects newer than the grace period are kept");
  t.strictSame(await keysUnder(server.client, "gc"), files(root), "a dry run deletes nothing");

  const applied = await runCli("gc", s3("gc"), "--retain", "1", "--grace-period", "0", "--apply", "--json", ...ep);
  const local = await runCli("gc", root, "--retain", "1", "--grace-period", "0", "--apply", "--json");
  t.equal(applied.status, 0, applied.stderr);
  t.strictSame(pick(asS3(applied.stdout, s3("gc"), root)).deleted, pick(local.stdout).deleted, "the same files deleted");
  t.strictSame(await keysUnder(server.client, "gc"), files(root), "the same objects left");
  const again = await runCli("validate", s3("gc"), "--json", ...ep);
  t.equal(again.stdout, asS3((await runCli("validate", root, "--json")).stdout, root, s3("gc")), "validate says the same of what is left");
});

t.test("savepoint dump reads key groups by ranged GETs: the same entries as locally", async (t) => {
  const server = await startS3Server(t);
  const root = join(work, "sp");
  const states: StateDescriptor[] = [{ name: "total", kind: "value", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v" }];
  mkdirSync(join(root, "data"), { recursive: true });
  const subtasks = Array.from({ length: 2 }, (_, s) => {
    const range = keyGroupRangeForOperator(8, 2, s);
    const w = SavepointDataWriter.open(join(root, "data", `s${s}.ksvd`), { fileId: `s${s}`, filePath: `data/s${s}.ksvd`, states, keyGroups: range });
    for (let kg = range.start; kg < range.start + range.count; kg++) {
      w.beginKeyGroup(kg);
      w.add({ state: "total", key: Uint8Array.of(kg), namespace: new Uint8Array(0), value: new Uint8Array(4000).fill(kg) });
      w.endKeyGroup();
    }
    return { subtaskIndex: s, handles: [w.finish().handle] };
  });
  const snapshot: Snapshot = {
    snapshotId: 9n, kind: "savepoint", snapshotDir: "", jobId: "", timestampMillis: 0n,
    properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
    maxParallelism: 8, operators: [{ operatorId: "op", name: "", parallelism: 2, subtasks }],
  };
  writeFileSync(join(root, METADATA_FILE), encodeSnapshot(snapshot));
  await upload(server.client, root, "sp");
  for (const args of [["--json"], ["--key-groups", "5"], ["--key-groups", "2-6", "--json"], []]) {
    for (const target of ["", "/data/s1.ksvd"]) {
      const local = await runCli("savepoint", "dump", root + target, ...args);
      const onS3 = await runCli("savepoint", "dump", s3("sp") + target, ...args, "--endpoint", server.endpoint);
      t.equal(local.status, 0, local.stderr);
      t.equal(onS3.status, 0, onS3.stderr);
      t.equal(onS3.stdout, asS3(local.stdout, root, s3("sp")), `dump ${target || "snapshot"} ${args.join(" ")}`);
    }
  }
});

t.test("a Flink job directory on S3: validate and gc as on the local copy", async (t) => {
  const server = await startS3Server(t);
  const dir = join(work, "flink");
  const d = writeFlinkJobDir(dir, randomFlinkHistory(3, { sharedStyle: "absolute", secondJob: false, checkpoints: 4, retain: 2 }));
  const jobDir = d.jobs[0]!.jobDir;
  await upload(server.client, jobDir, "job");
  // The _metadata files name the local folder Flink wrote them under: --job-uri says that it is this prefix.
  const ep = ["--endpoint", server.endpoint, "--job-uri", jobDir];
  const v = await runCli("validate", s3("job"), "--json", ...ep);
  t.equal(v.status, 0, v.stdout + v.stderr);
  t.equal(JSON.parse(v.stdout).summary.errors, 0);
  const localV = await runCli("validate", jobDir, "--json");
  t.equal(v.stdout, asS3(localV.stdout, jobDir, s3("job")), "the same findings");
  const copy = join(work, "flink-copy");
  cpSync(jobDir, copy, { recursive: true });
  const g = await runCli("gc", s3("job"), "--retain", "1", "--grace-period", "0", "--json", ...ep);
  const localG = await runCli("gc", copy, "--retain", "1", "--grace-period", "0", "--json", "--job-uri", jobDir);
  t.equal(g.status, 0, g.stderr);
  t.strictSame(JSON.parse(g.stdout).files, JSON.parse(localG.stdout).files, "the same plan");
  t.ok(JSON.parse(g.stdout).subsumed.length > 0);
  const firstChk = d.jobs[0]!.checkpoints[0]!;
  const i = await runCli("inspect", s3(`job/chk-${firstChk.checkpointId}`), ...ep);
  t.equal(i.status, 0, i.stderr);
  t.match(i.stdout, /Apache Flink _metadata/);
  // convert reads the _metadata from the bucket and writes the KSNAP file there, in one PUT.
  const lastChk = d.jobs[0]!.checkpoints.at(-1)!;
  const c = await runCli("convert", s3(`job/chk-${lastChk.checkpointId}`), "-o", s3(`job/chk-${lastChk.checkpointId}/_metadata.ksnap`), ...ep);
  t.equal(c.status, 0, c.stderr);
  const local = join(work, "converted.ksnap");
  await runCli("convert", lastChk.dir, "-o", local, "--job-uri", jobDir);
  t.strictSame(Buffer.from(await getObject(server.client, `job/chk-${lastChk.checkpointId}/_metadata.ksnap`)), readFileSync(local), "the same bytes");
});

t.test("encode writes its output to S3 in one PUT", async (t) => {
  const server = await startS3Server(t);
  const json = join(work, "encode-input.json");
  const root = history(t);
  writeFileSync(json, (await runCli("inspect", join(root, "chk-1"), "--json")).stdout);
  const r = await runCli("encode", json, "-o", s3("enc/chk-1/_metadata.ksnap"), "--endpoint", server.endpoint);
  t.equal(r.status, 0, r.stderr);
  t.strictSame(Buffer.from(await getObject(server.client, "enc/chk-1/_metadata.ksnap")), readFileSync(join(root, "chk-1", "_metadata.ksnap")));
});

t.test("report reads a history on S3 as it reads the local copy", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "rep");
  const remote = s3("rep");
  const local = await runCli("report", root, "--json");
  const onS3 = await runCli("report", remote, "--json", "--endpoint", server.endpoint);
  t.equal(onS3.status, 0, onS3.stderr);
  t.equal(onS3.status, local.status);
  const [a, b] = [JSON.parse(local.stdout), JSON.parse(onS3.stdout)];
  t.equal(b.path, remote);
  for (const key of ["summary", "checkpoints", "files", "state", "savepoints"]) {
    t.strictSame(JSON.parse(asS3(JSON.stringify(b[key]), remote, root)), a[key], `${key}: the same as locally`);
  }
  // The gc dry run's plan is the same; orphans differ only by age (the upload made every object new).
  for (const key of ["applicable", "subsumed", "retained", "files", "bytes", "largest"]) {
    t.strictSame(b.gc[key], a.gc[key], `gc ${key}: the same plan`);
  }
  const page = join(work, "report-s3.html");
  const html = await runCli("report", remote, "-o", page, "--endpoint", server.endpoint);
  t.equal(html.status, 0, html.stderr);
  t.match(readFileSync(page, "utf8"), /<html/);
});

t.test("gc --referenced-by across storages: a local root kept for snapshots on S3, an S3 root for a local snapshot", async (t) => {
  const server = await startS3Server(t);
  const ep = ["--endpoint", server.endpoint];
  // A local root, and on S3 a root whose checkpoint refers to the local root's shared/b by a file: URI.
  const local = history(t);
  const other = history(t);
  rmSync(join(other, "chk-1"), { recursive: true, force: true });
  rmSync(join(other, "chk-2"), { recursive: true, force: true });
  const s: Snapshot = checkpointSnapshot(9n, { shared: [] });
  s.operators[0]!.coordinatorState = { type: "external", uri: `file://${join(local, "shared", "b")}`, size: 1n, xxh64: 0n };
  const otherOnly = join(work, "referencing-root");
  mkdirSync(join(otherOnly, "chk-9"), { recursive: true });
  writeFileSync(join(otherOnly, "chk-9", METADATA_FILE), encodeSnapshot(s));
  await upload(server.client, otherOnly, "referencing");
  const blind = await runCli("gc", local, "--retain", "1", "--json");
  t.ok(JSON.parse(blind.stdout).files.some((f: { path: string }) => f.path === "shared/b"), "without it, shared/b is planned");
  const told = await runCli("gc", local, "--retain", "1", "--json", "--referenced-by", s3("referencing"), ...ep);
  t.equal(told.status, 0, told.stderr);
  const doc = JSON.parse(told.stdout);
  t.notOk(doc.files.some((f: { path: string }) => f.path === "shared/b"), "a local file an S3 snapshot refers to is kept");
  t.strictSame(doc.referencedBy.files.map((f: { path: string }) => f.path), ["shared/b"]);

  // The other way: an S3 root, and a local snapshot referring to one of its objects by s3:// URI.
  await upload(server.client, other, "s3root");
  const s3ref: Snapshot = checkpointSnapshot(5n, { shared: [] });
  s3ref.operators[0]!.coordinatorState = { type: "external", uri: `${s3("s3root")}/shared/b`, size: 1n, xxh64: 0n };
  const localRef = join(work, "local-referencing");
  mkdirSync(join(localRef, "chk-5"), { recursive: true });
  writeFileSync(join(localRef, "chk-5", METADATA_FILE), encodeSnapshot(s3ref));
  // Its chk-1 and chk-2 are gone, so shared/b is an orphan there, unless the local snapshot's reference keeps it.
  const blindS3 = JSON.parse((await runCli("gc", s3("s3root"), "--retain", "1", "--json", ...ep)).stdout);
  t.ok(blindS3.orphans.some((o: { path: string }) => o.path === "shared/b"), "without it, shared/b is an orphan");
  const onS3 = await runCli("gc", s3("s3root"), "--retain", "1", "--json", "--referenced-by", localRef, ...ep);
  t.equal(onS3.status, 0, onS3.stderr);
  const plan = JSON.parse(onS3.stdout);
  t.equal(plan.referencedBy.snapshots, 1, "the local source was read");
  t.strictSame(plan.referencedBy.files.map((f: { path: string }) => f.path), ["shared/b"], "an object an s3:// URI names is kept");
  t.notOk([...plan.files, ...plan.orphans].some((f: { path: string }) => f.path === "shared/b"));
});
