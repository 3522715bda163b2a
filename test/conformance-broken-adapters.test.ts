/**
 * Proof that the suite catches bugs (spec/conformance.md): each deliberately
 * broken reference backend fails exactly the tests listed for it, no more and
 * no fewer (the run with its list as expected failures passes, so no listed
 * test passes and no unlisted one fails), every listed test is one the fault
 * can reach, and the tests the fault must break are listed.
 */
import t from "tap";
import { readFileSync } from "node:fs";
import { brokenAdapterCommand } from "../conformance/generate-broken-expectations.js";
import { FAULTS, type Fault } from "../conformance/reference-backend/faults.js";
import { catalogueTests, catalogueUnits } from "../src/conformance/catalogue.js";
import { readExpectedFailures } from "../src/conformance/expected-failures.js";
import { isFailure } from "../src/conformance/outcomes.js";
import { runSuite } from "../src/conformance/run-suite.js";
import { packageFile } from "../src/storage/package-files.js";

/** Scenarios that restore mid-run: a restore bug changes every later snapshot of theirs. */
const RESTORING = /^[a-z]+\/(rescale-and-continue|compactions)\//;

/** What each fault must break, and which tests it can reach at all. */
const EXPECTED: Record<Fault, { mustFail: string[]; reachable: (id: string) => boolean }> = {
  "forget-shared-file": {
    mustFail: ["checkpoint/value-state-incremental/chk-2/valid", "restore/value-state-incremental/chk-4/p1", "ownership/three-kinds/discard-chk-1"],
    // Checkpoints and what reads them: discards, restores of checkpoints, and a scenario that restores from one.
    reachable: (id) => /^(checkpoint|ownership)\//.test(id) || /^restore\/[^/]+\/chk-/.test(id) || RESTORING.test(id),
  },
  "wrong-offset": {
    mustFail: ["savepoint/three-kinds/sp-3/content", "restore/three-kinds/sp-3/p3", "restore/value-state-incremental/sp-6/p4"],
    // Savepoints read through their handles or validated (KS-E052, KS-E107); checkpoints only where a scenario restored from a savepoint.
    reachable: (id) => /^savepoint\/[^/]+\/sp-\d+\/(content|valid)$/.test(id) || /^restore\/[^/]+\/sp-/.test(id) || RESTORING.test(id),
  },
  "reuse-file-id": {
    mustFail: ["checkpoint/value-state-incremental/chk-2/incremental", "checkpoint/compaction-churn/chk-3/valid", "restore/three-kinds/chk-4/p3"],
    reachable: (id) => /^(checkpoint|ownership)\//.test(id) || /^restore\/[^/]+\/chk-/.test(id) || RESTORING.test(id),
  },
  "wrong-restore-key-groups": {
    mustFail: ["restore/v1.0/p4-mp128-three-kinds/p4", "restore/three-kinds/sp-3/p3", "restore/value-state-incremental/chk-4/p3"],
    reachable: (id) => /^restore\//.test(id) || RESTORING.test(id),
  },
};

const known = new Set(catalogueTests(await catalogueUnits()).map((x) => x.id));

for (const fault of FAULTS) {
  t.test(`--fault ${fault}`, async (t) => {
    const listPath = packageFile(`conformance/broken-adapters/${fault}.expected-failures`);
    const listed = await readExpectedFailures(listPath, known);
    const { mustFail, reachable } = EXPECTED[fault];
    for (const id of mustFail) t.ok(listed.has(id), `${id} is listed: the fault must break it`);
    t.strictSame([...listed].filter((id) => !reachable(id)), [], "every listed test is one the fault can reach");

    const result = await runSuite({ adapter: brokenAdapterCommand(fault), expectedFailures: listed });
    const wrong = result.results.filter((r) => isFailure(r.outcome)).map((r) => `${r.outcome} ${r.id}: ${r.reason}`);
    t.strictSame(wrong, [], "no unlisted test fails and no listed test passes");
    t.equal(result.results.filter((r) => r.outcome === "XFAIL").length, listed.size, "every listed test failed");
    t.equal(result.results.filter((r) => r.outcome === "UNSUPPORTED").length, 0, "the broken backend still declares everything");
  });
}

t.test("the lists say which fault they are for", async (t) => {
  for (const fault of FAULTS) {
    const text = readFileSync(packageFile(`conformance/broken-adapters/${fault}.expected-failures`), "utf8");
    t.match(text, new RegExp(`^# Tests the reference backend fails with --fault ${fault}\\.`), fault);
  }
});
