/** `ksnap gc` on real folder trees: plans, deletions, orphans and their grace period, refusals. */
import t, { type Test } from "tap";
import { Command, CommanderError } from "commander";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import { registerGc } from "../src/cli/gc-command.js";
import { takeRequestedStatus } from "../src/cli/exit-status.js";
import { formatDuration, parseDuration } from "../src/gc/duration.js";
import { checkpointSnapshot, savepointSnapshot, sharedFile } from "./registry-fixtures.js";
import { rejection } from "./helpers.js";
import { a1, b1, DAY, files, history, newRoot, put, RecordingStorage, refusedWith, run, snapshotOfTree, write } from "./gc-fixtures.js";

const PLANNED = ["chk-1/_metadata.ksnap", "chk-2/_metadata.ksnap", "chk-1/h/MANIFEST", "chk-1/h/p", "chk-2/h/MANIFEST", "shared/b"];
const OLD_ORPHANS = ["chk-2/leftover.tmp", "shared/old-orphan.sst"];

t.test("a dry run prints the plan and deletes nothing", async (t) => {
  const root = history(t);
  const before = files(root);
  const r = await run(root, {});
  t.equal(r.status, 0, r.err);
  t.strictSame(files(root), before, "nothing deleted");
  t.strictSame(r.report.plan?.retained, [3n]);
  t.strictSame(r.report.plan?.subsumed.map((s) => s.metadata), ["chk-1/_metadata.ksnap", "chk-2/_metadata.ksnap"]);
  t.strictSame(r.report.plan?.files.map((f) => f.path), ["chk-1/h/MANIFEST", "chk-1/h/p", "chk-2/h/MANIFEST", "shared/b"]);
  t.strictSame(r.report.orphans.map((o) => [o.path, o.deletable]), [
    ["chk-2/leftover.tmp", true], ["chk-4/h/fresh.sst", false], ["shared/old-orphan.sst", true],
  ]);
  t.match(r.out, /3 checkpoint\(s\); keeping the latest 1: 3/);
  t.match(r.out, /subsumed checkpoints \(metadata deleted first\): 2\n  chk-1\/_metadata\.ksnap\n  chk-2\/_metadata\.ksnap/);
  t.match(r.out, /orphans within the grace period of 3d, kept .*: 1\n  chk-4\/h\/fresh\.sst/);
  t.match(r.out, /dry run: nothing deleted; --apply deletes 8 file\(s\)/);
});

t.test("--apply deletes exactly the plan and the old orphans, metadata first", async (t) => {
  const root = history(t);
  const before = files(root);
  const recording = new RecordingStorage();
  const calls = recording.calls;
  const r = await run(root, { apply: true }, recording);
  t.equal(r.status, 0, r.err);
  const gone = [...PLANNED, ...OLD_ORPHANS];
  t.strictSame(files(root), before.filter((f) => !gone.includes(f)), "exactly the plan and the old orphans are gone");
  t.strictSame(calls.slice(0, 2), ["chk-1/_metadata.ksnap", "chk-2/_metadata.ksnap"], "metadata before any file");
  t.strictSame([...calls].sort(), [...gone].sort());
  t.notOk(existsSync(join(root, "chk-1")), "an emptied checkpoint folder is removed");
  t.notOk(existsSync(join(root, "chk-2")));
  t.ok(existsSync(join(root, "shared")), "shared/ itself stays");
  t.match(r.out, /deleted 8 file\(s\), removed 4 empty folder\(s\)/);
  t.notMatch(r.out, /failed to delete/, "no failure section when nothing failed");
  t.strictSame(r.report.outcome?.removedFolders, ["chk-1/h", "chk-2/h", "chk-1", "chk-2"], "deepest first");
  const again = await run(root, { apply: true });
  t.strictSame(again.report.plan?.subsumed, [], "a second run has nothing left to subsume");
  t.strictSame(again.report.outcome?.deleted, []);
});

