/**
 * The conformance runner against adapters that could take it down
 * (spec/conformance.md#transport): a line without end is that test's ERROR
 * and the runner's memory stays bounded; a descendant of the adapter that holds
 * its stdout open delays neither the detection of the adapter's exit nor the
 * runner's own exit.
 */
import t from "tap";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_LINE_BYTES } from "../src/conformance/adapter-process.js";
import { LineSplitter } from "../src/conformance/line-splitter.js";
import { runSuite } from "../src/conformance/run-suite.js";
import { decodeUnits } from "../src/conformance/vector-units.js";
import { packageFile } from "../src/storage/package-files.js";
import { VECTORS } from "./helpers.js";

const FAKE = `node ${JSON.stringify(packageFile("test/fixtures/adapters/misbehaving-adapter.mjs"))}`;
const CLI = packageFile("dist/src/cli/bin.js");
const TARGET = "decode/v1.0/valid/full-checkpoint-key-groups";
const dir = mkdtempSync(join(tmpdir(), "ksnap-runner-robustness-"));
/** Pid files of the sleepers the fixture started; they are killed at the end whatever happened. */
const sleepers: string[] = [];
t.teardown(() => {
  for (const file of sleepers) if (existsSync(file)) pidsIn(file).forEach(killQuietly);
  rmSync(dir, { recursive: true, force: true });
});

/** A pid file for a `--linger` sleeper, killed in teardown. */
function sleeperFile(name: string): string {
  const file = join(dir, `${name}.pid`);
  sleepers.push(file);
  return file;
}

interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Killed after `limitMs`: the runner did not exit by itself. */
  killed: boolean;
}

/** Runs `node ...args`; SIGKILL after `limitMs`. */
function runNode(args: string[], limitMs: number): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, limitMs);
    // "exit", not "close": a lingering sleeper may hold the pipes this process gave the runner.
    child.on("exit", (status) => {
      clearTimeout(timer);
      setTimeout(() => resolve({ status, stdout, stderr, killed }), 100);
    });
  });
}

t.test("LineSplitter: lines across chunks, CRLF, UTF-8 cut mid-character, a long line dropped to its newline", async (t) => {
  const lines: string[] = [];
  const long: string[] = [];
  const s = new LineSplitter(8, (l) => lines.push(l), (p) => long.push(p.toString("utf8")));
  const bytes = Buffer.from("ab\r\nc€d\n0123456789abc\nxyz\n\nlast");
  for (let i = 0; i < bytes.length; i += 3) s.push(bytes.subarray(i, i + 3));
  s.end();
  t.strictSame(lines, ["ab", "c€d", "xyz", "", "last"]);
  t.strictSame(long, ["01234567"], "only the first 8 bytes of the long line reach the callback, once");
});

t.test("an adapter that writes a line without end: that test is an ERROR, the run reports, memory stays bounded", async (t) => {
  const junit = join(dir, "endless.xml");
  // A heap far below the V8 string limit that readline used to reach; the peak RSS is printed at exit.
  const printRss = "data:text/javascript,process.on('exit',()=>process.stderr.write('maxRSS '+process.resourceUsage().maxRSS+'\\n'))";
  const r = await runNode(["--max-old-space-size=64", `--import=${printRss}`, CLI, "conformance",
    "--adapter", `${FAKE} --on full-checkpoint-key-groups:endless`, "--level", "decode", "--junit", junit], 120_000);
  t.notOk(r.killed, "the runner exited by itself");
  t.equal(r.status, 1, "one test errs: exit status 1", { stderr: r.stderr.slice(-2000) });
  t.ok(r.stdout.includes(`ERROR ${TARGET}: the adapter broke the protocol: a line of more than ${MAX_LINE_BYTES} bytes`), "the report says which test errs, and why",
    { stdout: r.stdout.slice(-1500) });
  t.match(r.stdout, /tests: \d+ passed, 0 failed, 1 errors/, "every other test ran and passed");
  t.match(readFileSync(junit, "utf8"), new RegExp(`name="${TARGET}" time="[0-9.]+"><error `), "the JUnit report is written");
  const maxRssKiB = Number(/maxRSS (\d+)/.exec(r.stderr)?.[1]);
  // Node with the catalogue loaded stays near 150 MiB; the unbounded reader held several times the line.
  t.ok(maxRssKiB > 0 && maxRssKiB * 1024 < 5 * MAX_LINE_BYTES + 256 * 1024 * 1024, `peak RSS ${Math.round(maxRssKiB / 1024)} MiB`);
});

for (const mode of ["group", "session"] as const) {
  t.test(`a grandchild (${mode === "group" ? "in the adapter's process group" : "in a session of its own"}) holding stdout does not keep the runner alive`, { timeout: 30_000 }, async (t) => {
    const pidFile = sleeperFile(`exit-${mode}`);
    // A response timeout longer than the test's: waiting for the pipes to close, the runner would be killed.
    const r = await runNode([CLI, "conformance", "--adapter", `${FAKE} --linger ${mode}:${pidFile}`, "--level", "decode",
      "--timeout", "40000"], 25_000);
    t.notOk(r.killed, "the runner exited by itself, before the response timeout");
    t.equal(r.status, 0, "every test passes", { stdout: r.stdout.slice(-500), stderr: r.stderr.slice(-500) });
    if (mode === "group") t.strictSame(pidsIn(pidFile).filter(alive), [], "the sleeper in the adapter's group was killed with it");
  });
}

t.test("an adapter that crashes while a grandchild holds its stdout: the exit is seen at once", { timeout: 30_000 }, async (t) => {
  const pidFile = sleeperFile("crash-session");
  const units = (await decodeUnits(VECTORS)).filter((u) => u.tests[0]!.id.startsWith("decode/v1.0/valid/"));
  const r = await runSuite({ adapter: `${FAKE} --on full-checkpoint-key-groups:crash --linger session:${pidFile}`, units,
    levels: ["decode"], timeoutMs: 40_000 });
  const target = r.results.find((x) => x.id === TARGET)!;
  t.equal(target.outcome, "ERROR");
  t.match(target.reason, /the adapter exited \(status 3\)/, "not the response timeout");
  t.strictSame(r.results.filter((x) => x.id !== TARGET).map((x) => x.outcome), units.slice(1).map(() => "PASS"));
});

/** True while `pid` runs (a zombie does not count: nothing may reap it in a container). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The pids the fixture appended to `file`, one per adapter started. */
function pidsIn(file: string): number[] {
  return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map(Number);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
