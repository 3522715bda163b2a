/**
 * `ksnap savepoint dump`, called through its action function: a data file on its
 * own, a snapshot (metadata file or folder) with several handles, --key-groups,
 * the readable form, and bad input as KsnapErrors.
 */
import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync, copyFileSync, statSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { parseKeyGroups, readableLine, savepointDump, type SavepointDumpOptions } from "../src/cli/savepoint-command.js";
import { encodeSnapshot } from "../src/codec.js";
import { KsnapError } from "../src/errors.js";
import { keyGroupRangeForOperator } from "../src/key-groups.js";
import type { Snapshot } from "../src/model.js";
import { dumpSavepointData, SavepointDataWriter, type StateDescriptor } from "../src/savepoint/index.js";
import { packageFile } from "../src/storage/package-files.js";
import { METADATA_FILE } from "../src/storage/snapshot-root.js";
import { VECTORS } from "./helpers.js";
import { runCli } from "./run-cli.js";

const work = mkdtempSync(join(tmpdir(), "ksnap-sp-dump-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const STATES: StateDescriptor[] = [
  { name: "clicks", kind: "map", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v", userKeySerializer: "u" },
  { name: "total", kind: "value", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v" },
];
const MAX_P = 8;
const P = 2;
const root = join(work, "sp");
const dataPath = (s: number) => join(root, "data", `s${s}.ksvd`);

// A savepoint of one operator at parallelism 2: every key group has a value entry, even ones a map entry too.
mkdirSync(join(root, "data"), { recursive: true });
const subtasks = Array.from({ length: P }, (_, s) => {
  const range = keyGroupRangeForOperator(MAX_P, P, s);
  const w = SavepointDataWriter.open(dataPath(s), { fileId: `s${s}`, filePath: `data/s${s}.ksvd`, states: STATES, keyGroups: range });
  for (let kg = range.start; kg < range.start + range.count; kg++) {
    w.beginKeyGroup(kg);
    w.add({ state: "total", key: Uint8Array.of(kg), namespace: new Uint8Array(0), value: new Uint8Array(40).fill(kg) });
    if (kg % 2 === 0) w.add({ state: "clicks", key: Uint8Array.of(kg), namespace: new Uint8Array(0), userKey: Uint8Array.of(1), value: Uint8Array.of(3) });
    w.endKeyGroup();
  }
  return { subtaskIndex: s, handles: [w.finish().handle] };
});
const snapshot: Snapshot = {
  snapshotId: 9n, kind: "savepoint", snapshotDir: "", jobId: "", timestampMillis: 0n,
  properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
  maxParallelism: MAX_P, operators: [{ operatorId: "op", name: "", parallelism: P, subtasks }],
};
writeFileSync(join(root, METADATA_FILE), encodeSnapshot(snapshot));

async function dump(path: string, opts: SavepointDumpOptions = {}): Promise<string> {
  const chunks: string[] = [];
  await savepointDump(path, opts, (c) => { chunks.push(c); });
  return chunks.join("");
}

async function reference(path: string): Promise<string> {
  let s = "";
  for await (const line of dumpSavepointData(path)) s += line;
  return s;
}

async function thrown(p: Promise<unknown>): Promise<KsnapError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KsnapError) return e;
    throw e;
  }
  throw new Error("no error");
}

t.test("a data file on its own dumps as dumpSavepointData does", async (t) => {
  const out = await dump(dataPath(1), { json: true });
  t.equal(out, await reference(dataPath(1)));
  t.match(out.split("\n")[0]!, /^\{"keyGroup":4,"state":"clicks","kind":"map","key":"04","namespace":"","userKey":"01","value":"03"\}$/);
});

t.test("a snapshot (file or folder) dumps every savepoint handle's data file in order", async (t) => {
  const expected = (await reference(dataPath(0))) + (await reference(dataPath(1)));
  t.equal(await dump(join(root, METADATA_FILE), { json: true }), expected);
  t.equal(await dump(root, { json: true }), expected);
});

t.test("--key-groups restricts both forms, across handles", async (t) => {
  const lines = (await dump(root, { json: true, keyGroups: parseKeyGroups("2-5") })).trimEnd().split("\n");
  t.strictSame([...new Set(lines.map((l) => (JSON.parse(l) as { keyGroup: number }).keyGroup))], [2, 3, 4, 5]);
  const standalone = (await dump(dataPath(0), { json: true, keyGroups: parseKeyGroups("3-100") })).trimEnd().split("\n");
  t.strictSame(standalone.map((l) => (JSON.parse(l) as { keyGroup: number }).keyGroup), [3], "intersected with the file's range");
  t.equal(await dump(dataPath(0), { json: true, keyGroups: parseKeyGroups("6") }), "", "no key group in common: nothing");
});