t.test("orphans are deleted only once older than the grace period", async (t) => {
  const root = history(t);
  put(root, "shared/two-hours.sst", 2, 2 * 60 * 60 * 1000);
  const kept = await run(root, { apply: true, gracePeriod: 3 * 60 * 60 * 1000 });
  t.ok(existsSync(join(root, "shared", "two-hours.sst")), "2h old, grace 3h: kept");
  t.ok(existsSync(join(root, "chk-4", "h", "fresh.sst")));
  t.notOk(existsSync(join(root, "shared", "old-orphan.sst")), "10 days old: deleted");
  t.match(kept.out, /orphans within the grace period of 3h, kept .*: 2/);
  await run(root, { apply: true, gracePeriod: 60 * 60 * 1000 });
  t.notOk(existsSync(join(root, "shared", "two-hours.sst")), "2h old, grace 1h: deleted");
  t.ok(existsSync(join(root, "chk-4", "h", "fresh.sst")), "1 minute old: still kept");
});

t.test("an invalid history is refused with its rule id: exit 1, every problem named, nothing deleted", async (t) => {
  const cases: [string, (root: string) => void, RegExp][] = [
    ["a metadata file that does not decode", (root) => {
      const p = join(root, "chk-2", "_metadata.ksnap");
      const bytes = readFileSync(p);
      bytes.writeUInt8(bytes.readUInt8(40) ^ 0xff, 40);
      writeFileSync(p, bytes);
    }, /chk-2\/_metadata\.ksnap: KS-E001: cannot be read or decoded: CHECKSUM_MISMATCH/],
    ["a metadata file moved without its tree", (root) => {
      write(root, checkpointSnapshot(6n, { shared: [a1] }));
      mkdirSync(join(root, "chk-5"));
      writeFileSync(join(root, "chk-5", "_metadata.ksnap"), readFileSync(join(root, "chk-6", "_metadata.ksnap")));
      rmSync(join(root, "chk-6"), { recursive: true });
    }, /KS-E002 at snapshotDir: .*moved without its snapshot tree/],
    ["a retained checkpoint's file missing", (root) => unlinkSync(join(root, "shared", "d")),
      /chk-3\/_metadata\.ksnap: KS-E100 at operators\[0\]\.subtasks\[0\]\.handles\[0\]\.incremental\.sharedFiles\[\d\]: file "shared\/d" does not exist/],
    ["one id with two contents", (root) => write(root, checkpointSnapshot(4n, { shared: [{ ...a1, size: a1.size + 1n }], base: 3n })),
      /KS-E071 .*file id "id:shared\/a" is/],
    ["one id at two paths", (root) => write(root, checkpointSnapshot(4n, { shared: [{ ...a1, path: "shared/a2", originCheckpointId: 4n }], base: 3n })),
      /KS-W072 .*file id "id:shared\/a" is at "shared\/a2" here, but at "shared\/a"/],
    ["an origin that does not list the file", (root) => write(root, checkpointSnapshot(4n, { shared: [sharedFile("e", 2n)], base: 3n })),
      /KS-E111 .*names origin checkpoint 2, but .*chk-2\/_metadata\.ksnap does not list it/],
    ["an origin later than the checkpoint", (root) => write(root, checkpointSnapshot(4n, { shared: [sharedFile("f", 9n)] })),
      /KS-E061 /],
    ["a folder that links out of the root", (root) => {
      const outside = mkdtempSync(join(tmpdir(), "ksnap-gc-outside-"));
      t.teardown(() => rmSync(outside, { recursive: true, force: true }));
      writeFileSync(join(outside, "victim"), "not gc's to delete");
      symlinkSync(outside, join(root, "chk-1", "linked"));
      write(root, checkpointSnapshot(4n, { shared: [{ ...sharedFile("v", 1n), path: "chk-1/linked/victim", id: "id:victim", originCheckpointId: 4n }], base: 3n }));
    }, /KS-E091 .*"chk-1\/linked\/victim" leads through the symbolic link "chk-1\/linked"/],
    ["an unsafe path", (root) => {
      put(root, "chk-4/_metadata.ksnap", encodeSnapshot(checkpointSnapshot(4n, { shared: [{ ...sharedFile("g", 4n), path: "shared/../../etc/passwd" }] })));
    }, /KS-E090 .*'\.\.' segment/],
  ];
  for (const [name, damage, expected] of cases) {
    const root = history(t);
    damage(root);
    await refusedWith(t, root, name, expected);
  }
});

