/**
 * The whole suite (spec/conformance.md) against the two adapters the project
 * ships: the reference backend passes every test, and the minimal Python
 * adapter (standard library only) passes every test it declares — decode,
 * encode and read-data — with the rest UNSUPPORTED.
 */
import t from "tap";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRequest } from "../src/conformance/protocol-schema.js";
import { catalogueTests, catalogueUnits } from "../src/conformance/catalogue.js";
import { runSuite } from "../src/conformance/run-suite.js";
import { packageFile } from "../src/storage/package-files.js";

const REFERENCE = `node ${JSON.stringify(packageFile("dist/conformance/reference-backend/main.js"))}`;
const PYTHON = `python3 ${JSON.stringify(packageFile("conformance/adapters/python/ksnap_adapter.py"))}`;

const PROXY = `node ${JSON.stringify(packageFile("test/fixtures/adapters/recording-proxy.mjs"))}`;

t.test("the reference backend passes 100% of the catalogue, and every request the runner sent matches the schema", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-requests-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, "requests.jsonl");
  const r = await runSuite({ adapter: `${PROXY} --log ${JSON.stringify(log)} -- ${REFERENCE}` });
  const notPassed = r.results.filter((x) => x.outcome !== "PASS").map((x) => `${x.outcome} ${x.id}: ${x.reason}`);
  t.strictSame(notPassed, []);
  t.equal(r.results.length, catalogueTests(await catalogueUnits()).length, "every test of the catalogue ran");
  t.equal(r.adapter.starts, 1, "never restarted");
  t.comment(`reference backend: ${r.results.length} tests in ${(r.ms / 1000).toFixed(1)} s`);
  const requests = readFileSync(log, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { op: string });
  const ops = new Set(requests.map((q) => q.op));
  t.strictSame([...ops].sort(), ["apply", "checkpoint", "close", "compact", "decode", "discard", "dump", "encode", "hello", "open", "read-data", "savepoint", "shutdown"],
    "every operation was used");
  const broken = requests.map((q) => [q.op, checkRequest(q)]).filter(([, problem]) => problem !== undefined);
  t.strictSame(broken.slice(0, 3), [], `all ${requests.length} requests match protocol.schema.json`);
});

t.test("the Python adapter passes what it declares", async (t) => {
  const r = await runSuite({ adapter: PYTHON });
  t.strictSame(r.adapter.capabilities.sort(), ["decode", "encode", "read-data"]);
  const passed = r.results.filter((x) => x.outcome === "PASS");
  t.strictSame(r.results.filter((x) => x.outcome !== "PASS" && x.outcome !== "UNSUPPORTED").map((x) => `${x.id}: ${x.reason}`), []);
  t.strictSame([...new Set(passed.map((x) => x.level))], ["decode", "encode"], "every decode and encode test passes");
  const unsupported = r.results.filter((x) => x.outcome === "UNSUPPORTED");
  t.ok(unsupported.every((x) => !["decode", "encode"].includes(x.level) || x.id.startsWith("encode/v1.1/")),
    "only the stateful levels, and encoding 1.1 (the adapter writes 1.0), are unsupported");
  t.ok(unsupported.some((x) => x.id.startsWith("encode/v1.1/")), "it declares it writes 1.0, so 1.1 encode tests are not sent");
  t.ok(passed.some((x) => x.id.startsWith("decode/v1.1/")), "it reads 1.1");
});

t.test("a 1.0 adapter (the reference backend with --format 1.0) refuses every newer file with a feature bit; the rest of 1.1 is UNSUPPORTED", async (t) => {
  const r = await runSuite({ adapter: `${REFERENCE} --format 1.0`, levels: ["decode", "encode"] });
  const v11 = r.results.filter((x) => x.id.startsWith("decode/v1.1/") || x.id.startsWith("encode/v1.1/"));
  t.strictSame(r.results.filter((x) => x.outcome !== "PASS" && x.outcome !== "UNSUPPORTED").map((x) => `${x.id}: ${x.reason}`), [],
    "nothing fails: 1.0 vectors pass, newer files with bits are refused");
  const refused = v11.filter((x) => x.outcome === "PASS").map((x) => x.id);
  t.ok(refused.length > 20, `${refused.length} 1.1 files with feature bits are refused with UNKNOWN_REQUIRED_FEATURE`);
  t.ok(refused.every((id) => id.startsWith("decode/")), "no 1.1 encode test is sent to a 1.0 writer");
  t.ok(v11.some((x) => x.outcome === "UNSUPPORTED" && x.id === "decode/v1.1/valid/local-names"), "a 1.1 file without bits is UNSUPPORTED, not judged");
  t.ok(r.results.filter((x) => x.id.startsWith("decode/v1.0/")).every((x) => x.outcome === "PASS"), "every 1.0 vector passes");
});

t.test("the Python adapter's own unit tests pass", async (t) => {
  const run = spawnSync("python3", ["-m", "unittest", "discover", "-s", packageFile("conformance/adapters/python")], { encoding: "utf8" });
  t.equal(run.status, 0, run.stderr.split("\n").slice(-5).join("\n"));
});
