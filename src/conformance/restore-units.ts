/**
 * The restore level's tests of reference savepoints
 * ([spec](../../spec/conformance.md#test-catalogue)): every folder
 * `conformance/vectors/<version>/snapshots/<name>/` holds a savepoint, its
 * `restore.json` (the operator and the parallelisms to restore at) and its
 * `expected.jsonl` (every entry of that operator). Each parallelism is a test.
 */
import { join } from "node:path";
import type { StateDescriptor } from "../savepoint/data-format.js";
import { restoreProblem, restoreRoot } from "./restore-check.js";
import { restoreNeeds } from "./scenario.js";
import type { Unit } from "./unit.js";
import { namesOf, readJson, readJsonLines } from "./runner-files.js";
import { metadataVersions } from "./vector-units.js";

/** What a reference savepoint's restore.json says. */
interface RestoreSpec {
  operatorId: string;
  maxParallelism: number;
  parallelism: number;
  states: StateDescriptor[];
  restoreParallelisms: number[];
}

/** One unit per reference savepoint and parallelism, over every metadata version folder. */
export async function restoreVectorUnits(vectors: string): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const version of await metadataVersions(vectors)) {
    const dir = join(vectors, version, "snapshots");
    for (const name of await namesOf(dir, "folder", /./)) units.push(...await snapshotUnits(`${version}/${name}`, join(dir, name)));
  }
  return units;
}

async function snapshotUnits(label: string, folder: string): Promise<Unit[]> {
  const spec = await readJson(join(folder, "restore.json")) as RestoreSpec;
  return spec.restoreParallelisms.map((p) => {
    const id = `restore/${label}/p${p}`;
    return {
      tests: [{ id, level: "restore" as const, needs: restoreNeeds("sp", spec.parallelism, p) }],
      run: (u) => u.check(id, async () => restoreProblem(u.ctx.adapter, {
        metadata: join(folder, "_metadata.ksnap"), operatorId: spec.operatorId, maxParallelism: spec.maxParallelism,
        parallelism: p, states: spec.states, expected: await readJsonLines(join(folder, "expected.jsonl")),
        checkpointRoot: restoreRoot(u.ctx.workDir, id), session: `restore-${label.replace("/", "-")}-p${p}`,
      })),
    };
  });
}
