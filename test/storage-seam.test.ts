/**
 * The storage seam ([spec](../spec/ownership.md#the-storage-seam)): nothing in
 * src/ outside src/storage/ touches `node:fs`, and the local implementation
 * keeps the seam's rules: resolution one segment at a time, never through a
 * link; deletes only of regular files reached without links; atomic writes that
 * replace only a regular file; bounded, non-blocking reads.
 */
import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import {
  existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync,
  utimesSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { KsnapError } from "../src/errors.js";
import { LOCAL_STORAGE } from "../src/storage/local-storage.js";
import { packageFile } from "../src/storage/package-files.js";
import { isTempName, type Resolution } from "../src/storage/storage.js";
import { rejection } from "./helpers.js";

const storage = LOCAL_STORAGE;

/** Every .ts file under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : []);
}

/** An import, dynamic import or require of `fs`, `node:fs`, `fs/promises` or `node:fs/promises`. */
const FS_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](?:node:)?fs(?:\/promises)?["']/m;

t.test("nothing in src/ outside src/storage/ imports node:fs", async (t) => {
  const src = packageFile("src");
  const outside = sources(src).filter((f) => !relative(src, f).startsWith(`storage${sep}`));
  t.ok(outside.length > 50, "the sources were found");
  const offenders = outside.filter((f) => FS_IMPORT.test(readFileSync(f, "utf8"))).map((f) => relative(src, f));
  t.strictSame(offenders, [], "file access goes through src/storage/ (the Storage interface)");
  // The pattern itself: each form is caught, a mention in prose is not.
  for (const line of ['import { readFileSync } from "node:fs";', "import * as fs from 'fs';", 'const { open } = await import("node:fs/promises");',
    'const fs = require("fs");', 'import "node:fs";']) t.match(line, FS_IMPORT, line);
  t.notMatch("// every node:fs call is in src/storage", FS_IMPORT);
});

/** A fresh folder (its real path) removed after the test. */
async function folder(t: Test): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-seam-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return storage.realRoot(dir);
}

/** Makes a FIFO; false where mkfifo is missing (the caller then skips). */
function mkfifo(t: Test, path: string): boolean {
  if (spawnSync("mkfifo", [path]).status === 0) return true;
  t.comment("mkfifo is not available");
  return false;
}

/** A root holding data/f (a file), data/sub/ (a folder), a.txt (a file), and an outside folder with a secret file. */
async function tree(t: Test): Promise<{ root: string; outside: string }> {
  const base = await folder(t);
  const root = join(base, "root");
  const outside = join(base, "outside");
  mkdirSync(join(root, "data", "sub"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, "data", "f"), "inside");
  writeFileSync(join(root, "a.txt"), "a");
  writeFileSync(join(outside, "secret"), "outside");
  return { root, outside };
}

