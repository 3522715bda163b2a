/**
 * History rules of `validateHistory` (pure): snapshot ids, origins of shared
 * files, lineage, and file identity across the checkpoints of one root.
 */
import t, { type Test } from "tap";
import fc from "fast-check";
import { compareBigInts } from "../src/body/canonical-order.js";
import type { IncrementalHandle, SegmentStream, Snapshot, StreamIncrementalHandle } from "../src/model.js";
import type { Finding } from "../src/validate/finding.js";
import type { LocatedInput } from "../src/validate/located-input.js";
import { RULES } from "../src/validate/rules.js";
import { validateHistory } from "../src/validate/validate-history.js";
import { checkpointChain, TreeSpec } from "./fixtures/validate/snapshot-tree.js";
import { checkpointV11 } from "./fixtures/validate/snapshot-v11.js";

const ROOT = "/jobs/j1";
const located = (s: Snapshot, root = ROOT): LocatedInput => ({ snapshot: s, root, metadataPath: `${root}/${s.snapshotDir}/_metadata.ksnap` });
/** A chain over `ids` (two subtasks, each reusing every earlier upload), located under ROOT, keeping only `keep`. */
function chain(ids: bigint[], keep: bigint[] = ids): LocatedInput[] {
  return checkpointChain(new TreeSpec(), { ids }).filter((s) => keep.includes(s.snapshotId)).map((s) => located(s));
}
const handle = (l: LocatedInput, st = 0): IncrementalHandle => l.snapshot.operators[0]!.subtasks[st]!.handles[0] as IncrementalHandle;
const brief = (fs: Finding[]): string[] => fs.map((f) => `${f.rule} chk-${/chk-(\d+)/.exec(f.location.file ?? "")?.[1]} ${f.location.field}`);
const covered = new Set<string>();
const expect = (t: Test, findings: Finding[], expected: string[]): void => {
  t.strictSame(brief(findings), expected);
  for (const f of findings) covered.add(f.rule);
};
const H = (st: number) => `operators[0].subtasks[${st}].handles[0].incremental`;

t.test("a valid chain, and any retained suffix of it, has no error", async (t) => {
  t.strictSame(validateHistory(chain([1n, 2n, 3n, 4n])), []);
  t.strictSame(validateHistory(checkpointChain(new TreeSpec(), { ids: [1n, 2n, 3n, 4n], reuse: 1 }).map((s) => located(s))), [], "reusing only the last");
  t.strictSame(validateHistory(chain([5n, 9n, 10n, 14n])), [], "ids with gaps (failed checkpoints)");
});

t.test("KS-E110: two metadata files with one snapshot id in a root", async (t) => {
  const l = chain([1n, 2n, 3n]);
  const copy = { ...l[1]!, metadataPath: `${ROOT}/chk-2-copy/_metadata.ksnap` };
  const f = validateHistory([...l, copy]);
  expect(t, f, ["KS-E110 chk-2 snapshotId"]);
  t.equal(f[0]!.location.file, copy.metadataPath);
  t.strictSame(validateHistory([...chain([1n, 2n]), { ...located(chain([1n, 2n])[1]!.snapshot, "/jobs/j2") }]), [], "another root is another history");
});

t.test("KS-E111: the origin checkpoint does not list the file", async (t) => {
  const l = chain([1n, 2n, 3n]);
  const h = handle(l[2]!);
  h.sharedFiles[1] = { ...h.sharedFiles[1]!, id: "b0/never-uploaded", path: "shared/never-uploaded.sst" };
  const f = validateHistory(l);
  expect(t, f, [`KS-E111 chk-3 ${H(0)}.sharedFiles[1]`]);
  t.match(f[0]!.message, /names origin checkpoint 2, but .*chk-2\/_metadata\.ksnap does not list it among the files it uploaded/);
});

