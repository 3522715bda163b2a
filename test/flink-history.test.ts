/**
 * `flinkHistoryToSnapshots`: the retained checkpoints of a written Flink job (test/flink-writer) converted together
 * get history-wide origins (spec/flink.md, "Origins and base"), and pass history validation, which the same
 * checkpoints converted one by one do not (KS-E117, one file with two origins).
 */
import t from "tap";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeFile, encodeSnapshot } from "../src/codec.js";
import { flinkToSnapshot } from "../src/flink/convert.js";
import { flinkHistoryToSnapshots } from "../src/flink/convert-history.js";
import { readFlinkMetadata } from "../src/flink/read-metadata.js";
import * as lib from "../src/index.js";
import type { Snapshot } from "../src/model.js";
import { eachRef, eachStateHandle, originOf, refKind } from "../src/snapshot-walk.js";
import type { LocatedInput } from "../src/validate/located-input.js";
import { validateHistory } from "../src/validate/validate-history.js";
import { writeFlinkJobDir } from "./flink-writer/job-dir.js";
import { randomFlinkHistory } from "./flink-writer/random-history.js";

const errorsOf = (located: LocatedInput[]) => validateHistory(located).filter((f) => f.severity === "error");
const locate = (jobDir: string, snapshots: Snapshot[]): LocatedInput[] =>
  snapshots.map((snapshot) => ({ snapshot, root: jobDir, metadataPath: `${jobDir}/${snapshot.snapshotDir}/_metadata` }));

/** Path (or URI) of each shared ref under the root → the ids of the snapshots that refer to it. */
function referrers(snapshots: Snapshot[]): Map<string, bigint[]> {
  const m = new Map<string, bigint[]>();
  for (const s of snapshots) {
    for (const r of eachRef(s)) {
      if (r.role !== "shared" || refKind(r.ref) === "inline") continue;
      const key = refKind(r.ref) === "external" ? (r.ref as { uri: string }).uri : (r.ref as { path: string }).path;
      const ids = m.get(key) ?? [];
      if (!ids.includes(s.snapshotId)) ids.push(s.snapshotId);
      m.set(key, ids);
    }
  }
  return m;
}

t.test("exported from the package index", async (t) => {
  t.equal(lib.flinkHistoryToSnapshots, flinkHistoryToSnapshots);
});

t.test("a written job's retained checkpoints converted together: lowest referring origins, valid history", async (t) => {
  let singleE117 = 0;
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const dir = mkdtempSync(join(tmpdir(), "ksnap-flinkhist-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const history = randomFlinkHistory(seed, { checkpoints: 6, retain: 3, sharedStyle: "absolute", pathStyle: seed % 2 ? "file-uri" : "plain" });
    const written = writeFlinkJobDir(dir, history);
    const job = written.jobs[0]!;
    const checkpoints = job.checkpoints.map((cp) => ({
      meta: readFlinkMetadata(new Uint8Array(readFileSync(cp.metadataPath))), snapshotDir: `chk-${cp.checkpointId}`,
    }));
    const { snapshots, notes } = flinkHistoryToSnapshots(checkpoints, { jobDir: job.jobDir });
    t.equal(snapshots.length, job.checkpoints.length);
    t.notOk(notes.some((n) => n.code === "single-checkpoint-origins"), `seed ${seed}: no single-checkpoint note`);

    const refs = referrers(snapshots);
    const oldest = snapshots.map((s) => s.snapshotId).reduce((a, b) => (b < a ? b : a));
    const oldestShares = snapshots.find((s) => s.snapshotId === oldest)!;
    t.equal(notes.some((n) => n.code === "oldest-checkpoint-origins"),
      [...eachRef(oldestShares)].some((r) => originOf(r) !== undefined), `seed ${seed}: the oldest checkpoint's note`);
    let shared = 0;
    for (const s of snapshots) {
      for (const r of eachRef(s)) {
        if (r.role !== "shared" || refKind(r.ref) === "inline") continue;
        shared++;
        const key = refKind(r.ref) === "external" ? (r.ref as { uri: string }).uri : (r.ref as { path: string }).path;
        const lowest = refs.get(key)!.reduce((a, b) => (b < a ? b : a));
        if (originOf(r) !== lowest) t.fail(`seed ${seed} ${s.snapshotDir} ${key}: origin ${originOf(r)}, expected ${lowest}`);
      }
      for (const site of eachStateHandle(s)) {
        const h = site.handle;
        if (h.type !== "incremental" && h.type !== "stream-incremental") continue;
        t.ok(h.baseCheckpointId < h.checkpointId, `seed ${seed} ${s.snapshotDir}: base ${h.baseCheckpointId} < ${h.checkpointId}`);
        const below = h.sharedFiles.map((f) => f.originCheckpointId).filter((o) => o < h.checkpointId);
        t.equal(h.baseCheckpointId, below.reduce((a, b) => (b > a ? b : a), 0n), "base: the highest origin below");
      }
    }
    t.ok(shared > 0, `seed ${seed}: the history shares files`);
    for (const s of snapshots) t.strictSame(decodeFile(encodeSnapshot(s)).snapshot, s, `seed ${seed} ${s.snapshotDir}: encodes canonically`);
    t.strictSame(errorsOf(locate(job.jobDir, snapshots)), [], `seed ${seed}: no error-level history finding`);

    // One by one, a file shared by two retained checkpoints has two origins.
    const single = checkpoints.map((c) => flinkToSnapshot(c.meta, { jobDir: job.jobDir, snapshotDir: c.snapshotDir }).snapshot);
    const reusedAcross = [...refs.values()].some((ids) => ids.length > 1);
    const e117 = errorsOf(locate(job.jobDir, single)).filter((f) => f.rule === "KS-E117");
    t.equal(e117.length > 0, reusedAcross, `seed ${seed}: single conversion gives KS-E117 iff a file is reused`);
    if (e117.length > 0) singleE117++;
  }
  t.ok(singleE117 >= 4, `single-checkpoint conversion fails history validation for most seeds (${singleE117})`);
});

t.test("two checkpoints with one id are refused", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-flinkhist-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const job = writeFlinkJobDir(dir, randomFlinkHistory(3, { checkpoints: 2, retain: 1, sharedStyle: "absolute", secondJob: false })).jobs[0]!;
  const meta = readFlinkMetadata(new Uint8Array(readFileSync(job.checkpoints[0]!.metadataPath)));
  t.throws(() => flinkHistoryToSnapshots([{ meta, snapshotDir: "chk-a" }, { meta, snapshotDir: "chk-b" }], { jobDir: job.jobDir }),
    { code: "INVALID_OPERATION" });
});
