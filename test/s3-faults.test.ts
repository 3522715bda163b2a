/**
 * Faults between ksnap and a real S3 API server, injected by a proxy on loopback (spec/ownership.md#object-storage-s3):
 * throttling (503 SlowDown) and connection resets are retried with backoff and change nothing; a GET cut short is
 * asked again from where it stopped, and one that always is a typed error naming the object; a DeleteObjects batch
 * that fails is reported, nothing else is lost, and a later gc finishes; objects that change while gc runs are left
 * alone, and objects that appear are not deleted.
 */
import t from "tap";
import type { IncomingMessage } from "node:http";
import { cpSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { files, history, put } from "./gc-fixtures.js";
import { runCli } from "./run-cli.js";
import { startFaultProxy, type Fault } from "./s3-fault-proxy.js";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { BUCKET, keysUnder, putObject, s3, startS3Server, upload } from "./s3-server.js";

/** A decision that faults the first attempt of each distinct request `when` picks, up to `limit` of them. */
function firstAttempts(fault: Fault, when: (req: IncomingMessage) => boolean, limit = Infinity): (req: IncomingMessage) => Fault {
  const seen = new Set<string>();
  return (req) => {
    const id = `${req.method} ${req.url}`;
    if (!when(req) || seen.has(id) || seen.size >= limit) return undefined;
    seen.add(id);
    return fault;
  };
}

const isDelete = (req: IncomingMessage): boolean => req.method === "POST" && (req.url ?? "").includes("delete");
const pathOf = (req: IncomingMessage): string => new URL(req.url ?? "/", "http://proxy").pathname;
const keysIn = (body: Buffer): number => body.toString("utf8").split("<Key>").length - 1;

t.test("throttling (503 SlowDown) and connection resets are retried: validate says what it says without them", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "r");
  const direct = await runCli("validate", s3("r"), "--json", "--endpoint", server.endpoint);
  for (const fault of ["slowdown", "reset", "internal"] as const) {
    const proxy = await startFaultProxy(t, server.endpoint, firstAttempts(fault, () => true, 12));
    const r = await runCli("validate", s3("r"), "--json", "--endpoint", proxy.endpoint);
    t.equal(r.status, direct.status, `${fault}: same exit status`);
    t.equal(r.stdout, direct.stdout, `${fault}: same report`);
    t.equal(proxy.seen.filter((s) => s.fault === fault).length, 12, `${fault}: 12 requests faulted`);
    const faulted = proxy.seen.filter((s) => s.fault === fault).map((s) => `${s.method} ${s.url}`);
    t.ok(faulted.every((f) => proxy.seen.some((s) => s.fault === undefined && `${s.method} ${s.url}` === f)), `${fault}: each was asked again and answered`);
  }
});

t.test("a GET cut short is resumed where it stopped; one always cut short is a typed error naming the object", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "r");
  const direct = await runCli("validate", s3("r"), "--json", "--endpoint", server.endpoint);
  const once = await startFaultProxy(t, server.endpoint, firstAttempts("truncate", (req) => req.method === "GET" && !(req.url ?? "").includes("list-type")));
  const r = await runCli("validate", s3("r"), "--json", "--endpoint", once.endpoint);
  t.equal(r.stdout, direct.stdout, "every truncated body was asked again: the same report");
  t.ok(once.seen.filter((s) => s.fault === "truncate").length > 3, "bodies were cut");

  const always = await startFaultProxy(t, server.endpoint, (req) => (req.method === "GET" && (req.url ?? "").includes("shared/d") ? "truncate" : undefined));
  const bad = await runCli("validate", s3("r"), "--json", "--endpoint", always.endpoint);
  t.equal(bad.status, 1);
  const e104 = JSON.parse(bad.stdout).findings.filter((f: { rule: string }) => f.rule === "KS-E104");
  t.equal(e104.length, 1, "one finding, for the object");
  t.match(e104[0].message, /cannot be read: truncated GET: the response ended after byte \d+ of 3/);
  t.match(e104[0].location.path, "shared/d");

  const meta = await startFaultProxy(t, server.endpoint, (req) => (req.method === "GET" && pathOf(req).endsWith("/_metadata.ksnap") ? "truncate" : undefined));
  const inspect = await runCli("inspect", s3("r/chk-3"), "--endpoint", meta.endpoint);
  t.equal(inspect.status, 1);
  t.match(inspect.stderr, /^ksnap: s3:\/\/ksnap-test\/r\/chk-3\/_metadata\.ksnap: IO_ERROR: truncated GET: the response ended after byte \d+ of \d+/);
  t.notMatch(inspect.stderr, /\n\s+at /, "no stack trace");
  const gc = await runCli("gc", s3("r"), "--retain", "1", "--grace-period", "0", "--apply", "--endpoint", meta.endpoint);
  t.equal(gc.status, 1, "gc refuses when a metadata object cannot be read");
  t.match(gc.stderr, /KS-E001.*truncated GET/);
  t.strictSame(await keysUnder(server.client, "r"), files(root), "nothing deleted");
});