t.test("resolve: where a relative path leads, never through a link", async (t) => {
  const { root, outside } = await tree(t);
  const at = (rel: string): Promise<Resolution> => storage.resolve(root, rel);

  const file = await at("data/f");
  t.equal(file.status, "file");
  t.equal(file.location, join(root, "data", "f"));
  t.match(file, { info: { kind: "file", size: 6n } });

  t.match(await at("data/nope"), { status: "missing", why: "does not exist" });
  t.match(await at("a.txt/b"), { status: "missing", why: /a folder on its path is a file/ }, "ENOTDIR");
  t.match(await at("data/sub"), { status: "not-file", info: { kind: "folder" } }, "a folder");

  symlinkSync("f", join(root, "data", "link-end"));
  t.match(await at("data/link-end"), { status: "link", linkAt: "data/link-end", outside: false, target: join(root, "data", "f"), targetInfo: { kind: "file" } },
    "a link at the end, inside the root");

  symlinkSync(join(root, "data"), join(root, "linked"));
  t.match(await at("linked/f"), { status: "link", linkAt: "linked", outside: false, location: join(root, "linked", "f") }, "a link in the middle");

  symlinkSync(join(outside, "secret"), join(root, "data", "out"));
  const out = await at("data/out");
  t.match(out, { status: "link", linkAt: "data/out", outside: true });
  symlinkSync(outside, join(root, "out-dir"));
  t.match(await at("out-dir/secret"), { status: "link", linkAt: "out-dir", outside: true }, "a linked folder outside the root");

  symlinkSync(join(root, "nowhere"), join(root, "dangling"));
  const dangling = await at("dangling");
  t.match(dangling, { status: "link", linkAt: "dangling", why: /dangling/ });
  t.equal((dangling as { target?: string }).target, undefined, "no target");

  symlinkSync("loop-b", join(root, "loop-a"));
  symlinkSync("loop-a", join(root, "loop-b"));
  t.match(await at("loop-a"), { status: "link", linkAt: "loop-a", why: /loop/ });

  if (mkfifo(t, join(root, "data", "fifo"))) t.match(await at("data/fifo"), { status: "not-file", info: { kind: "other", what: "a FIFO" } });

  t.equal((await rejection(() => at("../outside/secret"))).code, "UNSAFE_PATH", "a path breaking the path rules");
});

t.test("deleteFile: only a regular file inside the root reached without links", async (t) => {
  const { root, outside } = await tree(t);
  symlinkSync(join(outside, "secret"), join(root, "link"));
  const link = await rejection(() => storage.deleteFile(root, "link"));
  t.equal(link.code, "UNSAFE_PATH");
  t.match(link.message, /refused to delete "link": "link" is a symbolic link/);
  t.ok(lstatSync(join(root, "link")).isSymbolicLink(), "the link is still there");
  t.ok(existsSync(join(outside, "secret")), "and so is its target");

  t.equal((await rejection(() => storage.deleteFile(root, "data/sub"))).code, "UNSAFE_PATH", "a folder");
  t.ok(statSync(join(root, "data", "sub")).isDirectory());

  symlinkSync(join(root, "data"), join(root, "linked"));
  const through = await rejection(() => storage.deleteFile(root, "linked/f"));
  t.equal(through.code, "UNSAFE_PATH", "a path through a linked folder");
  t.match(through.message, /"linked" is a symbolic link/);
  t.ok(existsSync(join(root, "data", "f")), "the file behind it is kept");

  t.equal(await storage.deleteFile(root, "data/f"), true, "a regular file is deleted");
  t.notOk(existsSync(join(root, "data", "f")));
  t.equal(await storage.deleteFile(root, "data/f"), false, "false when already gone");
});

t.test("deleteFiles: each file checked against what was planned; a refusal stops the run", async (t) => {
  const { root } = await tree(t);
  writeFileSync(join(root, "data", "g"), "planned");
  const mtime = (await storage.info(join(root, "data", "g")))!.modifiedMs;
  writeFileSync(join(root, "data", "h"), "planned");
  utimesSync(join(root, "data", "h"), new Date(mtime + 5000), new Date(mtime + 5000));
  const results = await storage.deleteFiles(root, [
    { path: "data/f", size: 99n }, // "inside" is 6 bytes: changed since planned
    { path: "data/g", size: 7n, modifiedMs: mtime },
    { path: "data/h", size: 7n, modifiedMs: mtime }, // rewritten later: another time
    { path: "gone", size: 1n },
    { path: "data/sub" }, // a folder: refused, and nothing after it is tried
    { path: "a.txt" },
  ]);
  t.strictSame(results.map((r) => [r.path, r.status]), [
    ["data/f", "failed"], ["data/g", "deleted"], ["data/h", "failed"], ["gone", "gone"], ["data/sub", "refused"],
  ]);
  t.match((results[0] as { error: Error }).error.message, /its size changed since gc planned it \(99 bytes then, 6 now\): not deleted/);
  t.match((results[2] as { error: Error }).error.message, /it was modified since gc planned it/);
  t.ok(existsSync(join(root, "data", "f")), "a changed file is kept");
  t.ok(existsSync(join(root, "data", "h")));
  t.notOk(existsSync(join(root, "data", "g")));
  t.ok(existsSync(join(root, "a.txt")), "nothing after a refusal is deleted");
  t.equal(storage.absolute("rel/x"), join(process.cwd(), "rel", "x"), "a local location is resolved against the working folder");
});

