/**
 * The conformance runner (spec/conformance.md) against adapters that misbehave:
 * each protocol break is an ERROR for that test only, the runner restarts the
 * adapter and goes on, and always reports; wrong answers are FAILs; missing
 * capabilities are UNSUPPORTED; expected failures give XFAIL and XPASS.
 */
import t from "tap";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isFailure, type Outcome } from "../src/conformance/outcomes.js";
import { renderJunit } from "../src/conformance/report-junit.js";
import { renderTap } from "../src/conformance/report-tap.js";
import { renderTextReport } from "../src/conformance/report-text.js";
import { runSuite, type SuiteResult } from "../src/conformance/run-suite.js";
import { decodeUnits } from "../src/conformance/vector-units.js";
import { packageFile } from "../src/storage/package-files.js";
import { VECTORS } from "./helpers.js";
import { runCli } from "./run-cli.js";

const FAKE = `node ${JSON.stringify(packageFile("test/fixtures/adapters/misbehaving-adapter.mjs"))}`;
/** The seven valid v1.0 decode tests: quick, and each passes for a correct adapter. */
const UNITS = (await decodeUnits(VECTORS)).filter((u) => u.tests[0]!.id.startsWith("decode/v1.0/valid/"));
const ids = UNITS.map((u) => u.tests[0]!.id);
const TARGET = "decode/v1.0/valid/full-checkpoint-key-groups";

async function run(args: string, extra: { expectedFailures?: Set<string>; timeoutMs?: number; startTimeoutMs?: number } = {}): Promise<SuiteResult> {
  return runSuite({ adapter: `${FAKE} ${args}`, units: UNITS, timeoutMs: 5000, startTimeoutMs: 20_000, levels: ["decode"], ...extra });
}

function outcomes(r: SuiteResult): Record<string, Outcome> {
  return Object.fromEntries(r.results.map((x) => [x.id, x.outcome]));
}

t.test("a correct adapter passes every test, started once", async (t) => {
  const r = await run("");
  t.strictSame(r.results.map((x) => x.outcome), ids.map(() => "PASS"));
  t.equal(r.adapter.starts, 1);
  t.equal(r.adapter.name, "misbehaving");
});

for (const [action, reason] of [
  ["hang", /no response to decode \(request \d+\) within 1500 ms/],
  ["crash", /the adapter exited \(status 3\)/],
  ["garbage", /is not JSON: "this is not json"/],
  ["wrong-id", /carries id \d+/],
  ["bad-schema", /breaks the protocol schema: \/result: required member "json" is missing/],
  ["noise", /carries id undefined/],
] as const) {
  t.test(`an adapter that answers one request with "${action}" errs that test only and is restarted`, async (t) => {
    const r = await run(`--on full-checkpoint-key-groups:${action}`, { timeoutMs: 1500 });
    const got = outcomes(r);
    t.equal(got[TARGET], "ERROR");
    t.match(r.results.find((x) => x.id === TARGET)!.reason, reason);
    t.strictSame(ids.filter((id) => id !== TARGET).map((id) => got[id]), ids.slice(1).map(() => "PASS"), "every other test passes");
    t.equal(r.adapter.starts, 2, "restarted once");
  });
}

t.test("a wrong answer is a FAIL naming the first difference", async (t) => {
  const r = await run(`--on full-checkpoint-key-groups:wrong-json`);
  const target = r.results.find((x) => x.id === TARGET)!;
  t.equal(target.outcome, "FAIL");
  t.equal(target.reason, '/snapshotId: "999", expected "7"');
  t.equal(r.adapter.starts, 1, "a FAIL does not restart the adapter");
});

for (const hello of ["refuse", "hang", "garbage"]) {
  t.test(`an adapter whose hello fails (${hello}) is tried twice, then every test errs`, async (t) => {
    const r = await run(`--hello ${hello}`, { startTimeoutMs: 1500 });
    t.strictSame(r.results.map((x) => x.outcome), ids.map(() => "ERROR"));
    t.match(r.results[0]!.reason, /could not be started/);
    t.equal(r.adapter.starts, 2);
  });
}

t.test("an adapter that declares nothing gets UNSUPPORTED, which is not a failure", async (t) => {
  const r = await run("--caps state");
  t.strictSame(r.results.map((x) => x.outcome), ids.map(() => "UNSUPPORTED"));
  t.notOk(r.results.some((x) => isFailure(x.outcome)));
});

t.test("a command that cannot run errs every test", async (t) => {
  const r = await runSuite({ adapter: "/nonexistent/adapter-command", units: UNITS, levels: ["decode"], timeoutMs: 2000 });
  t.strictSame(r.results.map((x) => x.outcome), ids.map(() => "ERROR"));
  t.match(r.results[0]!.reason, /exited \(status 127\)/);
});

