/**
 * The S3 storage against a real S3 API server on loopback (spec/ownership.md#object-storage-s3): every vector
 * makes a byte-for-byte round trip through it, whole and by streamed, ranged reads; listings are paginated and
 * seen whole; keys that are not paths are refused; locations are pure arithmetic on `s3://` strings.
 */
import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageFile } from "../src/storage/package-files.js";
import { S3Storage } from "../src/storage/s3-storage.js";
import { storageFor } from "../src/storage/storage-for.js";
import { LOCAL_STORAGE } from "../src/storage/local-storage.js";
import { rejection } from "./helpers.js";
import { getObject, keysUnder, localFiles, putObject, s3, startS3Server, upload } from "./s3-server.js";

t.test("locations: s3:// arithmetic, path rules, and storageFor", async (t) => {
  const s = new S3Storage({ endpoint: "http://127.0.0.1:1" });
  t.equal(s.locate("s3://b/root", "chk-1/_metadata.ksnap"), "s3://b/root/chk-1/_metadata.ksnap");
  t.equal(s.locate("s3://b", "x"), "s3://b/x");
  t.equal(s.child("s3://b/root/", "x"), "s3://b/root/x", "a trailing '/' names the same prefix");
  t.equal(s.parent("s3://b/root/chk-1"), "s3://b/root");
  t.equal(s.parent("s3://b/root"), "s3://b");
  t.equal(s.baseName("s3://b/root/chk-1"), "chk-1");
  t.equal(s.relativeTo("s3://b/root", "s3://b/root/shared/a"), "shared/a");
  t.equal(s.relativeTo("s3://b/root", "s3://b/rootx/a"), undefined);
  t.equal(s.relativeTo("s3://b/root", "s3://c/root/a"), undefined, "another bucket is outside");
  t.equal(s.relativeTo("s3://b/root", "/local/root/a"), undefined);
  t.equal(s.absolute("s3://b/root/"), "s3://b/root", "an s3:// location passes through node:path untouched");
  for (const bad of ["../x", "a/../b", "a//b", "./a", "a/"]) {
    t.equal((await rejection(async () => s.locate("s3://b/root", bad))).code, "UNSAFE_PATH", bad);
  }
  for (const bad of ["s3://b/a/../c", "s3://b/a//c", "s3://b/./c", "s3:///key"]) {
    t.equal((await rejection(async () => s.info(bad))).code, "UNSAFE_PATH", `${bad} is never sent`);
  }
  t.equal(storageFor("/tmp/x"), LOCAL_STORAGE, "a local path is the local file system");
  t.type(storageFor("s3://b/x", { endpoint: "http://127.0.0.1:1" }), S3Storage);
  t.not(storageFor("s3://b/x"), storageFor("s3://b/x"), "each command gets its own storage: no listing outlives it");
});

t.test("every vector makes a byte-for-byte round trip, whole and by streamed ranged reads", async (t) => {
  const server = await startS3Server(t);
  const vectors = packageFile("conformance/vectors");
  const keys = await upload(server.client, vectors, "vectors");
  const paths = localFiles(vectors);
  t.ok(paths.length > 100, `${paths.length} vector files`);
  const storage = server.storage();
  t.strictSame(await keysUnder(server.client, "vectors"), paths, "the server lists every key");
  const buffer = new Uint8Array(4096);
  let mismatches = 0;
  for (const [i, rel] of paths.entries()) {
    const local = readFileSync(join(vectors, ...rel.split("/")));
    const whole = await storage.read(s3(`vectors/${rel}`), 1 << 30);
    if (!Buffer.from(whole).equals(local)) mismatches++;
    // Streamed: small reads one after another (one GET), then a read elsewhere (a new ranged GET) and back.
    const handle = await storage.open(s3(keys[i]!));
    t.equal(handle.size, BigInt(local.length));
    const streamed: Buffer[] = [];
    for (let at = 0; ;) {
      const n = await handle.read(buffer, 0, buffer.length, at);
      if (n === 0) break;
      streamed.push(Buffer.from(buffer.subarray(0, n)));
      at += n;
    }
    if (local.length > 10) {
      const n = await handle.read(buffer, 0, 5, local.length - 7);
      if (!Buffer.from(buffer.subarray(0, n)).equals(local.subarray(local.length - 7, local.length - 2))) mismatches++;
    }
    await handle.close();
    if (!Buffer.concat(streamed).equals(local)) mismatches++;
    if (!Buffer.from(await getObject(server.client, keys[i]!)).equals(local)) mismatches++;
  }
  t.equal(mismatches, 0, "every byte came back");
  const sizes = await Promise.all(paths.slice(0, 20).map(async (p) => (await storage.info(s3(`vectors/${p}`)))?.size));
  t.strictSame(sizes, paths.slice(0, 20).map((p) => BigInt(readFileSync(join(vectors, ...p.split("/"))).length)));
});

t.test("a listing of more than 1,000 keys is paginated and seen whole; folders are prefixes", async (t) => {
  const server = await startS3Server(t);
  const names = Array.from({ length: 1234 }, (_, i) => `f-${String(i).padStart(5, "0")}`);
  for (let i = 0; i < names.length; i += 64) {
    await Promise.all(names.slice(i, i + 64).map((n) => putObject(server.client, `big/shared/${n}`, n)));
  }
  await putObject(server.client, "big/chk-1/deep/er/x", "x");
  await putObject(server.client, "big/marker/", "");
  const storage = server.storage();
  t.strictSame(await storage.list(s3("big")), [
    { name: "chk-1", kind: "folder" }, { name: "marker", kind: "folder" }, { name: "shared", kind: "folder" },
  ], "a folder marker is a folder, and a folder only deep keys hold is seen");
  const shared = await storage.list(s3("big/shared"));
  t.equal(shared.length, 1234);
  t.strictSame(shared.map((e) => e.name), names);
  t.strictSame(await storage.list(s3("big/chk-1/deep")), [{ name: "er", kind: "folder" }]);
  t.equal((await storage.info(s3("big/shared/f-00007")))?.size, 7n, "sizes come from the listing");
  t.equal((await storage.info(s3("big/chk-1")))?.kind, "folder");
  t.equal(await storage.info(s3("big/nothing")), undefined);
  t.strictSame(await storage.list(s3("big/nothing")), [], "an empty prefix lists nothing");
  const fresh = server.storage();
  t.equal((await fresh.info(s3("big/chk-1")))?.kind, "folder", "a prefix is a folder without a listing too");
  t.equal((await fresh.resolve(s3("big"), "shared/f-00001")).status, "file");
  t.equal((await fresh.resolve(s3("big"), "shared")).status, "not-file");
  t.equal((await fresh.resolve(s3("big"), "shared/none")).status, "missing");
});

t.test("writes are single PUTs, whole or not at all; local-only operations are refused", async (t) => {
  const server = await startS3Server(t);
  const storage = server.storage();
  await storage.write(s3("w/out.ksnap"), new Uint8Array([1, 2, 3]));
  t.strictSame([...await getObject(server.client, "w/out.ksnap")], [1, 2, 3]);
  t.equal((await rejection(async () => storage.writer(s3("w/x")))).code, "INVALID_OPERATION");
  t.equal((await rejection(() => storage.makeTempFolder("x"))).code, "INVALID_OPERATION");
  t.equal((await rejection(() => storage.removeTree(s3("w")))).code, "INVALID_OPERATION");
  t.equal(await storage.removeEmptyFolder(), false, "S3 has no folders to remove");
  t.equal((await rejection(() => storage.read(s3("w/out.ksnap"), 2))).code, "LIMIT_EXCEEDED");
});
