/**
 * Scenarios (spec/conformance.md#scenarios): the committed files are what the
 * generator writes, each loads, the loader refuses a scenario that cannot be
 * run, and the runner's state model orders entries as a dump must.
 */
import t, { type Test } from "tap";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateScenarios, scenarios } from "../conformance/generate-scenarios.js";
import { loadScenarios, scenarioTests, type Scenario } from "../src/conformance/scenario.js";
import { StateModel } from "../src/conformance/state-model.js";
import { isKsnapError } from "../src/errors.js";
import { packageFile } from "../src/storage/package-files.js";

const COMMITTED = packageFile("conformance/scenarios");

t.test("regenerating the scenarios is byte-identical", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "ksnap-scenarios-"));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  generateScenarios(out);
  t.strictSame(readdirSync(out).sort(), readdirSync(COMMITTED).sort());
  for (const f of readdirSync(out)) t.ok(readFileSync(join(out, f)).equals(readFileSync(join(COMMITTED, f))), f);
});

t.test("every scenario loads and defines tests at the levels it feeds", async (t) => {
  const loaded = await loadScenarios(COMMITTED);
  t.equal(loaded.length, scenarios().length);
  for (const s of loaded) {
    const levels = new Set(scenarioTests(s).map((x) => x.level));
    t.ok(levels.has("checkpoint") || levels.has("savepoint"), `${s.name} takes snapshots`);
    t.ok(levels.has("restore"), `${s.name} restores`);
  }
  const ids = loaded.flatMap((s) => scenarioTests(s, true)).map((x) => x.id);
  t.equal(new Set(ids).size, ids.length, "test ids are unique");
});

/** Loads one scenario from a temporary folder and returns the loader's message, or "" when it loads. */
async function loadError(t: Test, s: unknown, file = "x"): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-scenario-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, `${file}.json`), JSON.stringify(s));
  try {
    await loadScenarios(dir);
    return "";
  } catch (e) {
    if (!isKsnapError(e)) throw e;
    t.equal(e.code, "INVALID_JSON");
    return e.message;
  }
}

const BASE: Scenario = {
  name: "x", description: "", operatorId: "op", maxParallelism: 8, parallelism: 2,
  states: [{ name: "v", kind: "value", keySerializer: "", namespaceSerializer: "", valueSerializer: "" }, { name: "l", kind: "list", keySerializer: "", namespaceSerializer: "", valueSerializer: "" }],
  steps: [],
};

t.test("the loader refuses scenarios that cannot be run", async (t) => {
  t.equal(await loadError(t, BASE), "");
  t.match(await loadError(t, BASE, "y"), /named "x", but its file is y.json/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "wait" }] }), /breaks scenario.schema.json/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "apply", changes: [{ op: "put", state: "v", keyGroup: 8, key: "", namespace: "", value: "" }] }] }),
    /key group 8 is not below max parallelism 8/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "apply", changes: [{ op: "put", state: "l", keyGroup: 1, key: "", namespace: "", value: "" }] }] }),
    /list state "l" takes "add", not "put"/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "checkpoint", id: 2 }, { do: "checkpoint", id: 2 }] }), /checkpoint ids must increase/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "savepoint", id: 1 }, { do: "restore", from: "sp-1", parallelism: 3 }, { do: "discard", checkpoint: 1 }] }),
    /checkpoint 1 is not a retained checkpoint of the current session/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "checkpoint", id: 1 }, { do: "restore", from: "chk-1", parallelism: 1 }, { do: "discard", checkpoint: 1 }] }),
    /not a retained checkpoint of the current session/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "checkpoint", id: 1, restoreAt: [1] }, { do: "checkpoint", id: 2 }, { do: "discard", checkpoint: 1 }] }),
    /checkpoint 1 has restoreAt but is discarded later/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "restore", from: "sp-4", parallelism: 1 }] }), /restore from sp-4, which is not a retained snapshot/);
  t.match(await loadError(t, { ...BASE, steps: [{ do: "checkpoint", id: 1 }, { do: "checkpoint", id: 2 }, { do: "discard", checkpoint: 2 }] }),
    /checkpoint 2 is the session's latest; it cannot be discarded/);
});

t.test("the state model gives dump order: key group, state by name, key, namespace, user key; list order kept", async (t) => {
  const m = new StateModel([
    { name: "b-map", kind: "map", keySerializer: "", namespaceSerializer: "", valueSerializer: "", userKeySerializer: "" },
    { name: "a-list", kind: "list", keySerializer: "", namespaceSerializer: "", valueSerializer: "" },
  ]);
  m.apply({ op: "put", state: "b-map", keyGroup: 1, key: "01", namespace: "", userKey: "ff", value: "01" });
  m.apply({ op: "put", state: "b-map", keyGroup: 1, key: "01", namespace: "", userKey: "0a", value: "02" });
  m.apply({ op: "add", state: "a-list", keyGroup: 1, key: "0100", namespace: "", value: "09" });
  m.apply({ op: "add", state: "a-list", keyGroup: 1, key: "0100", namespace: "", value: "03" });
  m.apply({ op: "add", state: "a-list", keyGroup: 0, key: "ff", namespace: "", value: "00" });
  const snapshot = m.clone();
  m.apply({ op: "delete", state: "b-map", keyGroup: 1, key: "01", namespace: "", userKey: "ff" });
  m.apply({ op: "delete", state: "a-list", keyGroup: 0, key: "ff", namespace: "" });
  const line = (e: { keyGroup: number; state: string; key: string; userKey?: string; value: string }) =>
    `${e.keyGroup} ${e.state} ${e.key} ${e.userKey ?? "-"} ${e.value}`;
  t.strictSame(snapshot.entries().map(line), [
    "0 a-list ff - 00", "1 a-list 0100 - 09", "1 a-list 0100 - 03", "1 b-map 01 0a 02", "1 b-map 01 ff 01",
  ]);
  t.strictSame(m.entries().map(line), ["1 a-list 0100 - 09", "1 a-list 0100 - 03", "1 b-map 01 0a 02"], "deletes apply; the clone kept its state");
  t.strictSame(m.entries({ start: 0, count: 1 }), [], "a range selects key groups");
});