t.test("removeEmptyFolder: an empty folder reached without links; never a folder behind a link", async (t) => {
  const { root, outside } = await tree(t);
  mkdirSync(join(outside, "empty"));
  symlinkSync(outside, join(root, "out"));
  t.equal(await storage.removeEmptyFolder(root, "out/empty"), false, "a folder through a link is not removed");
  t.ok(existsSync(join(outside, "empty")), "the outside folder is still there");
  t.equal(await storage.removeEmptyFolder(root, "out"), false, "the link itself is not a folder");
  t.ok(lstatSync(join(root, "out")).isSymbolicLink());
  mkdirSync(join(root, "gone"));
  t.equal(await storage.removeEmptyFolder(root, "gone"), true, "an empty folder is removed");
  t.notOk(existsSync(join(root, "gone")));
  t.equal(await storage.removeEmptyFolder(root, "data"), false, "a folder that is not empty stays");
  t.ok(existsSync(join(root, "data")));
  t.equal(await storage.removeEmptyFolder(root, "nope"), false, "a missing folder: nothing to do");
});

t.test("write: a temporary file renamed into place, replacing only a regular file", async (t) => {
  const dir = await folder(t);
  const out = join(dir, "out.ksnap");
  const writer = storage.writer(out);
  writer.write(Buffer.from("first"));
  const during = readdirSync(dir);
  t.equal(during.length, 1, "only the temporary file while writing");
  t.ok(isTempName(during[0]!), `${during[0]} is a temporary name`);
  t.match(during[0]!, /^\.out\.ksnap\.[0-9a-f]{12}\.ksnap-tmp$/, ".<name>.<12 hex>.ksnap-tmp");
  writer.close();
  t.strictSame(readdirSync(dir), ["out.ksnap"]);
  t.equal(readFileSync(out, "utf8"), "first");

  const before = statSync(out).ino;
  await storage.write(out, Buffer.from("second"));
  t.equal(readFileSync(out, "utf8"), "second", "a regular file is replaced");
  t.not(statSync(out).ino, before, "by a rename, not a write into it");
  t.strictSame(readdirSync(dir), ["out.ksnap"], "no temporary file left");

  const aborted = storage.writer(join(dir, "aborted"));
  aborted.write(Buffer.from("x"));
  aborted.abort();
  t.strictSame(readdirSync(dir), ["out.ksnap"], "abort removes the temporary file");

  symlinkSync(out, join(dir, "link"));
  const link = await rejection(() => storage.write(join(dir, "link"), Buffer.from("y")));
  t.equal(link.code, "IO_ERROR");
  t.match(link.message, /it is a symbolic link/);
  t.ok(lstatSync(join(dir, "link")).isSymbolicLink(), "still a link");
  t.equal(readFileSync(out, "utf8"), "second", "its target untouched");

  mkdirSync(join(dir, "sub"));
  t.match((await rejection(() => storage.write(join(dir, "sub"), Buffer.from("z")))).message, /it is a folder/);
  t.strictSame(readdirSync(dir).filter(isTempName), [], "no temporary file after a refusal");
});

