/**
 * `ksnap validate` as a command: the action with captured output and exit
 * status, the commander wiring of its options, the progress bar, and the spec
 * documenting every rule of the catalogue.
 */
import t, { type Test } from "tap";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Command } from "commander";
import { takeRequestedStatus } from "../src/cli/exit-status.js";
import { registerValidate, validateCommand, type ValidateCommandIo } from "../src/cli/validate-command.js";
import { packageFile } from "../src/storage/package-files.js";
import { progressBarFor } from "../src/cli/progress-bar.js";
import { RULES } from "../src/validate/rules.js";
import type { IncrementalHandle } from "../src/model.js";
import { checkpointChain, tempRoot, TreeSpec } from "./fixtures/validate/snapshot-tree.js";

/** Output streams that record what is written; `tty` makes stderr claim to be a terminal. */
function captured(tty = false): ValidateCommandIo & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: tty, columns: 80 });
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on("data", (c: Buffer) => chunks.out.push(c));
  stderr.on("data", (c: Buffer) => chunks.err.push(c));
  return { stdout, stderr, out: () => Buffer.concat(chunks.out).toString("utf8"), err: () => Buffer.concat(chunks.err).toString("utf8") };
}

/** A valid chain 1, 2, 3 on disk; `edit` changes the snapshots before they are written. */
function root(t: Test, edit: (spec: TreeSpec) => void = () => {}): string {
  const dir = tempRoot(t);
  const spec = new TreeSpec();
  checkpointChain(spec, { ids: [1n, 2n, 3n] });
  edit(spec);
  spec.write(dir);
  return dir;
}
const firstHandle = (spec: TreeSpec, i: number) => spec.snapshots[i]!.operators[0]!.subtasks[0]!.handles[0] as IncrementalHandle;

t.beforeEach(() => void takeRequestedStatus());

t.test("a valid root: summary only, exit 0, nothing on a non-TTY stderr", async (t) => {
  const io = captured();
  const r = await validateCommand(root(t), {}, io);
  t.equal(io.out(), "validated 3 snapshots, 18 files checked on storage: no findings\n");
  t.equal(io.err(), "");
  t.equal(r.summary.errors, 0);
  t.equal(takeRequestedStatus(), 0);
});

t.test("errors: grouped by file, one line each, exit 1", async (t) => {
  const dir = root(t);
  rmSync(join(dir, "chk-2", "op-1", "MANIFEST"));
  const io = captured();
  await validateCommand(dir, {}, io);
  t.equal(io.out(), [
    `${join(dir, "chk-2", "_metadata.ksnap")}:`,
    "  error   KS-E100  operators[0].subtasks[1].handles[0].incremental.metaFile: file \"chk-2/op-1/MANIFEST\" does not exist",
    "validated 3 snapshots, 18 files checked on storage: 1 error, 0 warnings",
    "",
  ].join("\n"));
  t.equal(takeRequestedStatus(), 1);
});

t.test("warnings alone exit 0, and 1 with --strict", async (t) => {
  const dir = root(t, (spec) => void (firstHandle(spec, 2).stateSize += 1n));
  const io = captured();
  await validateCommand(dir, {}, io);
  t.match(io.out(), /warning KS-W073  operators\[0\]\.subtasks\[0\]\.handles\[0\]\.incremental\.stateSize: state_size \d+ differs/);
  t.match(io.out(), /: 0 errors, 1 warning\n$/);
  t.equal(takeRequestedStatus(), 0);
  await validateCommand(dir, { strict: true }, captured());
  t.equal(takeRequestedStatus(), 1);
});

t.test("--strict passes a healthy root whose old checkpoints were subsumed (KS-W113, KS-W115 only)", async (t) => {
  const dir = root(t);
  rmSync(join(dir, "chk-1"), { recursive: true });
  const io = captured();
  await validateCommand(dir, { strict: true }, io);
  t.match(io.out(), /warning KS-W113/);
  t.match(io.out(), /warning KS-W115/);
  t.notMatch(io.out(), /error /);
  t.equal(takeRequestedStatus(), 0);
});

