/**
 * The whole suite (spec/conformance.md) against the two adapters the project
 * ships: the reference backend passes every test, and the minimal Python
 * adapter (standard library only) passes every test it declares — decode,
 * encode and read-data — with the rest UNSUPPORTED.
 */
import t from "tap";
import { spawnSync } from "node:child_process";
import { catalogueTests } from "../src/conformance/catalogue.js";
import { runSuite } from "../src/conformance/run-suite.js";
import { packageFile } from "../src/package-root.js";

const REFERENCE = `node ${JSON.stringify(packageFile("dist/conformance/reference-backend/main.js"))}`;
const PYTHON = `python3 ${JSON.stringify(packageFile("conformance/adapters/python/ksnap_adapter.py"))}`;

t.test("the reference backend passes 100% of the catalogue", async (t) => {
  const r = await runSuite({ adapter: REFERENCE });
  const notPassed = r.results.filter((x) => x.outcome !== "PASS").map((x) => `${x.outcome} ${x.id}: ${x.reason}`);
  t.strictSame(notPassed, []);
  t.equal(r.results.length, catalogueTests().length, "every test of the catalogue ran");
  t.equal(r.adapter.starts, 1, "never restarted");
  t.comment(`reference backend: ${r.results.length} tests in ${(r.ms / 1000).toFixed(1)} s`);
});

t.test("the Python adapter passes what it declares", async (t) => {
  const r = await runSuite({ adapter: PYTHON });
  t.strictSame(r.adapter.capabilities.sort(), ["decode", "encode", "read-data"]);
  const passed = r.results.filter((x) => x.outcome === "PASS");
  t.strictSame(r.results.filter((x) => x.outcome !== "PASS" && x.outcome !== "UNSUPPORTED").map((x) => `${x.id}: ${x.reason}`), []);
  t.strictSame([...new Set(passed.map((x) => x.level))], ["decode", "encode"], "every decode and encode test passes");
  t.ok(r.results.filter((x) => x.outcome === "UNSUPPORTED").every((x) => !["decode", "encode"].includes(x.level)), "only the stateful levels are unsupported");
});

t.test("the Python adapter's own unit tests pass", async (t) => {
  const run = spawnSync("python3", ["-m", "unittest", "discover", "-s", packageFile("conformance/adapters/python")], { encoding: "utf8" });
  t.equal(run.status, 0, run.stderr.split("\n").slice(-5).join("\n"));
});