t.test("expected failures: a listed failure is XFAIL, a listed pass is XPASS", async (t) => {
  const other = ids.find((id) => id !== TARGET)!;
  const r = await run(`--on full-checkpoint-key-groups:wrong-json`, { expectedFailures: new Set([TARGET, other]) });
  const got = outcomes(r);
  t.equal(got[TARGET], "XFAIL");
  t.equal(got[other], "XPASS");
  t.match(r.results.find((x) => x.id === other)!.reason, /remove it from the list/);
  t.ok(isFailure("XPASS") && !isFailure("XFAIL"));
});

t.test("reports: text, TAP 14 and JUnit XML say the same", async (t) => {
  const r = await run(`--on full-checkpoint-key-groups:crash`);
  const text = renderTextReport(r);
  t.match(text, /7 tests: 6 passed, 0 failed, 1 errors, 0 unsupported, 0 expected failures, 0 unexpected passes, in \d+\.\d s/);
  t.match(text, new RegExp(`ERROR ${TARGET}: the adapter broke the protocol: the adapter exited`));
  const tap = renderTap(r).split("\n");
  t.equal(tap[0], "TAP version 14");
  t.equal(tap[1], "1..7");
  t.equal(tap.filter((l) => l.startsWith("ok ")).length, 6);
  t.ok(tap.includes(`not ok ${ids.indexOf(TARGET) + 1} - ${TARGET}`));
  const xml = renderJunit(r);
  t.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="ksnap conformance" tests="7" failures="0" errors="1"/);
  t.equal(xml.match(/<testcase /g)?.length, 7);
  t.match(xml, /<error message="the adapter broke the protocol: the adapter exited \(status 3\)" type="ERROR">/);
});

t.test("JUnit escapes reasons: markup and control characters cannot break the XML", async (t) => {
  const r: SuiteResult = {
    adapter: { command: "x", capabilities: [], starts: 1 }, levels: ["decode"], ms: 1,
    results: [{ id: "decode/a", level: "decode", outcome: "FAIL", reason: `<b a="1">&'\u0001</b>`, ms: 1 }],
  };
  t.match(renderJunit(r), /message="&lt;b a=&quot;1&quot;&gt;&amp;&apos;&lt;\/b&gt;"/);
});

t.test("CLI: exit status, --tap, --junit and usage errors", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-conformance-cli-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => runCli("conformance", ...args);
  const junit = join(dir, "report.xml");
  const failing = await cli("--adapter", `${FAKE} --on full-checkpoint-key-groups:wrong-json`, "--level", "decode", "--junit", junit, "--tap");
  t.equal(failing.status, 1, "a failing test exits 1");
  t.match(failing.stdout, /^TAP version 14\n/);
  t.match(readFileSync(junit, "utf8"), /<failure message="\/snapshotId: &quot;999&quot;, expected &quot;7&quot;"/);
  t.notMatch(failing.stderr, /\bat [^ ]+\.js:\d+/, "no stack trace");

  const list = join(dir, "xfail.txt");
  writeFileSync(list, `# known bug\n${TARGET}\n`);
  const listed = await cli("--adapter", `${FAKE} --on full-checkpoint-key-groups:wrong-json --caps decode`, "--level", "decode", "--expected-failures", list);
  t.equal(listed.status, 0, `the only failure is expected: ${listed.stdout}`);
  t.match(listed.stdout, /1 expected failures, 0 unexpected passes/);

  writeFileSync(list, "decode/v1.0/valid/no-such-vector\n");
  const typo = await cli("--adapter", FAKE, "--expected-failures", list);
  t.equal(typo.status, 2, "an unknown id in the list is a usage error");
  t.match(typo.stderr, /line 1: "decode\/v1.0\/valid\/no-such-vector" is not a test of the catalogue/);
  t.equal((await cli()).status, 2, "--adapter is required");
  t.equal((await cli("--adapter", FAKE, "--level", "nope")).status, 2, "an unknown level is a usage error");
  t.match((await cli("--list", "--level", "encode")).stdout, /^encode\/v1.0\/valid\/empty-checkpoint$/m);
});

t.test("a bug in a check errs that unit's tests; the run goes on and reports", async (t) => {
  const buggy = { tests: [{ id: "decode/bug/a", level: "decode" as const, needs: [] }], run: async () => { throw new TypeError("x is undefined"); } };
  const r = await runSuite({ adapter: FAKE, units: [buggy, ...UNITS], levels: ["decode"], timeoutMs: 5000, startTimeoutMs: 20_000 });
  t.equal(r.results[0]!.outcome, "ERROR");
  t.match(r.results[0]!.reason, /internal error of the runner \(a bug; please report it\): x is undefined/);
  t.strictSame(r.results.slice(1).map((x) => x.outcome), ids.map(() => "PASS"));
});