t.test("--json prints {findings, summary}", async (t) => {
  const dir = root(t);
  writeFileSync(join(dir, "shared", "b1-000002.sst"), "replaced");
  const io = captured();
  await validateCommand(dir, { json: true }, io);
  const doc = JSON.parse(io.out());
  t.strictSame(Object.keys(doc), ["findings", "summary"]);
  t.strictSame(doc.summary, { snapshots: 3, filesChecked: 18, errors: 1, warnings: 0 });
  t.strictSame(doc.findings[0], {
    rule: "KS-E102", severity: "error",
    location: { file: join(dir, "chk-2", "_metadata.ksnap"), field: "operators[0].subtasks[1].handles[0].incremental.sharedFiles[1]", path: "shared/b1-000002.sst" },
    message: "file \"shared/b1-000002.sst\" (2 refs) is 8 bytes; its ref says 105",
  });
  t.equal(takeRequestedStatus(), 1);
});

t.test("--no-storage via commander: files are not read", async (t) => {
  const dir = root(t);
  rmSync(join(dir, "shared"), { recursive: true });
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stdout.write;
  try {
    const program = new Command().exitOverride();
    registerValidate(program);
    await program.parseAsync(["validate", dir, "--no-storage", "--json"], { from: "user" });
    await program.parseAsync(["validate", dir], { from: "user" });
  } finally {
    process.stdout.write = write;
  }
  t.strictSame(JSON.parse(written[0]!).summary, { snapshots: 3, filesChecked: 0, errors: 0, warnings: 0 });
  t.match(written[1], /: 6 errors, 0 warnings\n$/, "storage is on by default");
  t.equal(takeRequestedStatus(), 1);
});

t.test("the progress bar draws on a terminal only", async (t) => {
  const tty = captured(true);
  await validateCommand(root(t), {}, tty);
  t.match(tty.err(), /checking files .* \d+\/18/);
  const bar = progressBarFor(Object.assign(new PassThrough(), { isTTY: false }));
  bar.update({ filesDone: 1, filesTotal: 2, bytesRead: 10, bytesTotal: 20 });
  bar.stop();
  const pipe = captured(false);
  await validateCommand(root(t), {}, pipe);
  t.equal(pipe.err(), "");
  const quiet = captured(true);
  await validateCommand(root(t), { storage: false }, quiet);
  t.equal(quiet.err(), "", "no bar without storage checks");
});

t.test("spec/validation.md documents every rule, with its anchor, severity and text", async (t) => {
  const doc = readFileSync(packageFile("spec/validation.md"), "utf8");
  const rows = [...doc.matchAll(/^\| <a id="(ks-[ew]\d{3})"><\/a>(KS-[EW]\d{3}) \| (error|warning) \| (.+?) \| (.+?) \|$/gm)];
  t.strictSame(rows.map((m) => m[2]), Object.keys(RULES), "one row per rule, in catalogue order");
  for (const [, anchor, id, severity, what, why] of rows) {
    const rule = RULES[id as keyof typeof RULES];
    t.equal(anchor, id!.toLowerCase(), `${id} anchor`);
    t.equal(severity, rule.severity, `${id} severity`);
    t.equal(severity![0]!.toUpperCase(), id![3], `${id}: the letter matches the severity`);
    t.equal(what, rule.what, `${id} what`);
    t.ok(why!.trim().length > 20, `${id} says why`);
  }
});

t.test("source links to the spec point at anchors that exist", async (t) => {
  const doc = readFileSync(packageFile("spec/validation.md"), "utf8");
  const anchors = new Set([...doc.matchAll(/<a id="([^"]+)">/g)].map((m) => m[1]));
  for (const m of doc.matchAll(/^#+ (.+)$/gm)) anchors.add(m[1]!.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-"));
  const { readdirSync } = await import("node:fs");
  const files = [...readdirSync(packageFile("src/validate")).map((f) => `src/validate/${f}`), "src/cli/validate-command.ts"];
  let links = 0;
  for (const f of files) {
    for (const m of readFileSync(packageFile(f), "utf8").matchAll(/validation\.md#([a-z0-9-]+)/g)) {
      links++;
      t.ok(anchors.has(m[1]!), `${f} links to #${m[1]}`);
    }
  }
  t.ok(links > 30, `${links} links checked`);
});