t.test("the readable form: a header per data file, one line per entry", async (t) => {
  const out = await dump(root, { keyGroups: { start: 3, count: 2 } });
  t.equal(out,
    "# operator op subtask 0 handle 0 (data/s0.ksvd): key groups 3\n" +
    `kg 3 "total" value key=03 ns= value=${"03".repeat(32)}…(40 bytes)\n` +
    "# operator op subtask 1 handle 0 (data/s1.ksvd): key groups 4\n" +
    "kg 4 \"clicks\" map key=04 ns= userKey=01 value=03\n" +
    `kg 4 "total" value key=04 ns= value=${"04".repeat(32)}…(40 bytes)\n`);
  t.equal(readableLine({ keyGroup: 1, state: "s\n", kind: "list", key: new Uint8Array(0), namespace: Uint8Array.of(255), value: Uint8Array.of(0) }),
    "kg 1 \"s\\n\" list key= ns=ff value=00");
});

t.test("--key-groups parsing", async (t) => {
  t.strictSame(parseKeyGroups("7"), { start: 7, count: 1 });
  t.strictSame(parseKeyGroups("0-32767"), { start: 0, count: 32768 });
  for (const bad of ["5-3", "", "a-b", "1-32768", "-1", "1-", "1--2"]) t.throws(() => parseKeyGroups(bad), InvalidArgumentError, bad);
});

t.test("bad input: KsnapErrors naming the file", async (t) => {
  const missing = await thrown(dump(join(work, "nope")));
  t.equal(missing.code, "IO_ERROR");

  const junk = join(work, "junk.bin");
  writeFileSync(junk, "not a snapshot at all");
  t.equal((await thrown(dump(junk))).code, "BAD_MAGIC", "neither magic: read as metadata, rejected");

  const cut = join(work, "cut.ksvd");
  copyFileSync(dataPath(0), cut);
  truncateSync(cut, statSync(cut).size - 3);
  const e = await thrown(dump(cut, { json: true }));
  t.equal(e.code, "TRUNCATED");
  t.equal(e.file, cut);

  const incremental = await thrown(dump(join(VECTORS, "v1.0", "valid", "incremental-chain-head.ksnap")));
  t.ok(["INVALID_FIELD", "LAYOUT_MISMATCH"].includes(incremental.code), incremental.describe());

  const moved = join(work, "moved");
  mkdirSync(join(moved, "data"), { recursive: true });
  copyFileSync(join(root, METADATA_FILE), join(moved, METADATA_FILE));
  const lost = await thrown(dump(moved, { json: true }));
  t.equal(lost.code, "IO_ERROR", "a data file missing under the root");
  t.match(lost.describe(), /s0\.ksvd/);
});

/** A copy of the savepoint under `work/<name>`, with data/s0.ksvd removed for the test to put something else there. */
function savepointWithout(name: string): { copy: string; s0: string } {
  const copy = join(work, name);
  mkdirSync(join(copy, "data"), { recursive: true });
  copyFileSync(join(root, METADATA_FILE), join(copy, METADATA_FILE));
  copyFileSync(dataPath(1), join(copy, "data", "s1.ksvd"));
  return { copy, s0: join(copy, "data", "s0.ksvd") };
}

/** `ksnap savepoint dump PATH`, in-process (text errors; `--json` makes them a JSON object). */
const dumpCli = (path: string) => runCli("savepoint", "dump", path);

/**
 * `ksnap savepoint dump PATH` through the bin, killed after 20 s: a read blocked on a FIFO fails the test
 * instead of hanging it (in-process, a blocked read would hang the whole test file).
 */
