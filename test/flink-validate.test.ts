/**
 * `validate`, `diff` and `plan-restore` on Flink input (issue 14, items 3 and 4). Each of the 21 real Flink snapshots
 * in test/fixtures/flink has its golden findings in test/fixtures/flink-findings/<folder>.json: exactly what
 * `ksnap validate --json` gives (rule, severity, location, message; metadata paths relative to test/fixtures/flink),
 * and for a checkpoint also what it gives with the files in a `chk-<id>` folder of a job directory (Flink's layout).
 * Regenerate them with `npm run flink-findings` (KSNAP_WRITE_FLINK_FINDINGS=1) and review the diff.
 */
import t from "tap";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageFile } from "../src/storage/package-files.js";
import { runCli as ksnap } from "./run-cli.js";

const FIXTURES = packageFile("test/fixtures/flink");
const GOLDEN = packageFile("test/fixtures/flink-findings");
const WRITE = process.env.KSNAP_WRITE_FLINK_FINDINGS === "1";
const PREFIX = "new-stateful-udf-migration-itcase-";
const at = (name: string): string => join(FIXTURES, name.startsWith("flink") && !name.startsWith("flink-") ? `${PREFIX}${name}` : name);

interface Row {
  folder: string;
  checkpointId: string;
  properties: string;
}

const ROWS: Row[] = readFileSync(join(FIXTURES, "INDEX.tsv"), "utf8").trim().split("\n").slice(1)
  .map((line) => line.split("\t")).map((c) => ({ folder: c[0]!, checkpointId: c[4]!, properties: c[6]! }));

const isCheckpoint = (row: Row): boolean => row.properties.startsWith("CheckpointType") || (row.properties === "-" && row.folder.endsWith("checkpoint"));

/** `--kind` for a _metadata without CheckpointProperties (V2, V3, a null): the folder's name says which. */
function kindArgs(row: Row): string[] {
  if (row.properties !== "-") return [];
  return ["--kind", isCheckpoint(row) ? "checkpoint" : "savepoint"];
}

interface Golden {
  args: string[];
  status: number;
  findings: { rule: string; severity: string; location: Record<string, string>; message: string }[];
  summary: Record<string, number>;
  /** A checkpoint's files copied to `<job dir>/chk-<id>/`, Flink's layout, and validated there (file paths relative to the job dir). */
  inCheckpointFolder?: Omit<Golden, "inCheckpointFolder">;
}

/** `ksnap validate --json ...args base/name`, metadata paths made relative to `base`. */
async function validateIn(base: string, name: string, args: string[]): Promise<Omit<Golden, "inCheckpointFolder">> {
  const all = ["validate", "--json", ...args];
  const run = await ksnap(...all, join(base, name));
  const report = JSON.parse(run.stdout) as Pick<Golden, "findings" | "summary">;
  const findings = report.findings.map((f) => ({
    ...f, location: { ...f.location, ...(f.location.file === undefined ? {} : { file: f.location.file.replace(`${base}/`, "") }) },
  }));
  return { args: [...all, name], status: run.status, findings, summary: report.summary };
}

async function goldenOf(row: Row): Promise<Golden> {
  const golden: Golden = await validateIn(FIXTURES, row.folder, kindArgs(row));
  if (!isCheckpoint(row)) return golden;
  const job = mkdtempSync(join(tmpdir(), "ksnap-flinkval-job-"));
  try {
    const chk = `chk-${row.checkpointId}`;
    mkdirSync(join(job, chk));
    for (const n of readdirSync(join(FIXTURES, row.folder))) copyFileSync(join(FIXTURES, row.folder, n), join(job, chk, n));
    golden.inCheckpointFolder = await validateIn(job, chk, kindArgs(row));
  } finally {
    rmSync(job, { recursive: true, force: true });
  }
  return golden;
}

t.test("golden findings of ksnap validate on each Flink fixture", async (t) => {
  if (WRITE) mkdirSync(GOLDEN, { recursive: true });
  t.equal(ROWS.length, 21);
  for (const row of ROWS) {
    const got = await goldenOf(row);
    const file = join(GOLDEN, `${row.folder}.json`);
    if (WRITE) writeFileSync(file, JSON.stringify(got, null, 2) + "\n");
    t.strictSame(got, JSON.parse(readFileSync(file, "utf8")), `${row.folder} (regenerate: npm run flink-findings)`);
    // Only the findings the converter is known to give (spec/flink.md, "The converter"), and never KS-W105.
    const rules = new Set([...got.findings, ...got.inCheckpointFolder?.findings ?? []].map((f) => f.rule));
    for (const r of rules) t.ok(["KS-E044", "KS-E052", "KS-W076", "KS-W011", "KS-W098"].includes(r), `${row.folder}: ${r} is expected`);
  }
});