t.test("read: bounded before reading, no link unless followLinks, never blocks on a FIFO", { timeout: 30_000 }, async (t) => {
  const dir = await folder(t);
  const file = join(dir, "f");
  writeFileSync(file, "0123456789");
  t.equal(Buffer.from(await storage.read(file, 10)).toString(), "0123456789");

  // 8 GiB, sparse: refused from its size, with nothing read or allocated.
  const huge = join(dir, "huge");
  writeFileSync(huge, "");
  truncateSync(huge, 8 * 1024 ** 3);
  const over = await rejection(() => storage.read(huge, 1024));
  t.equal(over.code, "LIMIT_EXCEEDED");
  t.match(over.message, /file is 8589934592 bytes, over the limit of 1024/);
  t.equal(over.file, huge);

  symlinkSync(file, join(dir, "link"));
  const link = await rejection(() => storage.read(join(dir, "link"), 100));
  t.equal(link.code, "UNSAFE_PATH");
  t.match(link.message, /symbolic link/);
  t.equal(Buffer.from(await storage.read(join(dir, "link"), 100, { followLinks: true })).toString(), "0123456789", "followed when the user named it");

  t.match((await rejection(() => storage.read(dir, 100))).message, /a folder, not a regular file/);
  t.equal((await rejection(() => storage.read(join(dir, "nope"), 100))).code, "IO_ERROR");

  if (mkfifo(t, join(dir, "fifo"))) {
    const fifo = await rejection(() => storage.read(join(dir, "fifo"), 100));
    t.equal(fifo.code, "IO_ERROR");
    t.match(fifo.message, /a FIFO, not a regular file/);
    t.match((await rejection(() => storage.open(join(dir, "fifo")))).message, /a FIFO/, "open too");
  }
});

t.test("list: kinds, in code-point order", async (t) => {
  const dir = await folder(t);
  // U+FF5A sorts before U+1F600 by code point, after it by UTF-16 code unit.
  for (const name of ["b", "a", "Z", "é", "\u{1F600}", "\uFF5A"]) writeFileSync(join(dir, name), "");
  mkdirSync(join(dir, "folder"));
  symlinkSync("a", join(dir, "link"));
  const hasFifo = mkfifo(t, join(dir, "fifo"));
  const entries = await storage.list(dir);
  t.strictSame(entries.map((e) => e.name),
    ["Z", "a", "b", ...(hasFifo ? ["fifo"] : []), "folder", "link", "é", "\uFF5A", "\u{1F600}"]);
  const kind = (name: string) => entries.find((e) => e.name === name)?.kind;
  t.equal(kind("a"), "file");
  t.equal(kind("folder"), "folder");
  t.equal(kind("link"), "link");
  if (hasFifo) t.equal(kind("fifo"), "other");
  t.equal((await rejection(() => storage.list(join(dir, "nope")))).code, "IO_ERROR");
});

t.test("makeTempFolder and removeTree: scratch folders, links inside removed, not followed", async (t) => {
  const keep = await folder(t);
  writeFileSync(join(keep, "kept"), "kept");
  const scratch = await storage.makeTempFolder("ksnap-seam-scratch-");
  t.ok(storage.baseName(scratch).startsWith("ksnap-seam-scratch-"));
  t.strictSame(readdirSync(scratch), [], "new and empty");
  const other = await storage.makeTempFolder("ksnap-seam-scratch-");
  await storage.removeTree(other);
  t.not(other, scratch, "a unique name each time");
  mkdirSync(join(scratch, "a", "b"), { recursive: true });
  writeFileSync(join(scratch, "a", "b", "f"), "");
  symlinkSync(keep, join(scratch, "a", "link"));
  await storage.removeTree(scratch);
  t.notOk(existsSync(scratch), "removed");
  t.strictSame(readdirSync(keep), ["kept"], "nothing behind a link inside was removed");
  await storage.removeTree(scratch);
  t.pass("removing an absent tree is not an error");
});

t.test("errors are KsnapErrors naming the file", async (t) => {
  const e = await rejection(() => storage.read("/nonexistent-ksnap-path", 1));
  t.ok(e instanceof KsnapError);
  t.equal(e.file, "/nonexistent-ksnap-path");
  t.match(e.describe(), /^\/nonexistent-ksnap-path: IO_ERROR: cannot read: no such file or folder$/);
});
