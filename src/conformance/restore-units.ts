/**
 * The restore level's tests of reference savepoints
 * ([spec](../../spec/conformance.md#test-catalogue)): every folder
 * `conformance/vectors/<version>/snapshots/<name>/` holds a savepoint, its
 * `restore.json` (the operator and the parallelisms to restore at) and its
 * `expected.jsonl` (every entry of that operator). Each parallelism is a test.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { StateDescriptor } from "../savepoint/data-format.js";
import { restoreProblem, restoreRoot } from "./restore-check.js";
import { restoreNeeds } from "./scenario.js";
import type { Unit } from "./unit.js";
import { metadataVersions, readJson, readJsonLines } from "./vector-units.js";

/** What a reference savepoint's restore.json says. */
interface RestoreSpec {
  operatorId: string;
  maxParallelism: number;
  parallelism: number;
  states: StateDescriptor[];
  restoreParallelisms: number[];
}

/** One unit per reference savepoint and parallelism, over every metadata version folder. */
export function restoreVectorUnits(vectors: string): Unit[] {
  return metadataVersions(vectors).flatMap((version) => {
    const dir = join(vectors, version, "snapshots");
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).sort()
      .flatMap((name) => snapshotUnits(`${version}/${name}`, join(dir, name)));
  });
}

function snapshotUnits(label: string, folder: string): Unit[] {
  const spec = readJson(join(folder, "restore.json")) as RestoreSpec;
  return spec.restoreParallelisms.map((p) => {
    const id = `restore/${label}/p${p}`;
    return {
      tests: [{ id, level: "restore" as const, needs: restoreNeeds("sp", spec.parallelism, p) }],
      run: (u) => u.check(id, () => restoreProblem(u.ctx.adapter, {
        metadata: join(folder, "_metadata.ksnap"), operatorId: spec.operatorId, maxParallelism: spec.maxParallelism,
        parallelism: p, states: spec.states, expected: readJsonLines(join(folder, "expected.jsonl")),
        checkpointRoot: restoreRoot(u.ctx.workDir, id), session: `restore-${label.replace("/", "-")}-p${p}`,
      })),
    };
  });
}
