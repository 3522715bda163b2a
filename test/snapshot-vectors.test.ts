/**
 * conformance/vectors/v1.0/snapshots: every reference savepoint validates with
 * its storage, restore.json describes what the metadata holds, expected.jsonl is
 * the dump of the operator's data files, and restoring at each listed
 * parallelism yields exactly it. Regeneration is checked with the rest of v1.0
 * (test/vectors-regenerate.test.ts).
 */
import t from "tap";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SNAPSHOT_CASES, type RestoreSpec } from "../conformance/generate-snapshot-vectors.js";
import { keyGroupRangeForOperator } from "../src/key-groups.js";
import type { SavepointHandle } from "../src/model.js";
import { dataFileInfoToJson, dumpSavepointData, entryToJsonLine, readDataFileInfo } from "../src/savepoint/index.js";
import { listFrames } from "../src/savepoint/frame-list.js";
import { restoreSubtask } from "../src/savepoint/rescaled-restore.js";
import { loadSnapshot, type LocatedSnapshot } from "../src/storage/snapshot-root.js";
import { validatePath } from "../src/validate/index.js";
import { VECTORS } from "./helpers.js";
import { runCli } from "./run-cli.js";

const DIR = join(VECTORS, "v1.0", "snapshots");
const folders = readdirSync(DIR).filter((d) => statSync(join(DIR, d)).isDirectory()).sort();
const restoreOf = (name: string) => JSON.parse(readFileSync(join(DIR, name, "restore.json"), "utf8")) as RestoreSpec;
const expectedOf = (name: string) => readFileSync(join(DIR, name, "expected.jsonl"), "utf8");
const located = (name: string): Promise<LocatedSnapshot> => loadSnapshot(join(DIR, name, "_metadata.ksnap"));

/** The operator's savepoint handles, by subtask index. */
function handlesOf(snapshot: LocatedSnapshot["snapshot"], operatorId: string): SavepointHandle[] {
  const op = snapshot.operators.find((o) => o.operatorId === operatorId)!;
  return op.subtasks.map((s) => s.handles[0] as SavepointHandle);
}

/** The dump of the operator's data files, subtask after subtask, each read through its handle. */
async function dumpOperator(name: string, operatorId: string): Promise<string> {
  let out = "";
  for (const handle of handlesOf((await located(name)).snapshot, operatorId)) {
    for await (const line of dumpSavepointData(join(DIR, name, handle.dataFile.path), { handle })) out += line;
  }
  return out;
}

t.test("the folder holds exactly the generator's cases", async (t) => {
  t.strictSame(folders, SNAPSHOT_CASES.map((c) => c().name).sort());
  t.ok(folders.length >= 4);
});

