/** `ksnap gc` on real folder trees: plans, deletions, orphans and their grace period, refusals. */
import t, { type Test } from "tap";
import { Command, CommanderError } from "commander";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import type { Snapshot } from "../src/model.js";
import { gc, registerGc, type GcOptions } from "../src/cli/gc-command.js";
import { takeRequestedStatus } from "../src/cli/exit-status.js";
import { formatDuration, parseDuration } from "../src/registry/duration.js";
import { NODE_DELETE_OPS, type DeleteOps } from "../src/registry/gc-apply.js";
import type { GcReport } from "../src/registry/gc-run.js";
import { eachFile } from "../src/snapshot-walk.js";
import { checkpointSnapshot, savepointSnapshot, sharedFile } from "./registry-fixtures.js";
import { thrown } from "./helpers.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.now();

function newRoot(t: Test): string {
  const root = mkdtempSync(join(tmpdir(), "ksnap-gc-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

function put(root: string, path: string, bytes: number | Uint8Array, ageMs = 10 * DAY): void {
  const abs = join(root, ...path.split("/"));
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, typeof bytes === "number" ? Buffer.alloc(bytes, 7) : bytes);
  const when = new Date(NOW - ageMs);
  utimesSync(abs, when, when);
}

/** Writes `s` as `<root>/<snapshotDir>/_metadata.ksnap` (or `<root>/<folder>/` for a savepoint) with every file it refers to. */
function write(root: string, s: Snapshot, folder = s.snapshotDir): void {
  const base = folder === "" ? "" : `${folder}/`;
  put(root, `${base}_metadata.ksnap`, encodeSnapshot(s));
  for (const f of eachFile(s)) {
    const rel = s.kind === "savepoint" ? `${base}${f.ref.path}` : f.ref.path;
    if (!existsSync(join(root, ...rel.split("/")))) put(root, rel, Number(f.ref.size));
  }
}

/** Every file under `root`, relative, '/'-separated, sorted. */
function files(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => d.isDirectory()
    ? files(root, join(dir, d.name))
    : [relative(root, join(dir, d.name)).split(sep).join("/")]).sort();
}

interface Run { report: GcReport; out: string; err: string; status: number }

/** Runs gc with stdout and stderr captured, and the exit status it requested. */
function run(root: string, opts: Partial<GcOptions>, ops?: DeleteOps): Run {
  const out: string[] = [];
  const err: string[] = [];
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => err.push(s) > 0) as typeof process.stderr.write;
  try {
    const report = gc(root, { retain: 1, ...opts }, { now: NOW, ...(ops ? { ops } : {}) });
    return { report, out: out.join(""), err: err.join(""), status: takeRequestedStatus() };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

const a1 = sharedFile("a", 1n);
const b1 = sharedFile("b", 1n);
const c2 = sharedFile("c", 2n);
const d3 = sharedFile("d", 3n);

/**
 * Three checkpoints sharing files, an old orphan in shared/, an old leftover in
 * chk-2/, and an in-flight checkpoint's fresh upload in chk-4/.
 */
function history(t: Test): string {
  const root = newRoot(t);
  write(root, checkpointSnapshot(1n, { shared: [a1, b1], privates: ["p"] }));
  write(root, checkpointSnapshot(2n, { shared: [a1, c2], base: 1n }));
  write(root, checkpointSnapshot(3n, { shared: [a1, c2, d3], base: 2n }));
  put(root, "shared/old-orphan.sst", 5);
  put(root, "chk-2/leftover.tmp", 3);
  put(root, "chk-4/h/fresh.sst", 4, 60_000);
  return root;
}

const PLANNED = ["chk-1/_metadata.ksnap", "chk-2/_metadata.ksnap", "chk-1/h/MANIFEST", "chk-1/h/p", "chk-2/h/MANIFEST", "shared/b"];
const OLD_ORPHANS = ["chk-2/leftover.tmp", "shared/old-orphan.sst"];

t.test("a dry run prints the plan and deletes nothing", async (t) => {
  const root = history(t);
  const before = files(root);
  const r = run(root, {});
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
  const calls: string[] = [];
  const recording: DeleteOps = {
    unlink: (p) => { calls.push(relative(root, p).split(sep).join("/")); NODE_DELETE_OPS.unlink(p); },
    rmdir: (p) => NODE_DELETE_OPS.rmdir(p),
  };
  const r = run(root, { apply: true }, recording);
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
  const again = run(root, { apply: true });
  t.strictSame(again.report.plan?.subsumed, [], "a second run has nothing left to subsume");
  t.strictSame(again.report.outcome?.deleted, []);
});

t.test("orphans are deleted only once older than the grace period", async (t) => {
  const root = history(t);
  put(root, "shared/two-hours.sst", 2, 2 * 60 * 60 * 1000);
  const kept = run(root, { apply: true, gracePeriod: 3 * 60 * 60 * 1000 });
  t.ok(existsSync(join(root, "shared", "two-hours.sst")), "2h old, grace 3h: kept");
  t.ok(existsSync(join(root, "chk-4", "h", "fresh.sst")));
  t.notOk(existsSync(join(root, "shared", "old-orphan.sst")), "10 days old: deleted");
  t.match(kept.out, /orphans within the grace period of 3h, kept .*: 2/);
  run(root, { apply: true, gracePeriod: 60 * 60 * 1000 });
  t.notOk(existsSync(join(root, "shared", "two-hours.sst")), "2h old, grace 1h: deleted");
  t.ok(existsSync(join(root, "chk-4", "h", "fresh.sst")), "1 minute old: still kept");
});

t.test("an invalid history is refused: exit 1, every problem named, nothing deleted", async (t) => {
  const cases: [string, (root: string) => void, RegExp][] = [
    ["a metadata file that does not decode", (root) => {
      const p = join(root, "chk-2", "_metadata.ksnap");
      const bytes = readFileSync(p);
      bytes.writeUInt8(bytes.readUInt8(40) ^ 0xff, 40);
      writeFileSync(p, bytes);
    }, /chk-2\/_metadata\.ksnap: CHECKSUM_MISMATCH/],
    ["a metadata file moved without its tree", (root) => {
      write(root, checkpointSnapshot(6n, { shared: [a1] }));
      mkdirSync(join(root, "chk-5"));
      writeFileSync(join(root, "chk-5", "_metadata.ksnap"), readFileSync(join(root, "chk-6", "_metadata.ksnap")));
      rmSync(join(root, "chk-6"), { recursive: true });
    }, /LAYOUT_MISMATCH/],
    ["a checkpoint folder whose snapshot_dir is not chk-<id>", (root) => {
      put(root, "chk-7/_metadata.ksnap", encodeSnapshot({ ...checkpointSnapshot(7n, { shared: [a1] }), snapshotDir: "" }));
    }, /LAYOUT_MISMATCH.*must be in "chk-7\/"/],
    ["a retained checkpoint's file missing", (root) => unlinkSync(join(root, "shared", "d")),
      /DANGLING_REFERENCE at operators\[0\]\.subtasks\[0\]\.handles\[0\]\.incremental\.sharedFiles\[\d\]: retained checkpoint 3 refers to "shared\/d"/],
    ["one id with two contents", (root) => write(root, checkpointSnapshot(4n, { shared: [{ ...a1, size: a1.size + 1n }], base: 3n })),
      /FILE_CONFLICT.*file "id:shared\/a" has size/],
    ["one id at two paths", (root) => write(root, checkpointSnapshot(4n, { shared: [{ ...sharedFile("a2", 4n), id: a1.id }], base: 3n })),
      /FILE_CONFLICT.*file "id:shared\/a" is at "shared\/a2" here but at "shared\/a" in an earlier reference/],
    ["an origin missing from the history", (root) => write(root, checkpointSnapshot(4n, { shared: [sharedFile("e", 2n)], base: 3n })),
      /DANGLING_REFERENCE.*checkpoint 2 as its origin, but that checkpoint does not refer to it/],
    ["an origin later than the checkpoint", (root) => write(root, checkpointSnapshot(4n, { shared: [sharedFile("f", 9n)] })),
      /DANGLING_REFERENCE.*names checkpoint 9, later than checkpoint 4/],
    ["a folder that links out of the root", (root) => {
      const outside = mkdtempSync(join(tmpdir(), "ksnap-gc-outside-"));
      t.teardown(() => rmSync(outside, { recursive: true, force: true }));
      writeFileSync(join(outside, "victim"), "not gc's to delete");
      symlinkSync(outside, join(root, "chk-1", "linked"));
      write(root, checkpointSnapshot(4n, { shared: [{ ...sharedFile("v", 1n), path: "chk-1/linked/victim", id: "id:victim", originCheckpointId: 4n }], base: 3n }));
    }, /UNSAFE_PATH.*"chk-1\/linked\/victim" leads out of the root through a symbolic link/],
    ["an unsafe path", (root) => {
      put(root, "chk-4/_metadata.ksnap", encodeSnapshot(checkpointSnapshot(4n, { shared: [{ ...sharedFile("g", 4n), path: "shared/../../etc/passwd" }] })));
    }, /UNSAFE_PATH.*'\.\.' segment/],
  ];
  for (const [name, damage, expected] of cases) {
    const root = history(t);
    damage(root);
    const before = files(root);
    const r = run(root, { apply: true, gracePeriod: 0 });
    t.equal(r.status, 1, name);
    t.match(r.err, expected, name);
    t.match(r.err, /ksnap: gc refused: \d+ problem\(s\) in the history under .*; nothing deleted\n$/, name);
    t.equal(r.out, "", `${name}: no plan printed`);
    t.strictSame(files(root), before, `${name}: nothing deleted`);
    t.equal(r.report.plan, undefined);
  }
});

t.test("a folder that is not a checkpoint root is refused", async (t) => {
  const root = newRoot(t);
  t.equal(thrown(() => run(root, {})).code, "IO_ERROR", "no metadata at all");
  write(root, savepointSnapshot(9n, ["d0"]), "");
  const r = run(root, { apply: true });
  t.equal(r.status, 1);
  t.match(r.err, /LAYOUT_MISMATCH: the folder holds _metadata\.ksnap itself/);
  const onlySavepoints = newRoot(t);
  write(onlySavepoints, savepointSnapshot(9n, ["d0"]), "sp-9");
  const s = run(onlySavepoints, { apply: true });
  t.equal(s.status, 1);
  t.match(s.err, /no checkpoint metadata under this folder/);
});

t.test("savepoints under the root are never touched", async (t) => {
  const root = history(t);
  write(root, savepointSnapshot(20n, ["op-0.kg", "op-1.kg"]), "sp-20");
  write(root, savepointSnapshot(21n, ["data.kg"]), "chk-21"); // a savepoint in a checkpoint-like folder
  put(root, "chk-21/stray.bin", 4); // old, unreferenced, but inside a user-owned folder
  const r = run(root, { apply: true, gracePeriod: 0 });
  t.equal(r.status, 0, r.err);
  for (const f of ["sp-20/_metadata.ksnap", "sp-20/op-0.kg", "sp-20/op-1.kg", "chk-21/_metadata.ksnap", "chk-21/data.kg", "chk-21/stray.bin"]) {
    t.ok(existsSync(join(root, ...f.split("/"))), `${f} kept`);
  }
  t.notOk(r.report.orphans.some((o) => o.path.startsWith("chk-21/")), "not even listed as orphans");
  const bad = history(t);
  write(bad, savepointSnapshot(20n, ["op-0.kg"]), "sp-20");
  write(bad, checkpointSnapshot(4n, { shared: [{ ...sharedFile("x", 4n), path: "sp-20/op-0.kg", id: "id:sp-20/op-0.kg" }], base: 3n }));
  const refused = run(bad, { apply: true });
  t.equal(refused.status, 1);
  t.match(refused.err, /"sp-20\/op-0\.kg" is inside "sp-20", a folder the user owns/);
});

t.test("a failed delete is reported and the rest goes on; a later run finishes", async (t) => {
  const root = history(t);
  const failing = (bad: string): DeleteOps => ({
    unlink: (p) => {
      if (p === join(root, ...bad.split("/"))) throw Object.assign(new Error("denied"), { code: "EACCES" });
      NODE_DELETE_OPS.unlink(p);
    },
    rmdir: NODE_DELETE_OPS.rmdir,
  });
  const r = run(root, { apply: true }, failing("shared/b"));
  t.equal(r.status, 1, "exit 1: something is left to do");
  t.strictSame(r.report.outcome?.failed, [{ path: "shared/b", reason: "EACCES" }]);
  t.ok(existsSync(join(root, "shared", "b")));
  t.notOk(existsSync(join(root, "chk-1", "h", "p")), "the rest was deleted");
  t.match(r.out, /failed to delete \(a later run retries\): 1\n  shared\/b: EACCES/);
  const later = run(root, { apply: true });
  t.equal(later.status, 0);
  t.strictSame(later.report.orphans.filter((o) => o.deletable).map((o) => o.path), ["shared/b"], "no metadata refers to it any more: an orphan");
  t.notOk(existsSync(join(root, "shared", "b")), "old enough, so deleted");
});

t.test("a failed metadata delete keeps that checkpoint and the later subsumed ones whole", async (t) => {
  const root = history(t);
  const ops: DeleteOps = {
    unlink: (p) => {
      if (p === join(root, "chk-1", "_metadata.ksnap")) throw Object.assign(new Error("denied"), { code: "EPERM" });
      NODE_DELETE_OPS.unlink(p);
    },
    rmdir: NODE_DELETE_OPS.rmdir,
  };
  const r = run(root, { apply: true }, ops);
  t.equal(r.status, 1);
  t.strictSame(r.report.outcome?.kept, [1n, 2n]);
  t.match(r.out, /kept subsumed checkpoint\(s\) 1, 2: a metadata file could not be deleted/);
  for (const f of ["chk-1/_metadata.ksnap", "chk-1/h/p", "shared/b", "chk-2/_metadata.ksnap", "chk-2/h/MANIFEST"]) {
    t.ok(existsSync(join(root, ...f.split("/"))), `${f} kept: its metadata still refers to it`);
  }
  t.notOk(existsSync(join(root, "shared", "old-orphan.sst")), "orphans are still deleted");
  const later = run(root, { apply: true });
  t.equal(later.status, 0, later.err);
  t.strictSame(files(root).filter((f) => f.startsWith("chk-1/") || f.startsWith("chk-2/")), []);
});

t.test("files left by a run that stopped after deleting metadata are orphans for the next run", async (t) => {
  const root = history(t);
  unlinkSync(join(root, "chk-1", "_metadata.ksnap"));
  const r = run(root, { apply: true });
  t.equal(r.status, 0, r.err);
  t.strictSame(r.report.plan?.checkpoints, [2n, 3n]);
  t.ok(r.report.orphans.some((o) => o.path === "chk-1/h/p" && o.deletable));
  t.notOk(existsSync(join(root, "chk-1")));
  t.notOk(existsSync(join(root, "shared", "b")));
});

t.test("retaining more checkpoints than there are subsumes none", async (t) => {
  const root = history(t);
  const r = run(root, { retain: 10, apply: true });
  t.strictSame(r.report.plan?.subsumed, []);
  t.strictSame(r.report.plan?.files, []);
  t.ok(existsSync(join(root, "chk-1", "_metadata.ksnap")));
});

t.test("--json prints the whole report", async (t) => {
  const root = history(t);
  const r = run(root, { json: true });
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
  const refused = run(root, { json: true, apply: true });
  const bad = JSON.parse(refused.out);
  t.equal(refused.status, 1);
  t.equal(bad.refused, true);
  t.equal(bad.problems[0].code, "DANGLING_REFERENCE");
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
