/**
 * The listing of an S3 root is consumed page by page into compact records (src/storage/s3-listing.ts): with pages of
 * a few keys (MaxKeys) on a real S3 API server, validation and the gc plan are those of the same root on the local
 * file system, orphans are found wherever the page boundaries fall, and objects that appear during the run are left
 * alone; and an object read from its first byte on (hashed whole, a metadata object) costs one GET and no HEAD.
 * Memory itself is measured by the bench, not here (a timed or sized test would be flaky).
 */
import t from "tap";
import type { IncomingMessage } from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { runGc, type GcReport } from "../src/gc/gc-run.js";
import { s3ClientConfig, S3Storage } from "../src/storage/s3-storage.js";
import { validatePath } from "../src/validate/validate-path.js";
import { files, history, put } from "./gc-fixtures.js";
import { startFaultProxy } from "./s3-fault-proxy.js";
import { keysUnder, putObject, s3, startS3Server, upload } from "./s3-server.js";

const isList = (req: { method: string; url?: string }): boolean => req.method === "GET" && (req.url ?? "").includes("list-type=2");
const isDelete = (req: IncomingMessage): boolean => req.method === "POST" && (req.url ?? "").includes("delete");

/** A root with orphans spread over `shared/` and `chk-*` so that pages of a few keys cut between them. */
function rootWithOrphans(t: Parameters<typeof history>[0]): string {
  const root = history(t);
  for (let i = 0; i < 40; i++) put(root, `shared/orphan-${String(i).padStart(3, "0")}`, 1 + (i % 5));
  for (let i = 0; i < 9; i++) put(root, `chk-3/left-${i}`, 2);
  return root;
}

/** What a gc report says, without times (an upload gives every object a new LastModified). */
function gist(r: GcReport): unknown {
  return {
    problems: r.problems.map((p) => p.rule),
    files: r.plan?.files.map((f) => `${f.path} ${f.size}`),
    subsumed: r.plan?.subsumed.map((s) => s.metadata),
    orphans: r.orphans.map((o) => `${o.path} ${o.size} ${o.deletable}`),
  };
}

t.test("pages of a few keys: validate and the gc plan are those of the local root, orphans across page boundaries", async (t) => {
  const server = await startS3Server(t);
  const root = rootWithOrphans(t);
  const keys = await upload(server.client, root, "r");
  const local = await validatePath(root, {});
  const localGc = await runGc(root, { retain: 1, apply: false, graceMs: 0 }, { now: Date.now() });
  t.ok(localGc.orphans.length >= 50, `${localGc.orphans.length} orphans locally`);
  for (const pageSize of [1, 3, 7, 1000]) {
    const proxy = await startFaultProxy(t, server.endpoint);
    const store = new S3Storage({ client: new S3Client(s3ClientConfig(proxy.endpoint)), pageSize });
    const remote = await validatePath(s3("r"), { store });
    t.strictSame(remote.summary, local.summary, `pages of ${pageSize}: the same validation summary`);
    t.strictSame(remote.findings.map((f) => `${f.rule} ${f.location.path ?? ""}`), local.findings.map((f) => `${f.rule} ${f.location.path ?? ""}`),
      `pages of ${pageSize}: the same findings`);
    const lists = proxy.seen.filter(isList).length;
    t.ok(lists >= Math.ceil(keys.length / pageSize), `pages of ${pageSize}: ${lists} listing requests for ${keys.length} keys`);
    const gc = await runGc(s3("r"), { retain: 1, apply: false, graceMs: 0 }, { store: new S3Storage({ client: server.client, pageSize }), now: Date.now() });
    t.strictSame(gist(gc), gist(localGc), `pages of ${pageSize}: the same plan and orphans`);
  }
});

t.test("pages of 2 keys: gc --apply deletes what a local gc deletes; objects that appear during the run stay", async (t) => {
  const server = await startS3Server(t);
  const root = rootWithOrphans(t);
  await upload(server.client, root, "r");
  let appeared = false;
  const proxy = await startFaultProxy(t, server.endpoint, async (req) => {
    if (isDelete(req) && !appeared) {
      appeared = true;
      // Between two planned orphans in key order, and in a checkpoint folder gc plans to empty.
      await putObject(server.client, "r/shared/orphan-0105", "new");
      await putObject(server.client, "r/chk-1/appeared", "new");
    }
    return undefined;
  });
  const store = new S3Storage({ client: new S3Client(s3ClientConfig(proxy.endpoint)), pageSize: 2 });
  const gc = await runGc(s3("r"), { retain: 1, apply: true, graceMs: 0 }, { store, now: Date.now() });
  t.ok(appeared, "objects were written while gc deleted");
  t.strictSame(gc.outcome?.failed ?? [], [], "every planned delete was carried out");
  await runGc(root, { retain: 1, apply: true, graceMs: 0 }, { now: Date.now() });
  t.strictSame(await keysUnder(server.client, "r"), [...files(root), "chk-1/appeared", "shared/orphan-0105"].sort(),
    "what a local gc leaves, and the two new objects");
});

t.test("validate hashes each object with one GET and no HEAD; the report is the local one", async (t) => {
  const server = await startS3Server(t);
  const root = rootWithOrphans(t);
  await upload(server.client, root, "r");
  const proxy = await startFaultProxy(t, server.endpoint);
  const store = new S3Storage({ client: new S3Client(s3ClientConfig(proxy.endpoint)) });
  const remote = await validatePath(s3("r"), { store });
  const local = await validatePath(root, {});
  t.strictSame(remote.summary, local.summary, "the same summary");
  const objectPath = (url: string): string => decodeURIComponent(new URL(url, "http://proxy").pathname);
  const referenced = ["shared/a", "shared/b", "shared/c", "shared/d", "chk-1/h/p", "chk-1/h/MANIFEST"].map((p) => `/ksnap-test/r/${p}`);
  for (const path of referenced) {
    const seen = proxy.seen.filter((s) => objectPath(s.url) === path);
    t.strictSame(seen.map((s) => s.method), ["GET"], `${path}: one GET, no HEAD`);
  }
  const metadata = proxy.seen.filter((s) => objectPath(s.url).endsWith("/_metadata.ksnap"));
  t.ok(metadata.length > 0 && metadata.every((s) => s.method === "GET"), "metadata objects: GETs only");
});