t.test("a DeleteObjects batch that fails is reported; nothing else is lost; a later gc finishes", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  for (let i = 0; i < 1500; i++) put(root, `shared/orphan-${String(i).padStart(5, "0")}`, 1);
  await upload(server.client, root, "r");
  const last = "r/shared/orphan-01499";
  const proxy = await startFaultProxy(t, server.endpoint, (req, body) =>
    (isDelete(req) && body.toString("utf8").includes(`<Key>${last}</Key>`) ? "internal" : undefined));
  const r = await runCli("gc", s3("r"), "--retain", "1", "--grace-period", "0", "--apply", "--json", "--endpoint", proxy.endpoint);
  t.equal(r.status, 1, "exit 1: deletes failed");
  const report = JSON.parse(r.stdout);
  const batches = proxy.seen.filter((s) => isDelete({ method: s.method, url: s.url } as IncomingMessage));
  t.ok(batches.length >= 3, "metadata first, then the files in batches");
  t.ok(report.failed.length > 0 && report.failed.length <= 1000, `${report.failed.length} failed: one batch`);
  t.ok(report.failed.every((f: { reason: string }) => /cannot delete: S3 InternalError/.test(f.reason)), "each names the S3 error code");
  t.ok(report.deleted.length >= 1000, "the other batch was deleted");
  const left = await keysUnder(server.client, "r");
  t.strictSame(left.filter((k) => !report.failed.some((f: { path: string }) => f.path === k)).filter((k) => report.deleted.includes(k)), [], "no deleted key is left");
  const copy = join(root, "..", `${basename(root)}-copy`);
  cpSync(root, copy, { recursive: true });
  t.teardown(() => rmSync(copy, { recursive: true, force: true }));
  await runCli("gc", copy, "--retain", "1", "--grace-period", "0", "--apply");
  const valid = await runCli("validate", s3("r"), "--json", "--endpoint", server.endpoint);
  const validLocal = await runCli("validate", copy, "--json");
  t.strictSame(JSON.parse(valid.stdout).summary, JSON.parse(validLocal.stdout).summary, "the checkpoints kept are as whole as after a local gc: nothing else was lost");

  const after = await runCli("gc", s3("r"), "--retain", "1", "--grace-period", "0", "--apply", "--json", "--endpoint", server.endpoint);
  t.equal(after.status, 0, after.stderr);
  t.strictSame(JSON.parse(after.stdout).deleted.sort(), report.failed.map((f: { path: string }) => f.path).sort(), "a later gc deletes what failed");
  await runCli("gc", root, "--retain", "1", "--grace-period", "0", "--apply");
  t.strictSame(await keysUnder(server.client, "r"), files(root), "and leaves what a local gc leaves");
});

t.test("a listing that changes during gc: new objects stay, changed objects are not deleted", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  put(root, "shared/will-grow", 4);
  put(root, "shared/will-be-rewritten", 4);
  await upload(server.client, root, "r");
  // LastModified has whole seconds: a rewrite in the same second as the upload could not be told apart.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  let changed = false;
  const proxy = await startFaultProxy(t, server.endpoint, async (req) => {
    if (isDelete(req) && !changed) {
      changed = true;
      await putObject(server.client, "r/shared/appeared-during-gc", "new");
      await putObject(server.client, "r/shared/will-grow", "grown!");
      await putObject(server.client, "r/shared/will-be-rewritten", "same");
      await putObject(server.client, "r/shared/b", "b".repeat(statSync(join(root, "shared", "b")).size)); // planned, same size
    }
    return undefined;
  });
  const r = await runCli("gc", s3("r"), "--retain", "1", "--grace-period", "0", "--apply", "--json", "--endpoint", proxy.endpoint);
  const report = JSON.parse(r.stdout);
  t.equal(r.status, 1, "exit 1: three planned deletes did not happen");
  t.ok(report.orphans.some((o: { path: string }) => o.path === "shared/will-grow"), "both were planned");
  t.notOk(report.orphans.some((o: { path: string }) => o.path === "shared/appeared-during-gc"), "the new object was not in the plan");
  t.ok(report.files.some((f: { path: string }) => f.path === "shared/b"), "shared/b was planned (only a subsumed checkpoint uses it)");
  t.strictSame(report.failed.map((f: { path: string }) => f.path).sort(), ["shared/b", "shared/will-be-rewritten", "shared/will-grow"]);
  t.match(report.failed.find((f: { path: string }) => f.path === "shared/b").reason, /modified since gc planned it/, "a planned file rewritten with its size");
  t.match(report.failed.find((f: { path: string }) => f.path === "shared/will-grow").reason, /size changed since gc planned it \(4 bytes then, 6 now\)/);
  t.match(report.failed.find((f: { path: string }) => f.path === "shared/will-be-rewritten").reason, /modified since gc planned it/);
  const left = await keysUnder(server.client, "r");
  for (const k of ["shared/appeared-during-gc", "shared/will-grow", "shared/will-be-rewritten", "shared/b"]) t.ok(left.includes(k), `${k} is still there`);
  t.ok(report.deleted.length > 0, "the rest of the plan was carried out");
  t.ok(report.deleted.every((d: string) => !left.includes(d)));
});

