/**
 * The `ksnap` command as a Unix citizen (README, "Command line"): a folder where
 * a file is named, `-` for standard input and output, a closed pipe ending the
 * command with status 141, Ctrl-C restoring the terminal and ending it with 130,
 * and errors as one JSON object on stderr under `--json`. Through the built bin,
 * with real processes, pipes and a pseudo-terminal.
 */
import t from "tap";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base, savepointHandle } from "../conformance/cases/fixtures.js";
import { encodeSnapshot } from "../src/codec.js";
import { packageFile } from "../src/storage/package-files.js";
import { history } from "./gc-fixtures.js";
import { VECTORS } from "./helpers.js";

const BIN = packageFile("dist/src/cli/bin.js");
const v = (kind: string, name: string) => join(VECTORS, "v1.0", kind, name);
const BIG = v("valid", "savepoint-32768-key-groups.ksnap");
const SNAPSHOT_FOLDER = join(VECTORS, "v1.0", "snapshots", "two-operators");

function ksnap(args: string[], input?: string | Uint8Array): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}

const work = mkdtempSync(join(tmpdir(), "ksnap-cli-unix-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

t.test("inspect FOLDER reads the _metadata.ksnap it holds, as the other commands do", async (t) => {
  const r = ksnap(["inspect", "--json", SNAPSHOT_FOLDER]);
  t.equal(r.status, 0, r.stderr);
  t.strictSame(r.stdout, ksnap(["inspect", "--json", join(SNAPSHOT_FOLDER, "_metadata.ksnap")]).stdout);
  const text = ksnap(["inspect", SNAPSHOT_FOLDER]);
  t.match(text.stdout.toString(), /two-operators[/\\]_metadata\.ksnap/, "the tree names the metadata file read");
});

t.test("- is standard input for file arguments and standard output for -o", async (t) => {
  const file = v("valid", "incremental-chain-head.ksnap");
  const bytes = readFileSync(file);
  const json = readFileSync(v("valid", "incremental-chain-head.json"));
  t.strictSame(ksnap(["inspect", "--json", "-"], bytes).stdout, ksnap(["inspect", "--json", file]).stdout, "inspect -");
  const encoded = ksnap(["encode", "-", "-o", "-"], json);
  t.equal(encoded.status, 0, encoded.stderr);
  t.ok(encoded.stdout.equals(bytes), "encode - -o - writes the canonical bytes to stdout");
  t.strictSame(ksnap(["encode", v("valid", "incremental-chain-head.json"), "-o", "-"]).stdout, bytes);
  const plan = ksnap(["plan-restore", "--json", "-p", "3", "-"], bytes);
  t.strictSame(JSON.parse(plan.stdout.toString()), JSON.parse(ksnap(["plan-restore", "--json", "-p", "3", file]).stdout.toString()), "plan-restore -");
  const diff = ksnap(["diff", "--json", "-", file], bytes);
  t.equal(diff.status, 0, diff.stderr);
  t.match(JSON.parse(diff.stdout.toString()), { added: [], dropped: [] }, "diff - FILE");
  const both = ksnap(["diff", "-", "-"], bytes);
  t.equal(both.status, 2, "both from standard input is a usage error");
  t.match(both.stderr, /^ksnap: only one of the two snapshots can be read from standard input/);
  const garbage = ksnap(["inspect", "-"], "not a snapshot");
  t.equal(garbage.status, 1);
  t.match(garbage.stderr, /^ksnap: <stdin>: BAD_MAGIC at byte 0/);
  t.match(ksnap(["savepoint", "dump", "-"], bytes), { status: 2, stderr: /not standard input/ });
  for (const command of [["inspect"], ["encode"], ["diff"], ["plan-restore"]]) {
    t.match(spawnSync(process.execPath, [BIN, ...command, "--help"], { encoding: "utf8" }).stdout, /- for\s+standard\s+input/, `${command[0]} --help says so`);
  }
});

t.test("standard input is read up to the file limit, never unbounded", async (t) => {
  // 256 MiB + 1 byte through a pipe: refused as soon as the limit is passed.
  const r = spawnSync(process.execPath, [BIN, "encode", "-", "-o", join(work, "never.ksnap")], { input: Buffer.alloc(256 * 1024 * 1024 + 1, 0x20) });
  t.equal(r.status, 1, r.stderr.toString());
  t.match(r.stderr.toString(), /^ksnap: <stdin>: LIMIT_EXCEEDED: standard input is over the limit of 268435456 bytes\n$/);
});

/** Runs the bin with stdout a pipe that this side closes at once, before the command writes: its exit status and stderr. */
function closedPipe(args: string[]): Promise<{ status: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("close", (status, signal) => resolve({ status, signal, stderr }));
  });
}