t.test("a folder that is not a checkpoint root is refused", async (t) => {
  const root = newRoot(t);
  t.equal((await rejection(() => run(root, {}))).code, "IO_ERROR", "no metadata at all");
  write(root, savepointSnapshot(9n, ["d0"]), "");
  const before = snapshotOfTree(root);
  const r = await rejection(() => run(root, { apply: true }));
  t.equal(r.code, "LAYOUT_MISMATCH");
  t.match(r.message, /the folder holds _metadata\.ksnap itself/);
  const onlySavepoints = newRoot(t);
  write(onlySavepoints, savepointSnapshot(9n, ["d0"]), "sp-9");
  const s = await rejection(() => run(onlySavepoints, { apply: true }));
  t.equal(s.code, "IO_ERROR");
  t.match(s.message, /no checkpoint of this root under this folder/);
  t.strictSame(snapshotOfTree(root), before);
});

t.test("savepoints under the root are never touched", async (t) => {
  const root = history(t);
  write(root, savepointSnapshot(20n, ["op-0.kg", "op-1.kg"]), "sp-20");
  write(root, savepointSnapshot(21n, ["data.kg"]), "chk-21"); // a savepoint in a checkpoint-like folder
  put(root, "chk-21/stray.bin", 4); // old, unreferenced, but inside a user-owned folder
  const r = await run(root, { apply: true, gracePeriod: 0 });
  t.equal(r.status, 0, r.err);
  for (const f of ["sp-20/_metadata.ksnap", "sp-20/op-0.kg", "sp-20/op-1.kg", "chk-21/_metadata.ksnap", "chk-21/data.kg", "chk-21/stray.bin"]) {
    t.ok(existsSync(join(root, ...f.split("/"))), `${f} kept`);
  }
  t.notOk(r.report.orphans.some((o) => o.path.startsWith("chk-21/")), "not even listed as orphans");
  const bad = history(t);
  write(bad, savepointSnapshot(20n, ["op-0.kg"]), "sp-20");
  write(bad, checkpointSnapshot(4n, { shared: [{ ...sharedFile("x", 4n), path: "sp-20/op-0.kg", id: "id:sp-20/op-0.kg" }], base: 3n }));
  await refusedWith(t, bad, "a checkpoint refers to a savepoint's data file", /KS-E092 .*"sp-20\/op-0\.kg" is inside the folder of another snapshot/);
});

t.test("a failed delete is reported and the rest goes on; a later run finishes", async (t) => {
  const root = history(t);
  const r = await run(root, { apply: true }, new RecordingStorage((p) => p === "shared/b"));
  t.equal(r.status, 1, "exit 1: something is left to do");
  t.strictSame(r.report.outcome?.failed, [{ path: "shared/b", reason: "cannot delete: permission denied" }]);
  t.ok(existsSync(join(root, "shared", "b")));
  t.notOk(existsSync(join(root, "chk-1", "h", "p")), "the rest was deleted");
  t.match(r.out, /failed to delete \(a later run retries\): 1\n  shared\/b: cannot delete: permission denied/);
  const later = await run(root, { apply: true });
  t.equal(later.status, 0);
  t.strictSame(later.report.orphans.filter((o) => o.deletable).map((o) => o.path), ["shared/b"], "no metadata refers to it any more: an orphan");
  t.notOk(existsSync(join(root, "shared", "b")), "old enough, so deleted");
});

t.test("a failed metadata delete keeps that checkpoint and the later subsumed ones whole", async (t) => {
  const root = history(t);
  const r = await run(root, { apply: true }, new RecordingStorage((p) => p === "chk-1/_metadata.ksnap"));
  t.equal(r.status, 1);
  t.strictSame(r.report.outcome?.kept, [1n, 2n]);
  t.match(r.out, /kept subsumed checkpoint\(s\) 1, 2: a metadata file could not be deleted/);
  for (const f of ["chk-1/_metadata.ksnap", "chk-1/h/p", "shared/b", "chk-2/_metadata.ksnap", "chk-2/h/MANIFEST"]) {
    t.ok(existsSync(join(root, ...f.split("/"))), `${f} kept: its metadata still refers to it`);
  }
  t.notOk(existsSync(join(root, "shared", "old-orphan.sst")), "orphans are still deleted");
  const later = await run(root, { apply: true });
  t.equal(later.status, 0, later.err);
  t.strictSame(files(root).filter((f) => f.startsWith("chk-1/") || f.startsWith("chk-2/")), []);
});

