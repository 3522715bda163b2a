/**
 * `openInRoot`, the storage seam's one-step resolve and open that storage validation hashes through
 * ([spec](../spec/validation.md#path-safety)): on Linux an `O_NOFOLLOW` open, an `fstat` and a `readlink` of
 * `/proc/self/fd/N` (src/storage/local-open-direct.ts), with the segment-by-segment resolve as its fallback. The
 * safety rules are those of `resolve`: no link followed on any segment, only a regular file inside the root. Also
 * the hashing of what it opens: the same XXH64 as `xxhsum -H1` and the one-shot hash, in one read or many.
 */
import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import {
  appendFileSync, constants, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync,
  truncateSync, writeFileSync,
} from "node:fs";
import { randomFillSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashToHex, xxh64 } from "../src/hash/xxh64.js";
import { openDirect } from "../src/storage/local-open-direct.js";
import { LOCAL_STORAGE } from "../src/storage/local-storage.js";
import { openInRoot, type OpenedInRoot, type ReadHandle, type Storage } from "../src/storage/storage.js";
import { hashFile, hashRange } from "../src/hash/hash-file.js";

const storage = LOCAL_STORAGE;
const linux = process.platform === "linux";

/** A real root (no link on its own path) holding data/f, and a folder outside it holding secret. */
function tree(t: Test): { root: string; outside: string } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "ksnap-open-in-root-")));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, "root");
  const outside = join(base, "outside");
  mkdirSync(join(root, "data", "sub"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, "data", "f"), "inside");
  writeFileSync(join(outside, "secret"), "inside");
  return { root, outside };
}

/** What openInRoot found; the handle, if any, closed. */
async function opened(root: string, rel: string): Promise<OpenedInRoot> {
  const o = await storage.openInRoot!(root, rel);
  await o.handle?.close();
  return o;
}

function mkfifo(path: string): boolean {
  return spawnSync("mkfifo", [path]).status === 0;
}

t.test("a regular file: opened in one step, with what resolve says of it", async (t) => {
  const { root } = tree(t);
  const o = await storage.openInRoot!(root, "data/f");
  const r = await storage.resolve(root, "data/f");
  t.match(o.resolution, { status: "file", location: join(root, "data", "f"), info: { kind: "file", size: 6n } });
  t.strictSame(o.resolution, r, "the same resolution as resolve, identity (device:inode) included");
  if (linux) t.ok(o.handle, "on Linux the file comes back open (the cheap path was taken)");
  const h = o.handle ?? await storage.open(join(root, "data", "f"));
  const into = new Uint8Array(16);
  t.equal(await h.read(into, 0, 16, 0), 6);
  t.equal(new TextDecoder().decode(into.subarray(0, 6)), "inside");
  t.equal(await h.read(into, 0, 16, 6), 0, "then the end");
  await h.close();
  await h.close();
  t.pass("closing twice is harmless");
});

t.test("a link as the last segment, inside or outside the root, is not opened", async (t) => {
  const { root, outside } = tree(t);
  symlinkSync("f", join(root, "data", "inner"));
  symlinkSync(join(outside, "secret"), join(root, "data", "out"));
  const inner = await opened(root, "data/inner");
  t.match(inner.resolution, { status: "link", linkAt: "data/inner", outside: false });
  t.equal(inner.handle, undefined);
  const out = await opened(root, "data/out");
  t.match(out.resolution, { status: "link", linkAt: "data/out", outside: true });
  t.equal(out.handle, undefined);
});

t.test("a link as a middle folder, inside or outside the root, is not opened", async (t) => {
  const { root, outside } = tree(t);
  symlinkSync("data", join(root, "alias"));
  symlinkSync(outside, join(root, "out-dir"));
  const alias = await opened(root, "alias/f");
  t.match(alias.resolution, { status: "link", linkAt: "alias", outside: false });
  t.equal(alias.handle, undefined);
  const out = await opened(root, "out-dir/secret");
  t.match(out.resolution, { status: "link", linkAt: "out-dir", outside: true });
  t.equal(out.handle, undefined);
  if (linux) {
    // O_NOFOLLOW guards the last segment only: the open itself goes through the folder link. The check on the open
    // descriptor (its path in /proc/self/fd) is what refuses it.
    const fd = openSync(join(root, "out-dir", "secret"), constants.O_RDONLY | constants.O_NOFOLLOW);
    closeSync(fd);
    t.pass("the kernel opens the file behind the folder link");
    t.equal(openDirect(join(root, "out-dir", "secret")), undefined, "openDirect refuses it");
  }
});

