/**
 * Bad input on object storage (spec/ownership.md#object-storage-s3): an unknown bucket, access denied, a missing
 * object, an endpoint that is down, a key that is not a path. Each is one line naming the object and the S3 error
 * code, exit status 1, never a stack trace; gc refuses and deletes nothing when a read it depends on failed.
 */
import t from "tap";
import { createServer } from "node:net";
import { files, history } from "./gc-fixtures.js";
import { runCli } from "./run-cli.js";
import { startFaultProxy } from "./s3-fault-proxy.js";
import { keysUnder, s3, startS3Server, upload } from "./s3-server.js";

/** A loopback port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ONE_LINE = /^ksnap: [^\n]+\n$/;

t.test("an unknown bucket: the S3 code and the location, exit 1", async (t) => {
  const server = await startS3Server(t);
  for (const args of [["validate", "s3://no-such-bucket/root"], ["inspect", "s3://no-such-bucket/root/chk-1"], ["gc", "s3://no-such-bucket/root", "--retain", "1"],
    ["savepoint", "dump", "s3://no-such-bucket/x.ksvd"], ["validate", "s3://no-such-bucket"]]) {
    const r = await runCli(...args, "--endpoint", server.endpoint);
    t.equal(r.status, 1, args.join(" "));
    t.match(r.stderr, ONE_LINE);
    t.match(r.stderr, /^ksnap: s3:\/\/no-such-bucket[^:]*: IO_ERROR: cannot (list|read): S3 NoSuchBucket/, args.join(" "));
  }
  const json = await runCli("validate", "s3://no-such-bucket/root", "--json", "--endpoint", server.endpoint);
  t.match(JSON.parse(json.stderr), { error: { code: "IO_ERROR", file: "s3://no-such-bucket/root", message: /S3 NoSuchBucket/ } });
});

t.test("access denied: the S3 code and the location, exit 1; gc deletes nothing", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "r");
  const proxy = await startFaultProxy(t, server.endpoint, () => "denied");
  for (const args of [["validate", s3("r")], ["inspect", s3("r/chk-1")], ["gc", s3("r"), "--retain", "1", "--apply", "--grace-period", "0"],
    ["diff", s3("r/chk-1"), s3("r/chk-2")], ["plan-restore", s3("r/chk-2"), "-p", "2"]]) {
    const r = await runCli(...args, "--endpoint", proxy.endpoint);
    t.equal(r.status, 1, args.join(" "));
    t.match(r.stderr, ONE_LINE);
    t.match(r.stderr, /^ksnap: s3:\/\/ksnap-test\/r[^:]*: IO_ERROR: cannot (list|read): S3 AccessDenied/, args.join(" "));
  }
  t.strictSame(await keysUnder(server.client, "r"), files(root), "nothing deleted");
});

t.test("gc refuses, deleting nothing, when one read it depends on fails", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "r");
  const deniedMetadata = await startFaultProxy(t, server.endpoint, (req) =>
    (req.method === "GET" && new URL(req.url ?? "/", "http://p").pathname.endsWith("chk-2/_metadata.ksnap") ? "denied" : undefined));
  const r = await runCli("gc", s3("r"), "--retain", "1", "--apply", "--grace-period", "0", "--endpoint", deniedMetadata.endpoint);
  t.equal(r.status, 1);
  t.match(r.stderr, /chk-2\/_metadata\.ksnap: KS-E001: cannot be read or decoded: IO_ERROR: cannot read: S3 AccessDenied/);
  t.match(r.stderr, /gc refused: .* nothing deleted/);
  const failedListing = await startFaultProxy(t, server.endpoint, (req) => ((req.url ?? "").includes("list-type") ? "internal" : undefined));
  const l = await runCli("gc", s3("r"), "--retain", "1", "--apply", "--grace-period", "0", "--endpoint", failedListing.endpoint);
  t.equal(l.status, 1);
  t.match(l.stderr, /^ksnap: s3:\/\/ksnap-test\/r[^:]*: IO_ERROR: cannot list: S3 InternalError/);
  t.ok(failedListing.seen.length >= 6, "the listing was retried before gc gave up");
  t.strictSame(await keysUnder(server.client, "r"), files(root), "nothing deleted");
});

t.test("a missing object, an endpoint that is down", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "r");
  const missing = await runCli("inspect", s3("r/chk-9/_metadata.ksnap"), "--endpoint", server.endpoint);
  t.equal(missing.status, 1);
  t.match(missing.stderr, /^ksnap: s3:\/\/ksnap-test\/r\/chk-9\/_metadata\.ksnap: IO_ERROR: cannot read: S3 NoSuchKey: no object, and no object under it as a prefix\n$/);
  for (const args of [["validate", s3("none")], ["gc", s3("none"), "--retain", "1"], ["savepoint", "dump", s3("r/none.ksvd")], ["convert", s3("r/none"), "-o", "-"]]) {
    const r = await runCli(...args, "--endpoint", server.endpoint);
    t.equal(r.status, 1, args.join(" "));
    t.match(r.stderr, /^ksnap: s3:\/\/ksnap-test\/[^:]+: IO_ERROR: cannot read: S3 NoSuchKey/, args.join(" "));
  }
  const port = await closedPort();
  const down = await runCli("validate", s3("r"), "--endpoint", `http://127.0.0.1:${port}`);
  t.equal(down.status, 1);
  t.match(down.stderr, ONE_LINE);
  t.match(down.stderr, /^ksnap: s3:\/\/ksnap-test\/r: IO_ERROR: cannot read: S3 ECONNREFUSED/);
});

t.test("a key that is not a path ('..') in a listing: refused, nothing read around it, nothing deleted", async (t) => {
  const server = await startS3Server(t);
  const root = history(t);
  await upload(server.client, root, "r");
  const proxy = await startFaultProxy(t, server.endpoint, (req) => ((req.url ?? "").includes("list-type") ? "unsafe-key" : undefined));
  for (const args of [["validate", s3("r")], ["gc", s3("r"), "--retain", "1", "--apply", "--grace-period", "0"]]) {
    const r = await runCli(...args, "--endpoint", proxy.endpoint);
    t.equal(r.status, 1, args.join(" "));
    t.match(r.stderr, /^ksnap: s3:\/\/ksnap-test\/r\/\.\.\/escape: UNSAFE_PATH: the listing holds the key "r\/\.\.\/escape", which has a '\.\.' segment/);
  }
  t.strictSame(await keysUnder(server.client, "r"), files(root), "nothing deleted");
});