t.test("files left by a run that stopped after deleting metadata are orphans for the next run", async (t) => {
  const root = history(t);
  unlinkSync(join(root, "chk-1", "_metadata.ksnap"));
  const r = await run(root, { apply: true });
  t.equal(r.status, 0, r.err);
  t.strictSame(r.report.plan?.checkpoints, [2n, 3n]);
  t.ok(r.report.orphans.some((o) => o.path === "chk-1/h/p" && o.deletable));
  t.notOk(existsSync(join(root, "chk-1")));
  t.notOk(existsSync(join(root, "shared", "b")));
});

t.test("retaining more checkpoints than there are subsumes none", async (t) => {
  const root = history(t);
  const r = await run(root, { retain: 10, apply: true });
  t.strictSame(r.report.plan?.subsumed, []);
  t.strictSame(r.report.plan?.files, []);
  t.ok(existsSync(join(root, "chk-1", "_metadata.ksnap")));
});

t.test("--json prints the whole report", async (t) => {
  const root = history(t);
  const r = await run(root, { json: true });
  const doc = JSON.parse(r.out);
  t.equal(doc.applied, false);
  t.equal(doc.refused, false);
  t.equal(doc.gracePeriodMs, 3 * DAY);
  t.strictSame(doc.retained, ["3"]);
  t.strictSame(doc.subsumed, [{ checkpointId: "1", metadata: "chk-1/_metadata.ksnap" }, { checkpointId: "2", metadata: "chk-2/_metadata.ksnap" }]);
  t.strictSame(doc.files.map((f: { path: string }) => f.path), ["chk-1/h/MANIFEST", "chk-1/h/p", "chk-2/h/MANIFEST", "shared/b"]);
  t.strictSame(doc.files[3], { path: "shared/b", id: "id:shared/b", size: String(b1.size) });
  t.equal(doc.orphans.length, 3);
  unlinkSync(join(root, "shared", "d"));
  const refused = await run(root, { json: true, apply: true });
  const bad = JSON.parse(refused.out);
  t.equal(refused.status, 1);
  t.equal(bad.refused, true);
  t.equal(bad.problems[0].rule, "KS-E100");
  t.match(bad.problems[0].file, /chk-3/);
  t.equal(refused.err, "");
});

t.test("durations for --grace-period", async (t) => {
  for (const [text, ms] of [["0", 0], ["3d", 3 * DAY], ["1d12h", 1.5 * DAY], ["90m", 5_400_000], ["45s", 45_000], ["250ms", 250], ["2w", 14 * DAY]] as const) {
    t.equal(parseDuration(text), ms, text);
  }
  for (const bad of ["", "3", "3 d", "d", "1.5h", "-1d", "3x", "99999999999999999w"]) t.equal(parseDuration(bad), undefined, JSON.stringify(bad));
  t.equal(formatDuration(3 * DAY), "3d");
  t.equal(formatDuration(1.5 * DAY + 1), "1d12h1ms");
  t.equal(formatDuration(0), "0");
});

t.test("the command line: options, defaults and usage errors", async (t) => {
  const parse = async (...args: string[]): Promise<CommanderError | undefined> => {
    const program = new Command("ksnap").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerGc(program);
    try {
      await program.parseAsync(args, { from: "user" });
      return undefined;
    } catch (e) {
      if (e instanceof CommanderError) return e;
      throw e;
    }
  };
  t.match(await parse("gc", "x"), { code: "commander.missingMandatoryOptionValue" });
  t.match(await parse("gc", "x", "--retain", "0"), { code: "commander.invalidArgument" });
  t.match(await parse("gc", "x", "--retain", "2.5"), { code: "commander.invalidArgument" });
  t.match(await parse("gc", "x", "--retain", "1", "--grace-period", "3 days"), { code: "commander.invalidArgument" });
  const root = history(t);
  const before = files(root);
  const out = process.stdout.write;
  let printed = "";
  process.stdout.write = ((s: string) => { printed += s; return true; }) as typeof process.stdout.write;
  let failure: CommanderError | undefined;
  try {
    failure = await parse("gc", root, "--retain", "2", "--grace-period", "1d12h");
  } finally {
    process.stdout.write = out; // restored before any assertion, which tap prints on stdout
  }
  t.equal(failure, undefined);
  t.equal(takeRequestedStatus(), 0);
  t.match(printed, /keeping the latest 2: 2, 3/);
  t.match(printed, /grace period of 1d12h/);
  t.strictSame(files(root), before, "no --apply: nothing deleted");
  t.ok(statSync(join(root, "chk-1")).isDirectory());
});