t.test("a folder swapped for a link after the listing, before the open, is caught at the open", async (t) => {
  const { root, outside } = tree(t);
  // The listing (here: resolve) sees a regular file under a real folder...
  t.match(await storage.resolve(root, "data/f"), { status: "file" });
  // ...then the folder becomes a link to a folder outside holding a file of the same name and content.
  renameSync(join(root, "data"), join(root, "data-was"));
  renameSync(outside, join(root, "..", "outside-data"));
  writeFileSync(join(root, "..", "outside-data", "f"), "inside");
  symlinkSync(join(root, "..", "outside-data"), join(root, "data"));
  const o = await opened(root, "data/f");
  t.match(o.resolution, { status: "link", linkAt: "data", outside: true });
  t.equal(o.handle, undefined, "never opened for reading");
  // And the last segment swapped for a link to a file outside.
  rmSync(join(root, "data"));
  renameSync(join(root, "data-was"), join(root, "data"));
  t.match(await storage.resolve(root, "data/f"), { status: "file" });
  rmSync(join(root, "data", "f"));
  symlinkSync(join(root, "..", "outside-data", "f"), join(root, "data", "f"));
  const last = await opened(root, "data/f");
  t.match(last.resolution, { status: "link", linkAt: "data/f", outside: true });
  t.equal(last.handle, undefined);
});

t.test("a FIFO (without hanging), a folder, a missing file and a path through a file are not opened", { timeout: 30_000 }, async (t) => {
  const { root } = tree(t);
  if (mkfifo(join(root, "data", "fifo"))) {
    const fifo = await opened(root, "data/fifo");
    t.match(fifo.resolution, { status: "not-file", info: { kind: "other", what: "a FIFO" } });
    t.equal(fifo.handle, undefined);
  }
  const folder = await opened(root, "data/sub");
  t.match(folder.resolution, { status: "not-file", info: { kind: "folder" } }, "a folder where a file is expected");
  t.equal(folder.handle, undefined);
  t.match((await opened(root, "data/nope")).resolution, { status: "missing", why: "does not exist" });
  t.match((await opened(root, "data/f/g")).resolution, { status: "missing", why: /a folder on its path is a file/ });
});

t.test("a root that is not real (reached through a link) takes the slow path and finds the link", async (t) => {
  const { root } = tree(t);
  const linked = join(root, "..", "root-link");
  symlinkSync(root, linked);
  t.equal(openDirect(join(linked, "data", "f")), undefined, "the descriptor's path is not the path asked for");
  // resolve walks from the root it is given, so it only sees links below it: the file is found, not opened early.
  const o = await opened(linked, "data/f");
  t.match(o.resolution, { status: "file" });
  t.equal(o.handle, undefined);
});

t.test("openInRoot() of a storage without it resolves and leaves the opening to the caller", async (t) => {
  const { root } = tree(t);
  const { openInRoot: _omitted, ...rest } = Object.getOwnPropertyDescriptors(Object.getPrototypeOf(storage));
  void _omitted;
  const bare = Object.create(Object.prototype, rest) as Storage;
  t.equal(bare.openInRoot, undefined);
  const o = await openInRoot(bare, root, "data/f");
  t.match(o.resolution, { status: "file", info: { size: 6n } });
  t.equal(o.handle, undefined);
});

/** A handle on `bytes` that returns at most `most` bytes per read: as a network storage may. */
function shortReads(bytes: Uint8Array, most: number): ReadHandle {
  return {
    size: BigInt(bytes.length), info: { kind: "file", size: BigInt(bytes.length), modifiedMs: 0 },
    async read(into, offset, length, position) {
      const n = Math.max(0, Math.min(length, most, bytes.length - position));
      into.set(bytes.subarray(position, position + n), offset);
      return n;
    },
    async close() {},
  };
}