t.test("output into a closed pipe ends quietly with status 141", async (t) => {
  const root = history(t);
  const dataFile = join(VECTORS, "v1.0", "snapshots", "two-operators");
  const commands = [
    ["inspect", "--json", BIG],
    ["inspect", BIG],
    ["validate", "--no-storage", BIG],
    ["validate", "--json", "--no-storage", BIG],
    ["diff", BIG, BIG],
    ["plan-restore", "-p", "1000", BIG],
    ["savepoint", "dump", "--json", dataFile],
    ["gc", root, "--retain", "1", "--json"],
    ["conformance", "--list"],
    ["encode", v("valid", "empty-checkpoint.json"), "-o", "-"],
  ];
  for (const args of commands) {
    const r = await closedPipe(args);
    t.equal(r.status, 141, `ksnap ${args.join(" ")}: ${r.stderr}`);
    t.equal(r.stderr, "", "nothing on stderr: no stack trace, no internal error");
  }
});

t.test("a shell pipeline into head -1 sees 141 under pipefail", async (t) => {
  const r = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" inspect --json "${BIG}" | head -1; echo "status=$?"`], { encoding: "utf8" });
  t.equal(r.stdout, "{\nstatus=141\n");
  t.equal(r.stderr, "");
});

t.test("with --json, every error is one JSON object on stderr", async (t) => {
  const missing = join(work, "nope.ksnap");
  const cases: [string[], string, number][] = [
    [["inspect", "--json", missing], "IO_ERROR", 1],
    [["validate", "--json", join(work, "nope")], "IO_ERROR", 1],
    [["diff", "--json", missing, BIG], "IO_ERROR", 1],
    [["plan-restore", "--json", "-p", "x", BIG], "USAGE", 2],
    [["plan-restore", "--json", "-p", "99999", BIG], "INVALID_FIELD", 1],
    [["gc", "--json", join(work, "nope"), "--retain", "1"], "IO_ERROR", 1],
    [["gc", "--json", work], "USAGE", 2],
    [["savepoint", "dump", "--json", missing], "IO_ERROR", 1],
    [["inspect", "--json", "--bogus", BIG], "USAGE", 2],
    [["inspect", "--json"], "USAGE", 2],
  ];
  for (const [args, code, status] of cases) {
    const r = ksnap(args);
    t.equal(r.status, status, `ksnap ${args.join(" ")}`);
    t.equal(r.stderr.trimEnd().split("\n").length, 1, `one line: ${r.stderr}`);
    const doc = JSON.parse(r.stderr) as { error: Record<string, unknown> };
    t.strictSame(Object.keys(doc.error), ["code", "message", "file", "offset", "field"]);
    t.equal(doc.error.code, code);
  }
  const bad = ksnap(["inspect", "--json", v("invalid", "bad-magic.ksnap")]);
  t.match(JSON.parse(bad.stderr), { error: { code: "BAD_MAGIC", offset: 1, file: /bad-magic\.ksnap$/, field: null } });
  const field = ksnap(["plan-restore", "--json", "-p", "99999", BIG]);
  t.match(JSON.parse(field.stderr), { error: { field: "newParallelism", message: /out of range/ } });
  t.match(ksnap(["inspect", missing]).stderr, /^ksnap: .*nope\.ksnap: IO_ERROR/, "without --json, text as before");
});

t.test("Ctrl-C during a progress bar shows the cursor, turns line wrap back on, and exits 130", async (t) => {
  if (spawnSync("script", ["--version"]).status !== 0) {
    t.comment("script (util-linux) is not available");
    return;
  }
  // An 8 GiB sparse data file: hashing it takes seconds, long enough to interrupt.
  const dir = mkdtempSync(join(tmpdir(), "ksnap-sigint-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const h = savepointHandle("big", "big.kg", 0, 128, 64n << 20n);
  writeFileSync(join(dir, "_metadata.ksnap"), encodeSnapshot(base({
    kind: "savepoint", properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
    operators: [{ operatorId: "0123456789abcdef0123456789abcdef", name: "op", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [h] }] }],
  })));
  closeSync(openSync(join(dir, "big.kg"), "w"));
  truncateSync(join(dir, "big.kg"), Number(h.dataFile.size));
  const { status, out } = await new Promise<{ status: number | null; out: string }>((resolve) => {
    const child = spawn("script", ["-qefc", `exec "${process.execPath}" "${BIN}" validate "${dir}"`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let sent = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      // Ctrl-C typed on the terminal: the pseudo-terminal turns it into SIGINT for the foreground process.
      if (!sent && /checking files .* of 8\.0 GiB \| .*\/s \| .* left/.test(out)) {
        sent = true;
        setTimeout(() => child.stdin.write("\x03"), 200);
      }
    });
    child.on("close", (status) => resolve({ status, out }));
  });
  t.equal(status, 130, "the status of a process killed by SIGINT");
  t.match(out, /\d+% \| [\d.]+ [KMG]?i?B of 8\.0 GiB \| [\d.]+ [KMG]?i?B\/s \| .+ left \| 0\/1 files/, "bytes read, total, rate and time left");
  const last = out.lastIndexOf("files");
  const after = out.slice(last + "files".length);
  t.ok(after.includes("\x1b[?25h"), "cursor shown");
  t.ok(after.includes("\x1b[?7h"), "line wrap back on");
  // "^C" is the pseudo-terminal echoing the key (ECHOCTL), not ksnap's output; it lands before or after the last
  // redraw of the bar depending on timing.
  t.notMatch(after.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, "").replace(/\^C/g, ""), /\S/, "nothing but terminal controls after the bar");
});