t.test("a checkpoint with a required-feature bit gc does not know is KS-E001 (UNKNOWN_REQUIRED_FEATURE): the whole history is refused", async (t) => {
  // A reader that does not understand a structure a file requires (for a 1.0 reader, every 1.1 structure that changes
  // what is deleted: operator state, segments, opaque handles...) cannot see the files it holds; gc deletes nothing.
  // Bit 31 is unknown to every reader of today, so this test keeps its meaning once 1.1 is read.
  const root = history(t);
  const file = join(root, "chk-3", "_metadata.ksnap");
  const bytes = readFileSync(file);
  bytes[15] = bytes[15]! | 0x80;
  writeFileSync(file, bytes);
  await refusedWith(t, root, "unknown feature bit", /KS-E001: cannot be read or decoded: UNKNOWN_REQUIRED_FEATURE/);
});

t.test("--referenced-by keeps a file another KSNAP root refers to by external ref; refuses when that root is unreadable", async (t) => {
  const root = history(t);
  const other = newRoot(t);
  const s = checkpointSnapshot(7n, { shared: [] });
  s.operators[0]!.coordinatorState = { type: "external", uri: `file://${join(root, "shared", "b")}`, size: 1n, xxh64: 0n };
  write(other, s);
  const blind = await run(root, {});
  t.ok(blind.report.plan?.files.some((f) => f.path === "shared/b"), "without --referenced-by, shared/b is planned");
  const told = await run(root, { referencedBy: [other], apply: true });
  t.equal(told.status, 0, told.err);
  t.notOk(told.report.plan?.files.some((f) => f.path === "shared/b"));
  t.strictSame(told.report.plan?.keptForOthers.map((f) => f.path), ["shared/b"]);
  t.strictSame([...told.report.outside!.paths.keys()], ["shared/b"]);
  t.ok(existsSync(join(root, "shared", "b")), "kept on disk");
  t.notOk(existsSync(join(root, "chk-1")), "the rest of the plan is applied");
  const broken = newRoot(t);
  put(broken, "chk-1/_metadata.ksnap", 12);
  const before = snapshotOfTree(root);
  const refused = await run(root, { referencedBy: [broken], apply: true, gracePeriod: 0 });
  t.equal(refused.status, 1);
  t.match(refused.err, /KS-E001/);
  t.strictSame(snapshotOfTree(root), before, "nothing deleted");
});

t.test("a planned file rewritten between the plan and its delete (same size) is not deleted", async (t) => {
  const root = history(t);
  class Rewriting extends RecordingStorage {
    override async deleteFiles(realRoot: string, requests: Parameters<RecordingStorage["deleteFiles"]>[1]) {
      const later = new Date(Date.now() + 5000);
      utimesSync(join(root, "shared", "b"), later, later);
      return super.deleteFiles(realRoot, requests);
    }
  }
  const r = await run(root, { apply: true }, new Rewriting());
  t.equal(r.status, 1, "exit 1: a planned delete did not happen");
  t.ok(r.report.plan?.files.some((f) => f.path === "shared/b"));
  t.strictSame(r.report.outcome?.failed.map((f) => f.path), ["shared/b"]);
  t.match(r.report.outcome?.failed[0]?.reason, /modified since gc planned it/);
  t.ok(existsSync(join(root, "shared", "b")), "still there");
  t.notOk(existsSync(join(root, "chk-1", "h", "p")), "the rest of the plan went");
});
