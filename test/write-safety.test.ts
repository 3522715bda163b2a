/**
 * `-o` through the storage seam ([spec](../spec/ownership.md#temporary-files)):
 * the output replaces only a regular file, atomically, writes through to a
 * character device, and refuses a link, a folder or a FIFO; no temporary file
 * is left behind either way. The CLI runs in-process, but for the FIFO: a write
 * that blocked on it would hang the test file, so that case runs the bin in a
 * process killed after 20 s.
 */
import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageFile } from "../src/storage/package-files.js";
import { TEMP_SUFFIX } from "../src/storage/storage.js";
import { VECTORS } from "./helpers.js";
import { runCli } from "./run-cli.js";

const BIN = packageFile("dist/src/cli/bin.js");
const JSON_IN = join(VECTORS, "v1.0", "valid", "unicode-paths.json");
const CANONICAL = readFileSync(join(VECTORS, "v1.0", "valid", "unicode-paths.ksnap"));

/** `ksnap encode JSON_IN -o out`, in-process. */
const encodeTo = (out: string) => runCli("encode", JSON_IN, "-o", out);

/** `ksnap encode JSON_IN -o out` through the bin, killed after 20 s so that a write blocked on a FIFO fails instead of hanging. */
function encodeToProcess(out: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, "encode", JSON_IN, "-o", out], { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stderr: r.stderr };
}

function folder(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-write-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function noTemp(t: Test, dir: string): void {
  t.strictSame(readdirSync(dir).filter((f) => f.endsWith(TEMP_SUFFIX)), [], "no temporary file left behind");
}

function refused(t: Test, r: { status: number | null; stderr: string }, what: RegExp): void {
  t.equal(r.status, 1, r.stderr);
  t.equal(r.stderr.trimEnd().split("\n").length, 1, "one line");
  t.match(r.stderr, what);
}

t.test("a regular file is replaced atomically: a new file renamed over it", async (t) => {
  const dir = folder(t);
  const out = join(dir, "out.ksnap");
  writeFileSync(out, "old content");
  const before = statSync(out).ino;
  const r = await encodeTo(out);
  t.equal(r.status, 0, r.stderr);
  t.ok(readFileSync(out).equals(CANONICAL), "the canonical bytes");
  t.not(statSync(out).ino, before, "a new file took the name (rename), not a write into the old one");
  noTemp(t, dir);
});

t.test("a new file is written", async (t) => {
  const dir = folder(t);
  const r = await encodeTo(join(dir, "new.ksnap"));
  t.equal(r.status, 0, r.stderr);
  t.ok(readFileSync(join(dir, "new.ksnap")).equals(CANONICAL));
  noTemp(t, dir);
});

t.test("a dangling symbolic link is refused and stays a link", async (t) => {
  const dir = folder(t);
  const out = join(dir, "out.ksnap");
  symlinkSync(join(dir, "elsewhere.ksnap"), out);
  refused(t, await encodeTo(out), /out\.ksnap: IO_ERROR: cannot write: it is a symbolic link/);
  t.ok(lstatSync(out).isSymbolicLink(), "still a link");
  t.equal(readlinkSync(out), join(dir, "elsewhere.ksnap"), "to the same target");
  t.strictSame(readdirSync(dir), ["out.ksnap"], "nothing written behind the link");
});

t.test("a link to a regular file is refused; the target is untouched", async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, "target"), "target content");
  symlinkSync(join(dir, "target"), join(dir, "out.ksnap"));
  refused(t, await encodeTo(join(dir, "out.ksnap")), /IO_ERROR: cannot write: it is a symbolic link/);
  t.ok(lstatSync(join(dir, "out.ksnap")).isSymbolicLink());
  t.equal(readFileSync(join(dir, "target"), "utf8"), "target content");
  noTemp(t, dir);
});

t.test("a folder is refused", async (t) => {
  const dir = folder(t);
  mkdirSync(join(dir, "out.ksnap"));
  refused(t, await encodeTo(join(dir, "out.ksnap")), /out\.ksnap: IO_ERROR: cannot write: it is a folder/);
  t.ok(statSync(join(dir, "out.ksnap")).isDirectory());
  noTemp(t, dir);
});

t.test("a FIFO is refused without blocking", async (t) => {
  const dir = folder(t);
  const out = join(dir, "out.ksnap");
  const made = spawnSync("mkfifo", [out]);
  if (made.status !== 0) {
    t.comment("mkfifo is not available");
    return;
  }
  refused(t, encodeToProcess(out), /out\.ksnap: IO_ERROR: cannot write: it is a special file/);
  t.ok(lstatSync(out).isFIFO(), "still a FIFO");
  noTemp(t, dir);
});

t.test("/dev/null is written through and stays a character device", async (t) => {
  const r = await encodeTo("/dev/null");
  t.equal(r.status, 0, r.stderr);
  t.ok(statSync("/dev/null").isCharacterDevice());
});