for (const name of folders) {
  t.test(name, async (t) => {
    const restore = restoreOf(name);
    const expected = expectedOf(name);

    t.test("validates, storage checks included", async (t) => {
      const r = await runCli("validate", join(DIR, name));
      t.equal(r.status, 0, r.stdout + r.stderr);
      const result = await validatePath(join(DIR, name));
      t.strictSame(result.findings, [], "no finding, not even a warning");
      t.ok(result.summary.filesChecked >= 2, "the data files were checked on storage");
    });

    t.test("restore.json describes the savepoint", async (t) => {
      const { snapshot } = await located(name);
      t.equal(snapshot.kind, "savepoint");
      t.strictSame(snapshot.properties, { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" });
      t.equal(snapshot.snapshotDir, "");
      t.equal(snapshot.maxParallelism, restore.maxParallelism);
      const op = snapshot.operators.find((o) => o.operatorId === restore.operatorId);
      t.ok(op, "the operator to restore is in the savepoint");
      t.equal(op!.parallelism, restore.parallelism);
      t.strictSame(op!.subtasks.map((s) => s.subtaskIndex), Array.from({ length: restore.parallelism }, (_, i) => i), "every subtask");
      for (const [i, s] of op!.subtasks.entries()) {
        t.equal(s.handles.length, 1);
        t.strictSame(s.handles[0]!.keyGroups, keyGroupRangeForOperator(restore.maxParallelism, restore.parallelism, i), `subtask ${i}: Flink's range`);
        const info = dataFileInfoToJson(await readDataFileInfo(join(DIR, name, (s.handles[0] as SavepointHandle).dataFile.path))) as { states: object[] };
        t.strictSame(info.states, restore.states.map((d) => ({ ...d, userKeySerializer: d.userKeySerializer ?? "" })), `subtask ${i}: the states`);
      }
      const ps = restore.restoreParallelisms;
      const p = restore.parallelism;
      const maxP = restore.maxParallelism;
      t.ok(ps.every((q) => Number.isInteger(q) && q >= 1 && q <= maxP), "every parallelism is in 1..maxParallelism");
      t.ok(ps.includes(1) && ps.includes(p), "1 and the parallelism written");
      t.ok(ps.some((q) => q > 1 && q < p) || p <= 2, "a smaller one");
      t.ok(ps.some((q) => q > p), "a larger one");
      t.ok(ps.some((q) => maxP % q !== 0), "one with uneven ranges");
    });

    t.test("expected.jsonl is the dump of the operator's data files", async (t) => {
      t.equal(await dumpOperator(name, restore.operatorId), expected);
      const groups = expected.trimEnd().split("\n").map((l) => (JSON.parse(l) as { keyGroup: number }).keyGroup);
      t.ok(groups.length >= 40, "enough entries to matter");
      t.ok(groups.every((g, i) => i === 0 || g >= groups[i - 1]!), "in key-group order");
    });

    t.test("restoring at each parallelism yields exactly expected.jsonl", async (t) => {
      const snapshot = await located(name);
      for (const q of restore.restoreParallelisms) {
        t.test(`parallelism ${q}`, async (t) => {
          let out = "";
          for (let j = 0; j < q; j++) {
            const range = keyGroupRangeForOperator(restore.maxParallelism, q, j);
            for await (const e of restoreSubtask(snapshot, restore.operatorId, q, j)) {
              if (e.keyGroup < range.start || e.keyGroup >= range.start + range.count) t.fail(`key group ${e.keyGroup} outside subtask ${j}'s range`);
              out += entryToJsonLine(e) + "\n";
            }
          }
          t.equal(out, expected);
        });
      }
    });
  });
}

t.test("what the individual cases are for", async (t) => {
  const groupsOf = (name: string) => new Set(expectedOf(name).trimEnd().split("\n").map((l) => (JSON.parse(l) as { keyGroup: number }).keyGroup));
  t.ok(groupsOf("p4-mp128-three-kinds").size < 128, "p4-mp128-three-kinds: some key groups are empty");
  t.match(expectedOf("p4-mp128-three-kinds"), /"kind":"value"[\s\S]*"kind":"list"|"kind":"list"[\s\S]*"kind":"value"/);
  t.match(expectedOf("p4-mp128-three-kinds"), /"kind":"map"/);

  t.strictSame([0, 1, 2].map((i) => keyGroupRangeForOperator(10, 3, i).count), [4, 3, 3], "p3-mp10-uneven: uneven ranges");

  const two = restoreOf("two-operators");
  const ids = (await located("two-operators")).snapshot.operators.map((o) => o.operatorId);
  t.equal(ids.length, 2);
  t.equal(two.operatorId, ids[1], "two-operators: restore.json names the second operator");
  const other = await dumpOperator("two-operators", ids[0]!);
  t.ok(other.length > 0 && other !== expectedOf("two-operators"), "the other operator's state differs");

  const multi = await located("p2-mp128-multi-block");
  const blocks = handlesOf(multi.snapshot, restoreOf("p2-mp128-multi-block").operatorId).flatMap((h) => {
    const frames = listFrames(new Uint8Array(readFileSync(join(DIR, "p2-mp128-multi-block", h.dataFile.path))));
    const perGroup = new Map<number, number>();
    for (const f of frames) perGroup.set(f.keyGroup, (perGroup.get(f.keyGroup) ?? 0) + 1);
    return [...perGroup.values()];
  });
  t.ok(Math.max(...blocks) - 1 >= 3, "p2-mp128-multi-block: a key group of three or more data blocks");
  const bytes = readdirSync(join(DIR, "p2-mp128-multi-block")).reduce((s, f) => s + statSync(join(DIR, "p2-mp128-multi-block", f)).size, 0);
  t.ok(bytes < 1024 * 1024, `p2-mp128-multi-block is under 1 MiB (${bytes} bytes)`);
});