t.test("each key is deleted on the condition that it is still the version HEAD saw (its ETag)", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  for (let i = 0; i < 5; i++) put(root, `shared/orphan-${i}`, 3 + i);
  await upload(server.client, root, "r");
  const before = new Map<string, string>();
  for (const k of await keysUnder(server.client, "r")) {
    before.set(`r/${k}`, (await server.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `r/${k}` }))).ETag!);
  }
  const sent: { key: string; etag: string | undefined }[] = [];
  const proxy = await startFaultProxy(t, server.endpoint, (req, body) => {
    if (isDelete(req)) {
      for (const m of body.toString("utf8").matchAll(/<Object>(.*?)<\/Object>/gs)) {
        sent.push({ key: /<Key>(.*?)<\/Key>/.exec(m[1]!)![1]!, etag: /<ETag>(.*?)<\/ETag>/.exec(m[1]!)?.[1]?.replace(/&quot;/g, '"') });
      }
    }
    return undefined;
  });
  const r = await runCli("gc", s3("r"), "--retain", "1", "--grace-period", "0", "--apply", "--json", "--endpoint", proxy.endpoint);
  t.equal(r.status, 0, r.stderr);
  t.ok(sent.length >= 6, `${sent.length} keys deleted`);
  t.strictSame(sent.filter((s) => s.etag === undefined || s.etag !== before.get(s.key)), [], "every key was sent with the ETag it had");
  // A retried request sends its body again: each key once.
  t.strictSame([...new Set(sent.map((s) => s.key))].sort(), JSON.parse(r.stdout).deleted.map((d: string) => `r/${d}`).sort(), "and only the keys gc deleted");
});

t.test("a key whose ETag no longer matches (PreconditionFailed) is reported, not counted deleted; a later gc finishes", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  for (let i = 0; i < 3; i++) put(root, `shared/orphan-${i}`, 2);
  await upload(server.client, root, "r");
  const proxy = await startFaultProxy(t, server.endpoint, (req, body) =>
    (isDelete(req) && body.toString("utf8").includes("<Key>r/shared/orphan-1</Key>") ? "precondition" : undefined));
  const r = await runCli("gc", s3("r"), "--retain", "1", "--grace-period", "0", "--apply", "--json", "--endpoint", proxy.endpoint);
  t.equal(r.status, 1, "exit 1: some deletes did not happen");
  const report = JSON.parse(r.stdout);
  t.ok(report.failed.some((f: { path: string }) => f.path === "shared/orphan-1"), "the object is among the failed");
  t.ok(report.failed.every((f: { reason: string }) => /not deleted: the object changed after it was checked \(S3 PreconditionFailed on its ETag\)/.test(f.reason)), "each says why");
  t.notOk(report.deleted.includes("shared/orphan-1"), "not counted deleted");
  const left = await keysUnder(server.client, "r");
  for (const f of report.failed) t.ok(left.includes(f.path), `${f.path} is still there`);
  const after = await runCli("gc", s3("r"), "--retain", "1", "--grace-period", "0", "--apply", "--json", "--endpoint", server.endpoint);
  t.equal(after.status, 0, after.stderr);
  await runCli("gc", root, "--retain", "1", "--grace-period", "0", "--apply");
  t.strictSame(await keysUnder(server.client, "r"), files(root), "and leaves what a local gc leaves");
});

t.test("each DeleteObjects names at most 1,000 keys", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  for (let i = 0; i < 2100; i++) put(root, `shared/o-${i}`, 1);
  await upload(server.client, root, "r");
  const sizes: number[] = [];
  const proxy = await startFaultProxy(t, server.endpoint, (req, body) => {
    if (isDelete(req)) sizes.push(keysIn(body));
    return undefined;
  });
  const r = await runCli("gc", s3("r"), "--retain", "1", "--grace-period", "0", "--apply", "--endpoint", proxy.endpoint);
  t.equal(r.status, 0, r.stderr);
  t.ok(sizes.every((n) => n <= 1000), `batches of ${sizes.join(", ")} keys`);
  t.ok(sizes.filter((n) => n === 1000).length >= 2, "full batches are used");
  t.equal((await keysUnder(server.client, "r")).filter((k) => k.startsWith("shared/o-")).length, 0);
});
