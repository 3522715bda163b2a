/**
 * Scenarios ([spec](../../spec/conformance.md#scenarios)): loading and checking
 * the JSON files, and the tests each one defines. The tests follow from the
 * steps, so a new scenario file is new tests with no code change.
 */
import { join } from "node:path";
import { KsnapError } from "../errors.js";
import type { StateDescriptor } from "../savepoint/data-format.js";
import type { Capability, TestInfo } from "./outcomes.js";
import { checkScenario } from "./protocol-schema.js";
import { namesOf, readText } from "./runner-files.js";
import { StateModel, type Change } from "./state-model.js";

/** A step of a scenario. */
export type Step =
  | { do: "apply"; changes: Change[] }
  | { do: "checkpoint"; id: number; restoreAt?: number[] }
  | { do: "savepoint"; id: number; restoreAt?: number[] }
  | { do: "discard"; checkpoint: number }
  | { do: "compact" }
  | { do: "restore"; from: string; parallelism: number };

/** A scenario file's content. */
export interface Scenario {
  name: string;
  description: string;
  operatorId: string;
  maxParallelism: number;
  parallelism: number;
  states: StateDescriptor[];
  steps: Step[];
}

/** Every scenario in `dir` (`*.json`), checked, in name order. INVALID_JSON naming the file otherwise. */
export async function loadScenarios(dir: string): Promise<Scenario[]> {
  const scenarios: Scenario[] = [];
  for (const f of await namesOf(dir, "file", /\.json$/)) scenarios.push(loadScenario(join(dir, f), f.slice(0, -5), await readText(join(dir, f))));
  return scenarios;
}

function loadScenario(path: string, name: string, text: string): Scenario {
  const fail = (message: string) => new KsnapError("INVALID_JSON", message, { file: path });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail(`the scenario is not JSON: ${(e as Error).message}`);
  }
  const problem = checkScenario(doc);
  if (problem !== undefined) throw fail(`the scenario breaks scenario.schema.json at ${problem}`);
  const scenario = doc as Scenario;
  if (scenario.name !== name) throw fail(`the scenario is named "${scenario.name}", but its file is ${name}.json`);
  const stepProblem = checkSteps(scenario);
  if (stepProblem !== undefined) throw fail(stepProblem);
  return scenario;
}

/** Why the steps cannot be run, or undefined: a model run of the whole scenario. */
function checkSteps(s: Scenario): string | undefined {
  const model = new StateModel(s.states);
  const taken = new Set<string>();
  const discarded = new Set<number>();
  let session = new Set<number>();
  let lastCheckpoint = 0;
  for (const [i, step] of s.steps.entries()) {
    const at = `steps[${i}]`;
    if (step.do === "apply") {
      for (const [j, c] of step.changes.entries()) {
        if (c.keyGroup >= s.maxParallelism) return `${at}.changes[${j}]: key group ${c.keyGroup} is not below max parallelism ${s.maxParallelism}`;
        try {
          model.apply(c);
        } catch (e) {
          return `${at}.changes[${j}]: ${(e as Error).message}`;
        }
      }
    } else if (step.do === "checkpoint") {
      if (step.id <= lastCheckpoint) return `${at}: checkpoint ids must increase; ${step.id} follows ${lastCheckpoint}`;
      lastCheckpoint = step.id;
      taken.add(`chk-${step.id}`);
      session.add(step.id);
    } else if (step.do === "savepoint") {
      if (taken.has(`sp-${step.id}`)) return `${at}: savepoint ${step.id} is taken twice`;
      taken.add(`sp-${step.id}`);
    } else if (step.do === "discard") {
      if (!session.has(step.checkpoint) || discarded.has(step.checkpoint)) {
        return `${at}: checkpoint ${step.checkpoint} is not a retained checkpoint of the current session`;
      }
      if (step.checkpoint === Math.max(...session)) return `${at}: checkpoint ${step.checkpoint} is the session's latest; it cannot be discarded`;
      discarded.add(step.checkpoint);
    } else if (step.do === "compact") {
      continue;
    } else if (!taken.has(step.from) || (step.from.startsWith("chk-") && discarded.has(Number(step.from.slice(4))))) {
      return `${at}: restore from ${step.from}, which is not a retained snapshot taken earlier`;
    } else {
      session = new Set();
    }
  }
  const lost = s.steps.find((st) => st.do === "checkpoint" && (st.restoreAt?.length ?? 0) > 0 && discarded.has(st.id));
  return lost === undefined ? undefined : `checkpoint ${(lost as { id: number }).id} has restoreAt but is discarded later`;
}

/** The snapshot a step takes: `chk-N` or `sp-N`. */
export function snapshotKey(step: { do: "checkpoint" | "savepoint"; id: number }): string {
  return `${step.do === "checkpoint" ? "chk" : "sp"}-${step.id}`;
}

/** The capabilities restoring `key` at `to` needs when the snapshot ran at `from`. */
export function restoreNeeds(key: string, from: number, to: number): Capability[] {
  const needs: Capability[] = ["state", key.startsWith("chk-") ? "restore-checkpoint" : "restore-savepoint"];
  return from === to ? needs : [...needs, "rescale"];
}

/**
 * The tests scenario `s` defines, in step order, then its restore tests; with
 * `crossRestore` (a run with a second adapter), then its cross-restore tests.
 */
export function scenarioTests(s: Scenario, crossRestore = false): TestInfo[] {
  const tests: TestInfo[] = [];
  const restores: TestInfo[] = [];
  const crosses: TestInfo[] = [];
  let parallelism = s.parallelism;
  let checkpointInSession = false;
  for (const step of s.steps) {
    if (step.do === "checkpoint" || step.do === "savepoint") {
      const key = snapshotKey(step);
      if (step.do === "checkpoint") {
        tests.push(test(`checkpoint/${s.name}/${key}/valid`, "checkpoint", ["state", "checkpoint"]));
        if (checkpointInSession) tests.push(test(`checkpoint/${s.name}/${key}/incremental`, "checkpoint", ["state", "checkpoint", "incremental"]));
        checkpointInSession = true;
      } else {
        for (const check of ["valid", "content", "canonical"]) tests.push(test(`savepoint/${s.name}/${key}/${check}`, "savepoint", ["state", "savepoint"]));
      }
      for (const p of step.restoreAt ?? []) restores.push(test(`restore/${s.name}/${key}/p${p}`, "restore", restoreNeeds(key, parallelism, p)));
      if (crossRestore && step.do === "savepoint") {
        for (const p of step.restoreAt ?? []) crosses.push(test(crossRestoreId(s.name, key, p), "cross-restore", ["state", "savepoint"]));
      }
    } else if (step.do === "discard") {
      tests.push(test(`ownership/${s.name}/discard-chk-${step.checkpoint}`, "ownership", ["state", "checkpoint", "discard"]));
    } else if (step.do === "restore") {
      parallelism = step.parallelism;
      checkpointInSession = false;
    }
  }
  return [...tests, ...restores, ...crosses];
}

/** The id of the test in which the second adapter restores snapshot `key` of scenario `scenario` at `p`. */
export function crossRestoreId(scenario: string, key: string, p: number): string {
  return `cross-restore/${scenario}/${key}/p${p}`;
}

function test(id: string, level: TestInfo["level"], needs: Capability[]): TestInfo {
  return { id, level, needs };
}