t.test("KS-E111: the origin checkpoint lists the file as another backend's upload", async (t) => {
  const l = chain([1n, 2n, 3n]);
  handle(l[2]!, 1).sharedFiles[1] = { ...handle(l[2]!, 0).sharedFiles[1]! };
  const f = validateHistory(l);
  expect(t, f, [`KS-E111 chk-3 ${H(1)}.sharedFiles[1]`]);
  t.match(f[0]!.message, /uploaded in checkpoint 2 by backend "b0", not by this handle's backend "b1"/);
});

t.test("KS-E112 and KS-E114: a checkpoint missing inside the history", async (t) => {
  const f = validateHistory(chain([1n, 2n, 3n, 4n], [1n, 2n, 4n]));
  expect(t, f, [`KS-E112 chk-4 ${H(0)}.sharedFiles[2]`, `KS-E114 chk-4 ${H(0)}.baseCheckpointId`]);
  t.match(f[0]!.message, /^2 shared files, this one first, name origin checkpoint 3, which is missing from this history \(ids 1 to 4\)$/);
  t.match(f[1]!.message, /^2 handles, this one first, build on checkpoint 3, which is missing from this history: the lineage has a gap$/);
});

t.test("KS-W113 and KS-W115: checkpoints older than the history were subsumed", async (t) => {
  const f = validateHistory(chain([1n, 2n, 3n, 4n], [3n, 4n]));
  expect(t, f, [
    `KS-W113 chk-3 ${H(0)}.sharedFiles[0]`, `KS-W113 chk-3 ${H(0)}.sharedFiles[1]`, `KS-W115 chk-3 ${H(0)}.baseCheckpointId`,
    `KS-W113 chk-4 ${H(0)}.sharedFiles[0]`, `KS-W113 chk-4 ${H(0)}.sharedFiles[1]`,
  ]);
  t.match(f[0]!.message, /^2 shared files, this one first, name origin checkpoint 1, older than this history's oldest snapshot 3 \(not retained\)/);
  t.ok(f.every((x) => x.severity === "warning"));
});

t.test("a single file or handle is named as such", async (t) => {
  const f = validateHistory(checkpointChain(new TreeSpec(), { ids: [1n, 2n, 3n], parallelism: 1, reuse: 1 }).slice(1).map((s) => located(s)));
  t.strictSame(f.map((x) => x.message), [
    "this shared file names origin checkpoint 1, older than this history's oldest snapshot 2 (not retained); the upload cannot be cross-checked",
    "this handle builds on checkpoint 1, older than this history's oldest snapshot 2 (not retained)",
  ]);
});

t.test("KS-E071 and KS-W072 across checkpoints: one id, one content, one path", async (t) => {
  const l = chain([1n, 2n, 3n]);
  const reused = handle(l[2]!).sharedFiles[0]!;
  const original = reused.size;
  reused.size += 1n;
  handle(l[1]!, 1).sharedFiles[0]!.path = "shared/moved.sst";
  const f = validateHistory(l);
  expect(t, f, [`KS-W072 chk-2 ${H(1)}.sharedFiles[0]`, `KS-E071 chk-3 ${H(0)}.sharedFiles[0]`]);
  t.match(f[1]!.message, new RegExp(`file id "b0/000001" is ${original + 1n} bytes, xxh64 [0-9a-f]{16} here, but ${original} bytes, xxh64 [0-9a-f]{16} at .*sharedFiles\\[0\\] of .*chk-1/`));
});

t.test("KS-E093: one path named by two file ids, in one snapshot or across a root", async (t) => {
  const l = chain([1n, 2n, 3n]);
  handle(l[1]!, 1).privateFiles[0]!.path = handle(l[1]!, 0).privateFiles[0]!.path;
  const f = validateHistory(l);
  expect(t, f, [`KS-E093 chk-2 ${H(1)}.privateFiles[0]`]);
  t.match(f[0]!.message, /^path "chk-2\/op-0\/000001\.log" is file "b1\/log-000002" here, but file "b0\/log-000002" at .*privateFiles\[0\] of .*chk-2\/_metadata\.ksnap: one path is one file$/);
  const across = chain([1n, 2n, 3n]);
  handle(across[2]!).metaFile.path = handle(across[0]!).metaFile.path;
  expect(t, validateHistory(across), [`KS-E093 chk-3 ${H(0)}.metaFile`, `KS-E116 chk-3 ${H(0)}.metaFile`]);
});

t.test("KS-E116: a private, meta or data file of one checkpoint is referred to by another", async (t) => {
  const l = chain([1n, 2n, 3n]);
  // Checkpoint 3 reuses checkpoint 1's MANIFEST as a shared file of its own.
  const manifest = handle(l[0]!).metaFile;
  handle(l[2]!).sharedFiles.push({ ...manifest, originCheckpointId: 1n });
  const f = validateHistory(l);
  expect(t, f, [`KS-E116 chk-3 ${H(0)}.sharedFiles[3]`, `KS-E111 chk-3 ${H(0)}.sharedFiles[3]`]);
  t.match(f[0]!.message, /^file "chk-1\/op-0\/MANIFEST" is a meta file of .*chk-1\/_metadata\.ksnap \(.*metaFile\): a private, meta or data file belongs to one snapshot$/);
  // The other way round: a shared file of checkpoint 1 listed as checkpoint 2's private file.
  const m = chain([1n, 2n]);
  const shared = handle(m[0]!).sharedFiles[0]!;
  handle(m[1]!).privateFiles.push({ id: shared.id, path: shared.path, size: shared.size, xxh64: shared.xxh64 });
  expect(t, validateHistory(m), [`KS-E117 chk-2 ${H(0)}.privateFiles[1]`, `KS-E116 chk-2 ${H(0)}.privateFiles[1]`]);
});

t.test("KS-E117: one file, two origins (even below the history, where KS-W113 cannot check them)", async (t) => {
  const l = chain([1n, 2n, 3n, 4n], [3n, 4n]);
  handle(l[1]!).sharedFiles[0]!.originCheckpointId = 2n;
  const f = validateHistory(l);
  t.ok(brief(f).includes(`KS-E117 chk-4 ${H(0)}.sharedFiles[0]`));
  t.match(f.find((x) => x.rule === "KS-E117")!.message, /^file "b0\/000001" has origin checkpoint 2 here \(its origin_checkpoint_id\), but 1 at .*chk-3/);
  for (const x of f) covered.add(x.rule);
  const one = chain([1n, 2n], [2n]);
  handle(one[0]!, 1).sharedFiles[0] = { ...handle(one[0]!, 0).sharedFiles[0]!, originCheckpointId: 2n };
  t.ok(brief(validateHistory(one)).includes(`KS-E117 chk-2 ${H(1)}.sharedFiles[0]`), "within one snapshot too");
});

t.test("a root with one snapshot has no history to check", async (t) => {
  t.strictSame(validateHistory(chain([1n, 2n, 3n], [3n])), []);
});

/**
 * 1.1: checkpoints 1 and 2 of a chain, checkpoint 3 with every 1.1 structure, and checkpoint 4 whose
 * stream-incremental handle reuses two segments of checkpoint 3's physical file and appends one of its own.
 */
function historyV11(edit4: (s: Snapshot, seg: SegmentStream) => void = () => {}): LocatedInput[] {
  const spec = new TreeSpec();
  const chk3 = checkpointV11(spec);
  const older = spec.snapshots.slice(0, 2);
  const reused = (chk3.operators[1]!.subtasks[0]!.handles[0] as StreamIncrementalHandle).sharedFiles.slice(0, 2);
  const appended: SegmentStream = { ...(reused[0] as SegmentStream), offset: 21n, length: 5n, xxh64: 0n };
  const chk4: Snapshot = {
    ...structuredClone({ ...chk3, operators: [] }), snapshotId: 4n, snapshotDir: "chk-4",
    operators: [{ operatorId: "op-stream", name: "", parallelism: 1, maxParallelism: 16, subtasks: [{
      subtaskIndex: 0,
      handles: [{
        type: "stream-incremental", backendId: "bs", keyGroups: { start: 0, count: 16 }, folder: "chk-4/op-stream", checkpointId: 4n, baseCheckpointId: 3n,
        sharedFiles: [...structuredClone(reused), { ...appended, originCheckpointId: 4n }], privateFiles: [], meta: { type: "inline", data: new Uint8Array(3) },
        stateSize: 0n, checkpointedSize: 0n,
      }],
      managedOperatorState: { stream: { type: "file", id: "op-stream/opstate-4", path: "chk-4/op-stream/opstate", size: 4n, xxh64: 0n }, states: [] },
    }] }],
  };
  edit4(chk4, appended);
  return [...older, chk3, chk4].map((s) => located(s));
}
const SH4 = "operators[0].subtasks[0].handles[0].streamIncremental";
const chk4Handle = (s: Snapshot): StreamIncrementalHandle => s.operators[0]!.subtasks[0]!.handles[0] as StreamIncrementalHandle;

t.test("1.1: segments of one physical file from several checkpoints, with their own origins, are one file", async (t) => {
  t.strictSame(brief(validateHistory(historyV11())), []);
});

t.test("KS-E056 across checkpoints: a segment of checkpoint 4 overlaps one of checkpoint 3", async (t) => {
  const f = validateHistory(historyV11((s) => { (chk4Handle(s).sharedFiles[2] as SegmentStream).offset = 20n; }));
  expect(t, f, [`KS-E056 chk-4 ${SH4}.sharedFiles[2]`]);
  t.match(f[0]!.message, /^segment \[20, 25\) of "shared\/merged-3\.bin" overlaps segment \[17, 21\) at .*privateFiles\[0\] of .*chk-3/);
});

t.test("KS-E095 by path: a whole file at the path of a physical file of segments", async (t) => {
  const f = validateHistory(historyV11((s) => { (s.operators[0]!.subtasks[0]!.managedOperatorState!.stream as { path: string }).path = "shared/merged-3.bin"; }));
  expect(t, f, ["KS-E095 chk-4 operators[0].subtasks[0].managedOperatorState.stream"]);
  t.match(f[0]!.message, /a whole file here, but a segment's physical file at .*: a file is either whole or segmented$/);
});

t.test("KS-E093: a segment naming another physical file id at the same path", async (t) => {
  const f = validateHistory(historyV11((s) => { (chk4Handle(s).sharedFiles[2] as SegmentStream).id = "merged-x"; }));
  t.ok(brief(f).includes(`KS-E093 chk-4 ${SH4}.sharedFiles[2]`), brief(f).join("; "));
  covered.add("KS-E093");
});

t.test("KS-E116: an operator-state file of checkpoint 3 referred to by checkpoint 4", async (t) => {
  const spec = new TreeSpec();
  const chk3 = checkpointV11(spec);
  const f = validateHistory(historyV11((s) => { s.operators[0]!.subtasks[0]!.managedOperatorState!.stream = structuredClone(chk3.operators[0]!.subtasks[0]!.managedOperatorState!.stream); }));
  // Exclusive to each snapshot that lists it, so it also has two origins (KS-E117), as a private file would.
  expect(t, f, ["KS-E117 chk-4 operators[0].subtasks[0].managedOperatorState.stream", "KS-E116 chk-4 operators[0].subtasks[0].managedOperatorState.stream"]);
  t.match(f[1]!.message, /is an operator file of .*chk-3/);
});

t.test("KS-E111: a shared segment naming checkpoint 3, which did not upload that range", async (t) => {
  const f = validateHistory(historyV11((s) => { chk4Handle(s).sharedFiles[2]!.originCheckpointId = 3n; }));
  expect(t, f, [`KS-E111 chk-4 ${SH4}.sharedFiles[2]`]);
  t.match(f[0]!.message, /^shared segment \[21, 26\) of "merged-3" names origin checkpoint 3, but .* does not list it/);
});

t.test("every history rule is covered above", async (t) => {
  const expected = Object.entries(RULES).filter(([, r]) => r.group === "history").map(([id]) => id);
  t.strictSame([...covered].filter((r) => RULES[r as keyof typeof RULES].group === "history").sort(), expected.sort());
});

t.test("property: a valid chain, with ids in any gaps and any reuse depth, has no finding; a retained suffix has warnings only", async (t) => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.bigInt({ min: 1n, max: 1000n }), { minLength: 2, maxLength: 6 }).map((ids) => ids.sort(compareBigInts)),
    fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 5 }),
    (ids, parallelism, reuse, keep) => {
      const all = checkpointChain(new TreeSpec(), { ids, parallelism, maxParallelism: 16, reuse }).map((s) => located(s));
      if (validateHistory(all).length !== 0) return false;
      const suffix = validateHistory(all.slice(-Math.min(keep, all.length)));
      return suffix.every((f) => f.rule === "KS-W113" || f.rule === "KS-W115");
    },
  ), { numRuns: 100 });
  t.pass("held for 100 chains");
});
