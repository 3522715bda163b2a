/**
 * Bad input the `ksnap` command once handled badly: each ends with a typed error
 * and exit status 1, fast, in bounded memory, and prints one inert line. Through
 * the built bin.
 */
import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base, incrementalHandle, sharedSst } from "../conformance/cases/fixtures.js";
import { encodeSnapshot } from "../src/codec.js";
import { snapshotFromJsonBytes } from "../src/json/from-json.js";
import { packageFile } from "../src/storage/package-files.js";
import { isTempName, tempName } from "../src/storage/storage.js";
import { VECTORS } from "./helpers.js";
import { thrown } from "./helpers.js";

const BIN = packageFile("dist/src/cli/bin.js");
const EMPTY_JSON = join(VECTORS, "v1.0", "valid", "empty-checkpoint.json");
const work = mkdtempSync(join(tmpdir(), "ksnap-bad-input-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

function ksnap(args: string[], options: { nodeArgs?: string[]; timeout?: number; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [...options.nodeArgs ?? [], BIN, ...args], { encoding: "utf8", timeout: options.timeout ?? 60_000, cwd: options.cwd ?? work });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function oneInertLine(t: Test, stderr: string, pattern: RegExp): void {
  t.equal(stderr.split("\n").length, 2, `one line: ${JSON.stringify(stderr)}`);
  t.notMatch(stderr.slice(0, -1), /[\u0000-\u001f\u007f]/, "no control character reaches the terminal");
  t.match(stderr, pattern);
}

t.test("plan-restore -p 32768 of a small file with overlapping handles: refused at once, in bounded memory", async (t) => {
  // 40 old subtasks whose handles all hold every key group: a plan would list 40 × 32768 reads of 3 files each.
  const subtasks = Array.from({ length: 40 }, (_, i) => ({
    subtaskIndex: i,
    handles: [incrementalHandle({ backend: "b", checkpoint: 1n, base: 0n, start: 0, count: 32768, shared: [sharedSst("b", i, 1n)], privates: [i], folder: `chk-1/s${i}` })],
  }));
  const file = join(work, "overlap.ksnap");
  const bytes = encodeSnapshot(base({
    kind: "checkpoint", maxParallelism: 32768, properties: { incremental: true, keyGroupAware: false, sharing: "forward", ownership: "system" },
    operators: [{ operatorId: "0123456789abcdef0123456789abcdef", name: "op", parallelism: 40, subtasks }],
  }));
  t.ok(bytes.length < 12_000, `a small file: ${bytes.length} bytes`);
  writeFileSync(file, bytes);
  for (const json of [[], ["--json"]]) {
    const r = ksnap(["plan-restore", ...json, "-p", "32768", file], { nodeArgs: ["--max-old-space-size=256"], timeout: 30_000 });
    t.equal(r.signal, null, "not killed by the timeout");
    t.equal(r.status, 1, r.stderr);
    t.equal(r.stdout, "");
    t.match(r.stderr, /LIMIT_EXCEEDED.*overlap.*1310720 reads, more than the 32808/);
    t.match(r.stderr, json.length === 0 ? /LIMIT_EXCEEDED at operators\[0\]/ : /"field":"operators\[0\]"/);
  }
  const fine = ksnap(["plan-restore", "-p", "1", file], { nodeArgs: ["--max-old-space-size=256"] });
  t.equal(fine.status, 0, `overlap that does not multiply the plan is still listed: ${fine.stderr}`);
  t.equal(fine.stdout.match(/download the whole handle/g)?.length, 40, "one read per handle");
});

t.test("a FIFO or a device where a snapshot, data file or root is named: IO_ERROR, exit 1, no hang", async (t) => {
  const fifo = join(work, "a.fifo");
  if (spawnSync("mkfifo", [fifo]).status !== 0) {
    t.comment("mkfifo is not available");
    return;
  }
  const snapshot = join(VECTORS, "v1.0", "valid", "empty-checkpoint.ksnap");
  const cases: [string[], RegExp][] = [
    [["plan-restore", "-p", "2", fifo], /a\.fifo: IO_ERROR: cannot read: it is a FIFO, not a regular file or folder\n$/],
    [["diff", snapshot, fifo], /a\.fifo: IO_ERROR: cannot read: it is a FIFO, not a regular file or folder\n$/],
    [["diff", fifo, snapshot], /a\.fifo: IO_ERROR: cannot read: it is a FIFO, not a regular file or folder\n$/],
    [["savepoint", "dump", fifo], /a\.fifo: IO_ERROR: cannot read: it is a FIFO, not a regular file or folder\n$/],
    [["inspect", fifo], /a\.fifo: IO_ERROR: cannot read: it is a FIFO, not a regular file or folder\n$/],
    [["gc", fifo, "--retain", "1"], /a\.fifo: IO_ERROR: it is a FIFO, not a folder: gc takes a checkpoint root\n$/],
    [["plan-restore", "-p", "2", "/dev/null"], /\/dev\/null: IO_ERROR: cannot read: it is a character device, not a regular file or folder\n$/],
    [["gc", "/dev/null", "--retain", "1"], /\/dev\/null: IO_ERROR: it is a character device, not a folder/],
  ];
  for (const [args, pattern] of cases) {
    const r = ksnap(args, { timeout: 20_000 });
    t.equal(r.signal, null, `ksnap ${args.join(" ")}: ended by itself`);
    t.equal(r.status, 1, r.stderr);
    oneInertLine(t, r.stderr, pattern);
  }
});

t.test("-o with a long name: the temporary name is shortened; a name too long anyway is IO_ERROR, exit 1", async (t) => {
  for (const length of [230, 238, 247, 255]) {
    const name = "n".repeat(length);
    const r = ksnap(["encode", EMPTY_JSON, "-o", name]);
    t.equal(r.status, 0, `${length} bytes: ${r.stderr}`);
    t.ok(readFileSync(join(work, name)).equals(readFileSync(join(VECTORS, "v1.0", "valid", "empty-checkpoint.ksnap"))), "written");
    rmSync(join(work, name));
  }
  const multiByte = "é".repeat(127); // 254 bytes
  t.equal(ksnap(["encode", EMPTY_JSON, "-o", multiByte]).status, 0, "a name of 2-byte characters");
  rmSync(join(work, multiByte));
  const tooLong = ksnap(["encode", EMPTY_JSON, "-o", "n".repeat(256)]);
  t.equal(tooLong.status, 1, tooLong.stderr);
  oneInertLine(t, tooLong.stderr, /IO_ERROR: cannot write: the name is too long for the file system\n$/);
  t.strictSame(readdirSync(work).filter(isTempName), [], "no temporary file left behind");
});

t.test("tempName stays within 255 bytes and keeps the pattern isTempName recognizes", async (t) => {
  const random = "0123456789ab";
  for (const name of ["x", "n".repeat(231), "n".repeat(232), "n".repeat(255), "é".repeat(127), "😀".repeat(63), "a\nb"]) {
    const temp = tempName(name, random);
    t.ok(Buffer.byteLength(temp) <= 255, `${Buffer.byteLength(temp)} bytes`);
    t.ok(isTempName(temp), JSON.stringify(temp));
    t.ok(temp.endsWith(`.${random}.ksnap-tmp`));
    t.notOk(temp.includes("\ufffd"), "cut on a whole character");
  }
  t.equal(tempName("short", random), ".short.0123456789ab.ksnap-tmp", "short names are unchanged");
});

t.test("encode of a JSON input over 256 MiB: LIMIT_EXCEEDED before reading", async (t) => {
  const big = join(work, "big.json");
  closeSync(openSync(big, "w"));
  truncateSync(big, 600 * 1024 * 1024); // sparse: no 600 MB are written
  const r = ksnap(["encode", big, "-o", join(work, "never.ksnap")], { nodeArgs: ["--max-old-space-size=128"], timeout: 30_000 });
  t.equal(r.status, 1, r.stderr);
  oneInertLine(t, r.stderr, /big\.json: LIMIT_EXCEEDED: file is 629145600 bytes, over the limit of 268435456\n$/);
  rmSync(big);
});

t.test("INVALID_JSON never echoes raw input bytes; file names with control characters are escaped", async (t) => {
  const hostile = join(work, "hostile.json");
  writeFileSync(hostile, Buffer.from("\x1b[31mRED\x1b]0;title\x07\r\n{", "latin1"));
  const r = ksnap(["encode", hostile, "-o", join(work, "never.ksnap")]);
  t.equal(r.status, 1);
  oneInertLine(t, r.stderr, /hostile\.json: INVALID_JSON( at byte 0)?: not JSON: Unexpected token '\\u001b'/);
  t.notMatch(r.stderr, /RED|title/, "no excerpt of the input");

  const badSyntax = join(work, "syntax.json");
  writeFileSync(badSyntax, '{"é": 1, x}');
  oneInertLine(t, ksnap(["encode", badSyntax, "-o", join(work, "never.ksnap")]).stderr,
    /syntax\.json: INVALID_JSON at byte 10: not JSON: Expected double-quoted property name\n$/);

  const newline = join(work, "new\nline.json");
  writeFileSync(newline, "nope");
  const n = ksnap(["encode", newline, "-o", join(work, "never.ksnap")]);
  t.equal(n.status, 1);
  oneInertLine(t, n.stderr, /^ksnap: ".*new\\nline\.json": INVALID_JSON/);
  const esc = join(work, "esc\x1b[2J.ksnap");
  writeFileSync(esc, "garbage");
  oneInertLine(t, ksnap(["inspect", esc]).stderr, /^ksnap: ".*esc\\u001b\[2J\.ksnap": BAD_MAGIC/);
  const v = ksnap(["validate", "--no-storage", esc]);
  t.match(v.stdout, /^".*esc\\u001b\[2J\.ksnap":\n/, "validate's report quotes the file too");
  t.notMatch(v.stdout, /\x1b/);
});

t.test("invalid UTF-8 in JSON input: INVALID_JSON at the byte, never replaced by U+FFFD", async (t) => {
  const json = readFileSync(join(VECTORS, "v1.0", "valid", "incremental-chain-head.json"), "utf8");
  const at = json.indexOf('"jobId": "') + '"jobId": "'.length;
  t.ok(at > 20, "the vector has a jobId");
  const bytes = Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from([0xff, 0xc3]), Buffer.from(json.slice(at))]);
  const file = join(work, "bad-utf8.json");
  writeFileSync(file, bytes);
  const r = ksnap(["encode", file, "-o", join(work, "never.ksnap")]);
  t.equal(r.status, 1, r.stderr);
  oneInertLine(t, r.stderr, new RegExp(`bad-utf8\\.json: INVALID_JSON at byte ${Buffer.byteLength(json.slice(0, at))}: invalid UTF-8`));
  // Overlong forms, surrogates and truncated sequences are invalid too; valid multi-byte text is not.
  for (const [bad, offset] of [[[0x7b, 0xc0, 0xaf], 1], [[0x7b, 0xed, 0xa0, 0x80], 1], [[0x7b, 0x20, 0xe2, 0x82], 2], [[0x7b, 0xf4, 0x90, 0x80, 0x80], 1]] as const) {
    t.match(thrown(() => snapshotFromJsonBytes(Uint8Array.from(bad))), { code: "INVALID_JSON", offset });
  }
  t.match(thrown(() => snapshotFromJsonBytes(Buffer.from('{"é€😀": 1}'))), { code: "INVALID_JSON", message: /must have required property|formatVersion/ });
});

t.test("conformance --expected-failures naming a missing file: IO_ERROR, exit 1", async (t) => {
  const r = ksnap(["conformance", "--adapter", "true", "--expected-failures", join(work, "no-such-list.txt")]);
  t.equal(r.status, 1, r.stderr);
  oneInertLine(t, r.stderr, /no-such-list\.txt: IO_ERROR: cannot read: no such file or folder\n$/);
});