t.test("hashes: every size around the chunk and stripe edges, in one read or many, equal the one-shot XXH64", async (t) => {
  const { root } = tree(t);
  const chunk = 64;
  for (const size of [0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 4096, 3 * 64 + 5]) {
    const bytes = randomFillSync(new Uint8Array(size));
    writeFileSync(join(root, "data", "h"), bytes);
    const want = xxh64(bytes);
    const o = await storage.openInRoot!(root, "data/h");
    const h = o.handle ?? await storage.open(join(root, "data", "h"));
    let seen = 0;
    const got = await hashFile(h, new Uint8Array(chunk), (n) => (seen += n));
    await h.close();
    t.strictSame(got, { bytes: BigInt(size), xxh64: want }, `${size} bytes through a ${chunk}-byte buffer`);
    t.equal(seen, size, "progress counts every byte once");
    t.strictSame(await hashFile(shortReads(bytes, 7), new Uint8Array(chunk), () => {}), { bytes: BigInt(size), xxh64: want }, `${size} bytes, 7 at a time`);
    for (const [offset, length] of [[0, size], [1, size - 1], [Math.floor(size / 2), size - Math.floor(size / 2)], [0, 0]] as const) {
      if (length < 0) continue;
      const range = bytes.subarray(offset, offset + length);
      t.strictSame(await hashRange(shortReads(bytes, 7), new Uint8Array(chunk), () => {}, BigInt(offset), BigInt(length)),
        { bytes: BigInt(length), xxh64: xxh64(range) }, `[${offset}, ${offset + length}) of ${size} bytes`);
      t.strictSame(await hashRange(shortReads(bytes, 1 << 20), new Uint8Array(chunk), () => {}, BigInt(offset), BigInt(length)),
        { bytes: BigInt(length), xxh64: xxh64(range) }, `[${offset}, ${offset + length}) of ${size} bytes, whole reads`);
    }
  }
});

t.test("hashes agree with xxhsum -H1 on files read the cheap way", async (t) => {
  // .ci/run installs it (Debian's xxhash).
  t.equal(spawnSync("xxhsum", ["--version"]).error, undefined, "xxhsum is installed");
  const { root } = tree(t);
  const sizes = [0, 5, 4096, 100_000, (1 << 20) + 3];
  for (const [i, size] of sizes.entries()) writeFileSync(join(root, "data", `x${i}`), randomFillSync(new Uint8Array(size)));
  const r = spawnSync("xxhsum", ["-H1", ...sizes.map((_, i) => join(root, "data", `x${i}`))], { encoding: "utf8" });
  const theirs = r.stdout.trim().split("\n").map((l) => l.slice(0, 16));
  const buffer = new Uint8Array(1 << 20);
  for (const [i] of sizes.entries()) {
    const o = await storage.openInRoot!(root, `data/x${i}`);
    const h = o.handle ?? await storage.open(join(root, "data", `x${i}`));
    const got = await hashFile(h, buffer, () => {});
    await h.close();
    t.equal(hashToHex(got.xxh64), theirs[i], `${sizes[i]} bytes`);
  }
});

t.test("a file that grows or shrinks after it was opened is read as it is: the count shows the change", async (t) => {
  const { root } = tree(t);
  const path = join(root, "data", "g");
  writeFileSync(path, "0123456789");
  const grow = await storage.openInRoot!(root, "data/g");
  const g = grow.handle ?? await storage.open(path);
  t.equal(g.size, 10n);
  appendFileSync(path, "abcde");
  const grown = await hashFile(g, new Uint8Array(64), () => {});
  await g.close();
  t.strictSame(grown, { bytes: 15n, xxh64: xxh64(readFileSync(path)) }, "read to its new end");
  const shrink = await storage.openInRoot!(root, "data/g");
  const s = shrink.handle ?? await storage.open(path);
  truncateSync(path, 4);
  t.equal((await hashFile(s, new Uint8Array(64), () => {})).bytes, 4n);
  await s.close();
});
