/**
 * The `ksnap` command as a user runs it: exit codes, stdout and stderr. The commands run in-process through
 * `main` ({@link runCli}); the subtests named "real process" run the built bin in a node process, for what only
 * a process shows: the shebang, the exit status the shell sees, the output that reaches the pipes.
 */
import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageFile } from "../src/storage/package-files.js";
import { TEMP_SUFFIX } from "../src/storage/storage.js";
import { VECTORS } from "./helpers.js";
import { runCli as ksnap } from "./run-cli.js";

const BIN = packageFile("dist/src/cli/bin.js");
const v = (kind: string, name: string) => join(VECTORS, "v1.0", kind, name);

/** `ksnap ...args` in a node process of its own: the built bin, as `npx ksnap` runs it. */
function ksnapProcess(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneCleanLine(t: Test, stderr: string, pattern: RegExp): void {
  t.equal(stderr.trimEnd().split("\n").length, 1, `one line: ${stderr.trimEnd()}`);
  t.match(stderr, pattern);
  t.notMatch(stderr, /\n\s+at |Error:|node:internal/, "no stack trace");
}

const work = mkdtempSync(join(tmpdir(), "ksnap-cli-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

t.test("inspect prints a readable tree", async (t) => {
  const r = await ksnap("inspect", v("valid", "incremental-chain-head.ksnap"));
  t.equal(r.status, 0);
  t.match(r.stdout, /KSNAP 1\.0, checkpoint 3/);
  t.match(r.stdout, /properties: incremental, not key-group-aware, sharing forward-backward, owned by system/);
  t.match(r.stdout, /1 operator\(s\), 2 subtask\(s\), 2 handle\(s\), 14 file\(s\)/);
  t.match(r.stdout, /incremental: key groups 64-127 \(64\), checkpoint 3 on 2/);
  t.match(r.stdout, /shared: 4 file\(s\), .*\(1 uploaded by this checkpoint, 3 reused\)/);
  t.equal(r.stderr, "");
});

t.test("inspect --json prints the JSON form of the vector", async (t) => {
  for (const name of ["savepoint-two-operators", "values-above-2-53", "unicode-paths"]) {
    t.test(name, async (t) => {
      const r = await ksnap("inspect", "--json", v("valid", `${name}.ksnap`));
      t.equal(r.status, 0);
      t.equal(r.stdout, readFileSync(v("valid", `${name}.json`), "utf8"));
    });
  }
});

t.test("encode writes the canonical bytes, atomically", async (t) => {
  const out = join(work, "out.ksnap");
  const r = await ksnap("encode", v("valid", "unicode-paths.json"), "-o", out);
  t.equal(r.status, 0, r.stderr);
  t.ok(readFileSync(out).equals(readFileSync(v("valid", "unicode-paths.ksnap"))));
  t.strictSame(readdirSync(work).filter((f) => f.endsWith(TEMP_SUFFIX)), [], "no temporary file left behind");
});

t.test("every invalid vector: exit 1, one line naming file, code and offset", async (t) => {
  for (const f of readdirSync(join(VECTORS, "v1.0", "invalid")).filter((f) => f.endsWith(".ksnap"))) {
    t.test(f, async (t) => {
      const expected = JSON.parse(readFileSync(v("invalid", f.replace(".ksnap", ".error.json")), "utf8"));
      const r = await ksnap("inspect", v("invalid", f));
      t.equal(r.status, 1);
      oneCleanLine(t, r.stderr, new RegExp(`^ksnap: .*${f}: ${expected.code}`));
    });
  }
});

t.test("bad JSON input: exit 1, one line with the field", async (t) => {
  const doc = JSON.parse(readFileSync(v("valid", "empty-checkpoint.json"), "utf8"));
  doc.maxParallelism = 0;
  const bad = join(work, "bad.json");
  writeFileSync(bad, JSON.stringify(doc));
  const r = await ksnap("encode", bad, "-o", join(work, "never.ksnap"));
  t.equal(r.status, 1);
  oneCleanLine(t, r.stderr, /bad\.json: INVALID_JSON at maxParallelism: must be >= 1/);
  t.notOk(readdirSync(work).includes("never.ksnap"), "nothing written");
});

t.test("missing file, a folder without a snapshot: exit 1, IO_ERROR", async (t) => {
  const missing = await ksnap("inspect", join(work, "nope.ksnap"));
  t.equal(missing.status, 1);
  oneCleanLine(t, missing.stderr, /nope\.ksnap: IO_ERROR: cannot read: no such file or folder/);
  const folder = await ksnap("inspect", work);
  t.equal(folder.status, 1);
  oneCleanLine(t, folder.stderr, /IO_ERROR: no _metadata\.ksnap in this folder or its subfolders/);
});

t.test("usage errors: exit 2", async (t) => {
  t.equal((await ksnap("inspect")).status, 2, "missing argument");
  t.equal((await ksnap("frobnicate")).status, 2, "unknown command");
  t.equal((await ksnap("encode", v("valid", "empty-checkpoint.json"))).status, 2, "missing -o");
  t.equal((await ksnap("inspect", "--bogus", "x")).status, 2, "unknown option");
  const help = await ksnap("--help");
  t.equal(help.status, 0);
  t.match(help.stdout, /inspect \[options\] <file>/);
});

t.test("plan-restore and diff through main", async (t) => {
  const sp = v("valid", "savepoint-two-operators.ksnap");
  const plan = await ksnap("plan-restore", sp, "-p", "3");
  t.equal(plan.status, 0, plan.stderr);
  t.match(plan.stdout, /op-b-1\.kgdata bytes 11027\.\.32048/);
  const tooMany = await ksnap("plan-restore", sp, "-p", "500");
  t.equal(tooMany.status, 1);
  oneCleanLine(t, tooMany.stderr, /INVALID_FIELD at newParallelism/);
  t.equal((await ksnap("plan-restore", sp, "-p", "x")).status, 2, "not a number: usage");
  const chain = v("valid", "incremental-chain-head.ksnap");
  const same = await ksnap("diff", chain, chain);
  t.equal(same.status, 0, same.stderr);
  const json = await ksnap("diff", "--json", chain, v("valid", "empty-checkpoint.ksnap"));
  t.equal(json.status, 0, json.stderr);
  t.doesNotThrow(() => JSON.parse(json.stdout), "diff --json prints JSON");
});

t.test("validate through main: exit 0 when clean, 1 on errors, JSON output", async (t) => {
  const ok = await ksnap("validate", "--no-storage", v("valid", "savepoint-two-operators.ksnap"));
  t.equal(ok.status, 0, ok.stdout + ok.stderr);
  const bad = await ksnap("validate", "--json", "--no-storage", v("valid", "values-above-2-53.ksnap"));
  t.equal(bad.status, 1, "the range-test vector breaks semantic rules");
  const report = JSON.parse(bad.stdout);
  t.ok(report.findings.some((f: { rule: string; severity: string }) => f.severity === "error" && /^KS-E\d{3}$/.test(f.rule)));
  const corrupt = await ksnap("validate", v("invalid", "bad-checksum.ksnap"));
  t.equal(corrupt.status, 1);
  t.match(corrupt.stdout + corrupt.stderr, /KS-E001/, "a file that cannot be decoded is a finding");
  t.notMatch(corrupt.stderr, /\n\s+at /, "no stack trace");
});

t.test("gc through main: a dry run on a folder without checkpoints deletes nothing", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "ksnap-gc-bin-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, "keep.txt"), "x");
  const r = await ksnap("gc", root, "--retain", "1");
  t.not(r.status, 3, "no internal error");
  t.notMatch(r.stderr, /\n\s+at /, "no stack trace");
  t.ok(readdirSync(root).includes("keep.txt"), "nothing deleted");
  t.equal((await ksnap("gc", root)).status, 2, "--retain is required");
});

t.test("savepoint dump through main: bad input is one line, exit 1", async (t) => {
  const notData = await ksnap("savepoint", "dump", v("valid", "empty-checkpoint.ksnap"));
  t.equal(notData.status, 1, "a checkpoint without savepoint handles");
  oneCleanLine(t, notData.stderr, /INVALID_FIELD/);
  const garbage = join(work, "garbage.bin");
  writeFileSync(garbage, "not a data file");
  const r = await ksnap("savepoint", "dump", garbage);
  t.equal(r.status, 1);
  oneCleanLine(t, r.stderr, /^ksnap: /);
  const json = await ksnap("savepoint", "dump", "--json", garbage);
  t.equal(json.status, 1);
  t.match(JSON.parse(json.stderr), { error: { code: String, message: String } }, "with --json the error is one JSON object");
  t.equal((await ksnap("savepoint", "dump")).status, 2, "missing PATH");
});

t.test("real process: the bin has a shebang and exits 0, 1 and 2 as the shell sees them", async (t) => {
  t.match(readFileSync(BIN, "utf8"), /^#!\/usr\/bin\/env node\n/, "the first line runs it with node");
  const ok = ksnapProcess("inspect", v("valid", "incremental-chain-head.ksnap"));
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stdout, /KSNAP 1\.0, checkpoint 3/, "stdout reaches the pipe");
  const invalid = ksnapProcess("inspect", v("invalid", "bad-checksum.ksnap"));
  t.equal(invalid.status, 1);
  oneCleanLine(t, invalid.stderr, /^ksnap: .*bad-checksum\.ksnap: /);
  const usage = ksnapProcess("frobnicate");
  t.equal(usage.status, 2, "unknown command");
  t.match(usage.stderr, /unknown command/, "commander's message reaches stderr");
});