t.test("validate on Flink input: sizes only, no KS-W105, files beside _metadata checked, stray file reported", async (t) => {
  const native = await ksnap("validate", "--json", at("flink2.1-rocksdb-savepoint-native"));
  const report = JSON.parse(native.stdout) as Golden;
  t.equal(native.status, 0);
  t.equal(report.summary.filesChecked, 82);
  t.strictSame(report.findings, []);
  const stray = await ksnap("validate", at("flink-table-planner__restore-tests__stream-exec-over-aggregate_1__over-aggregate-lag__1.18__savepoint"));
  t.match(stray.stdout, /warning KS-W098 +OverWindowRestoreTest: file "OverWindowRestoreTest" in the snapshot's folder is referenced by no handle/);
  // A missing and a resized file are errors; a new file is KS-W098.
  const dir = mkdtempSync(join(tmpdir(), "ksnap-flinkval-"));
  try {
    const src = at("flink2.3-hashmap-checkpoint");
    const sp = join(dir, "sp");
    mkdirSync(sp);
    const names = readdirSync(src).sort();
    for (const n of names) copyFileSync(join(src, n), join(sp, n));
    const data = names.filter((n) => n !== "_metadata");
    rmSync(join(sp, data[0]!));
    writeFileSync(join(sp, data[1]!), "short");
    writeFileSync(join(sp, "stray.bin"), "x");
    const run = await ksnap("validate", "--json", sp);
    const rules = (JSON.parse(run.stdout) as Golden).findings.map((f) => `${f.rule} ${f.location.path ?? ""}`);
    t.equal(run.status, 1);
    t.ok(rules.includes(`KS-E100 ${data[0]}`), "missing file");
    t.ok(rules.includes(`KS-E102 ${data[1]}`), "resized file");
    t.ok(rules.includes("KS-W098 stray.bin"), "stray file");
    t.notOk(rules.some((r) => r.startsWith("KS-W105")));
    // chk-<n>: the root is the parent, and paths are relative to it.
    const job = join(dir, "job");
    mkdirSync(join(job, "chk-2"), { recursive: true });
    for (const n of names) copyFileSync(join(src, n), join(job, "chk-2", n));
    const chk = await ksnap("validate", "--json", join(job, "chk-2"));
    const findings = (JSON.parse(chk.stdout) as Golden).findings;
    t.notOk(findings.some((f) => f.rule === "KS-W011"), "chk-2 follows the layout");
    t.ok(findings.every((f) => f.location.path === undefined || f.location.path.startsWith("chk-2/")), "paths relative to the job dir");
    // --job-dir names the root explicitly; --no-storage reads no file and so reports no KS-W098 either.
    writeFileSync(join(job, "chk-2", "stray.bin"), "x");
    const explicit = await ksnap("validate", "--json", "--job-dir", job, join(job, "chk-2", "_metadata"));
    t.strictSame((JSON.parse(explicit.stdout) as Golden).findings.filter((f) => f.rule === "KS-W098").map((f) => f.location.path), ["chk-2/stray.bin"]);
    const outside = await ksnap("validate", "--job-dir", sp, join(job, "chk-2"));
    t.equal(outside.status, 1);
    t.match(outside.stderr, /INVALID_OPERATION: the _metadata is not inside --job-dir/);
    const noStorage = await ksnap("validate", "--json", "--no-storage", join(job, "chk-2"));
    t.strictSame((JSON.parse(noStorage.stdout) as Golden).summary.filesChecked, 0);
    t.notOk((JSON.parse(noStorage.stdout) as Golden).findings.some((f) => f.rule === "KS-W098"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.test("diff on Flink input", async (t) => {
  const a = at("flink2.0-rocksdb-checkpoint");
  const b = at("flink2.3-rocksdb-checkpoint");
  const same = await ksnap("diff", "--json", a, join(a, "_metadata"));
  t.equal(same.status, 0, same.stderr);
  const d = JSON.parse(same.stdout) as { added: unknown[]; dropped: unknown[]; reused: unknown[] };
  t.equal(d.added.length, 0);
  t.equal(d.dropped.length, 0);
  t.equal(d.reused.length, 82);
  const two = await ksnap("diff", a, b);
  t.equal(two.status, 0, two.stderr);
  t.match(two.stdout, /^A: .*flink2\.0-rocksdb-checkpoint\/_metadata: checkpoint 2, 82 file\(s\)/);
  t.match(two.stdout, /\nB: .*flink2\.3-rocksdb-checkpoint\/_metadata: checkpoint 2, 82 file\(s\)/);
  t.match(two.stdout, /added in B: 82 file\(s\)/);
  // One KSNAP side, one Flink side: the converted file diffs as the Flink folder does.
  const dir = mkdtempSync(join(tmpdir(), "ksnap-flinkval-"));
  try {
    const out = join(dir, "b.ksnap");
    t.equal((await ksnap("convert", b, "-o", out)).status, 0);
    const mixed = await ksnap("diff", "--json", out, b);
    t.equal(mixed.status, 0);
    t.equal((JSON.parse(mixed.stdout) as { reused: unknown[] }).reused.length, 82);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.test("plan-restore on Flink input", async (t) => {
  const canonical = await ksnap("plan-restore", at("flink1.20-rocksdb-savepoint"), "-p", "3");
  t.equal(canonical.status, 0, canonical.stderr);
  t.match(canonical.stdout, /restore plan for savepoint 1 \(max parallelism 4\)/);
  t.match(canonical.stdout, /key-groups-stream handle 0 of old subtask 0 .*in format /);
  t.match(canonical.stdout, /parallelism 4 → 3/);
  const native = await ksnap("plan-restore", "--json", at("flink1.18-rocksdb-savepoint-native"), "-p", "1");
  t.equal(native.status, 0, native.stderr);
  const types = new Set<string>();
  JSON.stringify(JSON.parse(native.stdout), (k, v: unknown) => {
    if (k === "type" && typeof v === "string") types.add(v);
    return v;
  });
  t.ok(types.has("stream-incremental"), `stream-incremental reads (${[...types].join(", ")})`);
  const old = await ksnap("plan-restore", at("flink1.4-rocksdb-savepoint"), "--kind", "savepoint", "-p", "2");
  t.equal(old.status, 0, old.stderr);
  t.match(old.stderr, /note: the _metadata has no CheckpointProperties: kind savepoint as given/);
});

t.test("a truncated or corrupt _metadata: exit 1, one typed line with the byte offset, no stack", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-flinkval-"));
  try {
    const good = at("flink2.3-rocksdb-checkpoint");
    const whole = readFileSync(join(good, "_metadata"));
    mkdirSync(join(dir, "truncated"));
    writeFileSync(join(dir, "truncated", "_metadata"), whole.subarray(0, 500));
    const corrupt = Buffer.from(whole);
    corrupt.fill(0xff, 4, 8);
    writeFileSync(join(dir, "corrupt"), corrupt);
    const cases: [string, string[], RegExp][] = [
      ["validate truncated", ["validate", join(dir, "truncated")], /: TRUNCATED at byte 500, /],
      ["validate corrupt", ["validate", join(dir, "corrupt")], /: UNSUPPORTED_VERSION at byte 4: /],
      ["diff truncated", ["diff", good, join(dir, "truncated")], /: TRUNCATED at byte 500, /],
      ["diff corrupt", ["diff", join(dir, "corrupt"), good], /: UNSUPPORTED_VERSION at byte 4: /],
      ["plan-restore truncated", ["plan-restore", join(dir, "truncated", "_metadata"), "-p", "2"], /: TRUNCATED at byte 500, /],
      ["plan-restore corrupt", ["plan-restore", join(dir, "corrupt"), "-p", "2"], /: UNSUPPORTED_VERSION at byte 4: /],
    ];
    for (const [name, args, message] of cases) {
      const run = await ksnap(...args);
      t.equal(run.status, 1, name);
      t.equal(run.stdout, "", `${name}: nothing on stdout`);
      const lines = run.stderr.trimEnd().split("\n");
      t.equal(lines.length, 1, `${name}: one line: ${run.stderr}`);
      t.match(lines[0], /^ksnap: /, name);
      t.match(lines[0], message, name);
      t.notMatch(run.stderr, /\n\s+at /, `${name}: no stack trace`);
    }
    // With --json, the one line is the error as JSON, with its offset.
    const json = await ksnap("validate", "--json", join(dir, "corrupt"));
    t.equal(json.status, 1);
    t.match(JSON.parse(json.stderr), { error: { code: "UNSUPPORTED_VERSION", offset: 4, file: join(dir, "corrupt") } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