function dumpBin(path: string): { status: number | null; stdout: string; stderr: string; signal: string | null } {
  const r = spawnSync(process.execPath, [packageFile("dist/src/cli/bin.js"), "savepoint", "dump", path], { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/**
 * Makes a FIFO at `path` and dumps `dumped` through the bin: the stderr of a
 * dump that ended by itself with status 1, or undefined where mkfifo is missing.
 */
function dumpWithFifo(t: Test, path: string, dumped: string): string | undefined {
  if (spawnSync("mkfifo", [path]).status !== 0) {
    t.comment("mkfifo is not available");
    return undefined;
  }
  const r = dumpBin(dumped);
  t.equal(r.signal, null, "it ended by itself, not killed after the timeout");
  t.equal(r.status, 1, r.stderr);
  t.equal(r.stdout, "", "nothing printed");
  return r.stderr;
}

t.test("a data file that is a link out of the root: UNSAFE_PATH, nothing of the outside file read", async (t) => {
  const outside = mkdtempSync(join(tmpdir(), "ksnap-sp-outside-"));
  t.teardown(() => rmSync(outside, { recursive: true, force: true }));
  // A valid data file outside: followed, it would dump.
  const { copy, s0 } = savepointWithout("link-out");
  copyFileSync(dataPath(0), join(outside, "s0.ksvd"));
  symlinkSync(join(outside, "s0.ksvd"), s0);
  const r = await dumpCli(copy);
  t.equal(r.status, 1, r.stderr);
  t.equal(r.stdout, "", "nothing printed");
  t.match(r.stderr, /^ksnap: .*s0\.ksvd: UNSAFE_PATH: the data file "data\/s0\.ksvd" is reached through the symbolic link "data\/s0\.ksvd", which leads outside the snapshot root/);
  t.equal(r.stderr.trimEnd().split("\n").length, 1, "one line");
  const e = await thrown(dump(copy, { json: true }));
  t.equal(e.code, "UNSAFE_PATH");

  // A secret outside: not a byte of it in the message.
  const secret = join(outside, "secret.txt");
  writeFileSync(secret, "TOP-SECRET-CONTENT of a file outside the root");
  unlinkSync(s0);
  symlinkSync(secret, s0);
  const leak = await dumpCli(copy);
  t.equal(leak.status, 1, leak.stderr);
  t.match(leak.stderr, /UNSAFE_PATH/);
  t.notMatch(leak.stdout + leak.stderr, /TOP|SECRET|544f50/, "nothing of the outside file, in text or in hex");
});

t.test("a data file that is a link inside the root, or behind a linked folder: UNSAFE_PATH", async (t) => {
  const { copy, s0 } = savepointWithout("link-in");
  copyFileSync(dataPath(0), join(copy, "data", "real.ksvd"));
  symlinkSync("real.ksvd", s0);
  const r = await dumpCli(copy);
  t.equal(r.status, 1, r.stderr);
  t.equal(r.stdout, "");
  t.match(r.stderr, /UNSAFE_PATH: the data file "data\/s0\.ksvd" is reached through the symbolic link "data\/s0\.ksvd"; ksnap does not follow/);

  const linked = join(work, "linked-folder");
  mkdirSync(linked);
  copyFileSync(join(root, METADATA_FILE), join(linked, METADATA_FILE));
  symlinkSync(join(root, "data"), join(linked, "data"));
  const through = await thrown(dump(linked, { json: true }));
  t.equal(through.code, "UNSAFE_PATH");
  t.match(through.message, /through the symbolic link "data"/);
});

t.test("a data file that is a FIFO or a folder: IO_ERROR at once, no hang", { timeout: 60_000 }, async (t) => {
  const { copy, s0 } = savepointWithout("fifo");
  const stderr = dumpWithFifo(t, s0, copy);
  if (stderr !== undefined) t.match(stderr, /s0\.ksvd: IO_ERROR: the data file "data\/s0\.ksvd" is a FIFO, not a regular file/);

  const dir = savepointWithout("folder");
  mkdirSync(dir.s0);
  const e = await thrown(dump(dir.copy, { json: true }));
  t.equal(e.code, "IO_ERROR");
  t.match(e.message, /is a folder, not a regular file/);
});

t.test("a FIFO named on the command line: IO_ERROR at once, no hang", { timeout: 60_000 }, async (t) => {
  const fifo = join(work, "named.fifo");
  const stderr = dumpWithFifo(t, fifo, fifo);
  if (stderr !== undefined) t.match(stderr, /named\.fifo: IO_ERROR: cannot read: it is a FIFO, not a regular file or folder/);
});

t.test("a data file or snapshot named through a link on the command line is followed (the user named it)", async (t) => {
  const named = join(work, "named-link.ksvd");
  symlinkSync(dataPath(1), named);
  t.equal(await dump(named, { json: true }), await reference(dataPath(1)));
  const folder = join(work, "named-link-folder");
  symlinkSync(root, folder);
  t.equal(await dump(folder, { json: true }), await reference(dataPath(0)) + await reference(dataPath(1)));
});
