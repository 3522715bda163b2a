/** The shared-file registry: ownership rules, one example at a time, and Flink's bugs replayed. */
import t from "tap";
import type { FileRef, Snapshot } from "../src/model.js";
import { SharedStateRegistry } from "../src/registry/shared-state-registry.js";
import { checkpointSnapshot, checkpointV11, fileAt, ownFiles, planPaths, savepointSnapshot, segmentOf, sharedFile, takeSnapshot } from "./registry-fixtures.js";
import { thrown } from "./helpers.js";

const a1 = sharedFile("a", 1n);
const b1 = sharedFile("b", 1n);

/** A registry with checkpoint 1 (shared a, b) completed. */
function withFirst(): SharedStateRegistry {
  const r = new SharedStateRegistry();
  takeSnapshot(r, checkpointSnapshot(1n, { shared: [a1, b1], privates: ["p"] }));
  return r;
}

t.test("a file is planned once no retained checkpoint refers to it, and stays planned until acknowledged", async (t) => {
  const r = withFirst();
  takeSnapshot(r, checkpointSnapshot(2n, { shared: [a1, sharedFile("c", 2n)], base: 1n }));
  t.strictSame(planPaths(r), [], "both checkpoints retained: nothing to delete");
  t.strictSame(r.subsume({ keepLatest: 1 }), [1n]);
  t.strictSame(planPaths(r), ["chk-1/h/MANIFEST", "chk-1/h/p", "shared/b"], "checkpoint 1's exclusive files, sorted; not a");
  t.strictSame(planPaths(r), ["chk-1/h/MANIFEST", "chk-1/h/p", "shared/b"], "asking again gives the same plan");
  r.markDeleted(["shared/b", "chk-1/h/p"]);
  t.strictSame(planPaths(r), ["chk-1/h/MANIFEST"], "a delete that failed (MANIFEST) is planned again");
  t.strictSame(r.retainedCheckpoints(), [2n]);
});

t.test("markDeleted accepts only planned paths, all or nothing", async (t) => {
  const r = withFirst();
  takeSnapshot(r, checkpointSnapshot(2n, { shared: [a1], base: 1n }));
  r.subsume({ keepLatest: 1 });
  const e = thrown(() => r.markDeleted(["shared/b", "shared/a"]));
  t.equal(e.code, "INVALID_OPERATION");
  t.match(e.message, /"shared\/a" is not in the discard plan/);
  t.ok(planPaths(r).includes("shared/b"), "shared/b was not acknowledged either");
});

t.test("ids are never reused and only pending snapshots change state", async (t) => {
  const r = withFirst();
  t.equal(thrown(() => r.startPending(1n)).code, "INVALID_OPERATION");
  t.equal(thrown(() => r.recordUpload(5n, fileAt("chk-5/x"))).code, "INVALID_OPERATION");
  t.equal(thrown(() => r.complete(1n, checkpointSnapshot(1n))).code, "INVALID_OPERATION", "completing twice");
  t.equal(thrown(() => r.abort(1n)).code, "INVALID_OPERATION", "aborting a completed checkpoint");
  r.startPending(3n);
  r.abort(3n);
  t.equal(thrown(() => r.complete(3n, checkpointSnapshot(3n))).code, "INVALID_OPERATION", "completing after abort");
  t.equal(thrown(() => r.startPending(2n)).code, "INVALID_OPERATION", "2 is lower than 3, which was seen");
});

t.test("an upload never overwrites a known file nor claims another origin", async (t) => {
  const r = withFirst();
  r.startPending(2n);
  t.equal(thrown(() => r.recordUpload(2n, fileAt("shared/a"))).code, "FILE_CONFLICT", "same path as a registered file");
  t.equal(thrown(() => r.recordUpload(2n, { ...fileAt("shared/z"), id: "id:shared/a" })).code, "FILE_CONFLICT", "same id at another path");
  t.equal(thrown(() => r.recordUpload(2n, sharedFile("z", 1n))).code, "FILE_CONFLICT", "origin 1 for an upload of 2");
  t.equal(thrown(() => r.recordUpload(2n, fileAt("../etc/passwd"))).code, "UNSAFE_PATH");
  r.recordUpload(2n, sharedFile("z", 2n));
  t.strictSame(planPaths(r), []);
});

t.test("a completion that refers to what it may not is refused, and the checkpoint stays pending", async (t) => {
  const cases: [string, (r: SharedStateRegistry) => Snapshot, string, RegExp][] = [
    ["a file never uploaded", () => checkpointSnapshot(2n, { shared: [sharedFile("ghost", 1n)] }), "DANGLING_REFERENCE", /neither uploaded/],
    ["an unrecorded upload", () => checkpointSnapshot(2n, { shared: [sharedFile("new", 2n)] }), "DANGLING_REFERENCE", /neither uploaded/],
    ["another checkpoint's private file", () => {
      const s = checkpointSnapshot(2n);
      const h = s.operators[0]!.subtasks[0]!.handles[0]!;
      if (h.type === "incremental") h.privateFiles = [fileAt("chk-1/h/p")];
      return s;
    }, "DANGLING_REFERENCE", /only a checkpoint's shared files/],
    ["a file whose size differs", () => checkpointSnapshot(2n, { shared: [{ ...a1, size: 1n }] }), "FILE_CONFLICT", /has size/],
    ["a file with another origin", () => checkpointSnapshot(2n, { shared: [{ ...a1, originCheckpointId: 2n }] }), "FILE_CONFLICT", /uploaded by checkpoint 1, not 2/],
    ["an unsafe path", () => checkpointSnapshot(2n, { shared: [{ ...a1, path: "shared/../x" }] }), "UNSAFE_PATH", /'\.\.' segment/],
    ["another id", () => checkpointSnapshot(7n), "INVALID_OPERATION", /metadata of snapshot 7/],
    ["another kind", () => savepointSnapshot(2n, []), "INVALID_OPERATION", /triggered as a checkpoint/],
    ["user ownership", () => {
      const s = checkpointSnapshot(2n);
      s.properties.ownership = "user";
      return s;
    }, "INVALID_OPERATION", /must be owned by "system"/],
  ];
  for (const [name, make, code, message] of cases) {
    const r = withFirst();
    r.startPending(2n);
    r.recordUpload(2n, fileAt("chk-2/h/MANIFEST"));
    const e = thrown(() => r.complete(2n, make(r)));
    t.equal(e.code, code, name);
    t.match(e.message, message, name);
    t.strictSame(r.pendingSnapshots(), [2n], `${name}: still pending`);
    r.abort(2n);
    t.strictSame(planPaths(r), ["chk-2/h/MANIFEST"], `${name}: the abort frees only its upload`);
  }
});

t.test("a private or meta file belongs to its checkpoint alone: pins skip it, others may not refer to it", async (t) => {
  const r = withFirst();
  r.startPending(2n);
  r.recordUpload(2n, fileAt("chk-2/h/MANIFEST"));
  const e = thrown(() => r.complete(2n, checkpointSnapshot(2n, { shared: [{ ...fileAt("chk-1/h/p"), originCheckpointId: 1n }] })));
  t.equal(e.code, "DANGLING_REFERENCE");
  t.match(e.message, /private, meta or data file of snapshot 1/);
  r.complete(2n, checkpointSnapshot(2n, { shared: [a1], base: 1n }));
  r.subsume({ keepLatest: 1 });
  t.strictSame(planPaths(r), ["chk-1/h/MANIFEST", "chk-1/h/p", "shared/b"], "deleted with the checkpoint that owns them");
});

t.test("a completion may not build on another pending checkpoint's upload", async (t) => {
  const r = withFirst();
  r.startPending(2n);
  r.recordUpload(2n, sharedFile("x", 2n));
  r.startPending(3n);
  r.recordUpload(3n, fileAt("chk-3/h/MANIFEST"));
  const e = thrown(() => r.complete(3n, checkpointSnapshot(3n, { shared: [sharedFile("x", 2n)] })));
  t.equal(e.code, "DANGLING_REFERENCE");
  t.match(e.message, /held only by other pending checkpoints/);
});

t.test("completing a checkpoint aborts the older pending checkpoints, not savepoints", async (t) => {
  const r = withFirst();
  r.startPending(2n);
  r.recordUpload(2n, sharedFile("x", 2n));
  r.startPending(3n, "savepoint");
  const s4 = checkpointSnapshot(4n, { shared: [a1], base: 1n });
  t.strictSame(takeSnapshot(r, s4), [2n]);
  t.strictSame(r.pendingSnapshots(), [3n]);
  t.strictSame(planPaths(r), ["shared/x"], "the aborted checkpoint's upload");
});

t.test("retention keeps the latest N or everything from an id, and always the latest", async (t) => {
  const r = withFirst();
  for (const id of [2n, 3n, 4n]) takeSnapshot(r, checkpointSnapshot(id, { shared: [a1], base: id - 1n }));
  t.equal(thrown(() => r.subsume({ keepLatest: 0 })).code, "INVALID_OPERATION");
  t.equal(thrown(() => r.subsume({ keepLatest: 1.5 })).code, "INVALID_OPERATION");
  t.equal(thrown(() => r.subsume({ keepFrom: 5n })).code, "INVALID_OPERATION");
  t.strictSame(r.subsume({ keepFrom: 2n }), [1n]);
  t.strictSame(r.subsume({ keepLatest: 2 }), [2n]);
  t.strictSame(r.subsume({ keepLatest: 5 }), []);
  t.strictSame(r.retainedCheckpoints(), [3n, 4n]);
  t.equal(r.latestCheckpoint(), 4n);
});

t.test("savepoints: never planned once complete; an aborted one's uploads are", async (t) => {
  const r = withFirst();
  const sp = savepointSnapshot(2n, ["sp-2/d0", "sp-2/d1"]);
  t.strictSame(takeSnapshot(r, sp), []);
  takeSnapshot(r, checkpointSnapshot(3n, { shared: [a1], base: 1n }));
  r.subsume({ keepLatest: 1 });
  t.notOk(planPaths(r).some((p) => p.startsWith("sp-2/")), "the savepoint's files are not planned");
  t.strictSame(r.retainedCheckpoints(), [3n], "a savepoint is not a retained checkpoint");
  r.startPending(4n, "savepoint");
  r.recordUpload(4n, fileAt("sp-4/d0"));
  r.abort(4n);
  t.ok(planPaths(r).includes("sp-4/d0"), "a failed savepoint's upload is discardable");
  r.startPending(5n, "savepoint");
  const e = thrown(() => r.complete(5n, savepointSnapshot(5n, ["shared/a"])));
  t.equal(e.code, "DANGLING_REFERENCE", "a savepoint is self-contained: it may not refer to checkpoint files");
});

t.test("restore with claim takes the files over; the restored checkpoint is deleted once subsumed", async (t) => {
  const r = new SharedStateRegistry();
  const s5 = checkpointSnapshot(5n, { shared: [a1, sharedFile("b", 4n)], privates: ["p"], base: 4n });
  r.restore(s5, "claim");
  t.strictSame(r.retainedCheckpoints(), [5n]);
  t.equal(thrown(() => r.startPending(5n)).code, "INVALID_OPERATION", "ids continue after the restored one");
  takeSnapshot(r, checkpointSnapshot(6n, { shared: [a1, sharedFile("c", 6n)], base: 5n }));
  r.subsume({ keepLatest: 1 });
  t.strictSame(planPaths(r), ["chk-5/h/MANIFEST", "chk-5/h/p", "shared/b"]);
});

t.test("restore without claim never deletes the restored files, and the next checkpoint must be full", async (t) => {
  const r = new SharedStateRegistry();
  const s5 = checkpointSnapshot(5n, { shared: [a1], privates: ["p"], base: 4n });
  r.restore(s5, "no-claim");
  t.strictSame(r.retainedCheckpoints(), [], "not owned, so not retained");
  r.startPending(6n);
  r.recordUpload(6n, fileAt("chk-6/h/MANIFEST"));
  t.equal(thrown(() => r.complete(6n, checkpointSnapshot(6n, { shared: [a1] }))).code, "DANGLING_REFERENCE", "may not refer to a restored file");
  const e = thrown(() => r.complete(6n, checkpointSnapshot(6n, { base: 5n })));
  t.equal(e.code, "DANGLING_REFERENCE");
  t.match(e.message, /must be full/);
  r.complete(6n, checkpointSnapshot(6n));
  takeSnapshot(r, checkpointSnapshot(7n, { base: 6n }));
  r.subsume({ keepLatest: 1 });
  t.strictSame(planPaths(r), ["chk-6/h/MANIFEST"], "only checkpoint 6's own file; nothing of the restored 5");
});

t.test("restore refuses what it cannot honour", async (t) => {
  const r = withFirst();
  takeSnapshot(r, checkpointSnapshot(2n, { shared: [a1], base: 1n }));
  t.equal(thrown(() => r.restore(savepointSnapshot(9n, ["d"]), "claim")).code, "INVALID_OPERATION", "claiming a savepoint");
  t.equal(thrown(() => r.restore(checkpointSnapshot(1n, { shared: [a1, b1], privates: ["p"] }), "claim")).code, "INVALID_OPERATION",
    "claiming a checkpoint older than a retained one");
  t.equal(thrown(() => r.restore(checkpointSnapshot(2n, { shared: [b1] }), "claim")).code, "FILE_CONFLICT", "id 2 with other contents");
  r.subsume({ keepLatest: 1 });
  const e = thrown(() => r.restore(checkpointSnapshot(1n, { shared: [a1, b1], privates: ["p"] }), "no-claim"));
  t.equal(e.code, "DANGLING_REFERENCE", "checkpoint 1's files are planned for deletion");
  t.strictSame(r.retainedCheckpoints(), [2n], "a refused restore changes nothing");
});

t.test("a restored snapshot must agree with itself: one id, one path, one content", async (t) => {
  const twoPaths = checkpointSnapshot(5n, { shared: [a1, { ...b1, id: a1.id }] });
  t.equal(thrown(() => new SharedStateRegistry().restore(twoPaths, "claim")).code, "FILE_CONFLICT", "one id at two paths");
  const s = checkpointSnapshot(5n, { shared: [a1] });
  const other = checkpointSnapshot(5n, { shared: [{ ...a1, xxh64: 1n }] }).operators[0]!.subtasks[0]!;
  s.operators[0]!.subtasks.push({ ...other, subtaskIndex: 1 });
  const e = thrown(() => new SharedStateRegistry().restore(s, "no-claim"));
  t.equal(e.code, "FILE_CONFLICT", "one path with two hashes");
  t.equal(e.field, "operators[0].subtasks[1].handles[0].incremental.sharedFiles[0]");
  const r = withFirst();
  const e2 = thrown(() => r.restore(checkpointSnapshot(5n, { shared: [{ ...fileAt("chk-1/h/p"), originCheckpointId: 1n }] }), "claim"));
  t.equal(e2.code, "DANGLING_REFERENCE", "another checkpoint's private file");
});

t.test("a failover restore of the latest checkpoint aborts the pending ones and keeps every file of it", async (t) => {
  const r = withFirst();
  const s1 = checkpointSnapshot(1n, { shared: [a1, b1], privates: ["p"] });
  r.startPending(2n);
  r.recordUpload(2n, sharedFile("x", 2n));
  r.restore(s1, "claim");
  t.strictSame(r.pendingSnapshots(), []);
  t.strictSame(planPaths(r), ["shared/x"]);
  r.startPending(3n);
  r.recordUpload(3n, fileAt("chk-3/h/MANIFEST"));
  t.strictSame(r.complete(3n, checkpointSnapshot(3n, { shared: [a1], base: 1n })), []);
});

// ---- Flink's bugs, replayed under these rules ----

t.test("FLINK-24611: aborting a checkpoint never discards the shared files it reused", async (t) => {
  const r = withFirst();
  r.startPending(2n);
  const s2 = checkpointSnapshot(2n, { shared: [a1, b1, sharedFile("c", 2n)], base: 1n });
  for (const f of ownFiles(s2)) r.recordUpload(2n, f);
  r.abort(2n); // declined by a task after the others acknowledged
  t.strictSame(planPaths(r), ["chk-2/h/MANIFEST", "shared/c"], "only what checkpoint 2 uploaded");
  r.subsume({ keepLatest: 1 });
  t.notOk(planPaths(r).some((p) => p === "shared/a" || p === "shared/b"), "checkpoint 1 still holds a and b");
});

t.test("FLINK-25395: a task's cleanup cannot delete reused shared files; restore still finds them", async (t) => {
  const r = withFirst();
  r.startPending(2n);
  // The task re-reports a reused file as if it had uploaded it: refused, so it never becomes checkpoint 2's to free.
  t.equal(thrown(() => r.recordUpload(2n, sharedFile("a", 2n))).code, "FILE_CONFLICT");
  t.equal(thrown(() => r.recordUpload(2n, fileAt("shared/a"))).code, "FILE_CONFLICT");
  r.recordUpload(2n, sharedFile("d", 2n));
  r.abort(2n);
  t.strictSame(planPaths(r), ["shared/d"]);
  r.restore(checkpointSnapshot(1n, { shared: [a1, b1], privates: ["p"] }), "claim");
  t.strictSame(planPaths(r), ["shared/d"], "restoring checkpoint 1 needs nothing that is planned");
});

t.test("FLINK-29913: two concurrent checkpoints uploading the same local file never discard each other's", async (t) => {
  const r = withFirst();
  r.startPending(2n); // both pin checkpoint 1's files
  r.startPending(3n);
  r.recordUpload(2n, sharedFile("x@2", 2n)); // the same local SST, uploaded twice under unique ids
  r.recordUpload(3n, sharedFile("x@3", 3n));
  r.recordUpload(2n, fileAt("chk-2/h/MANIFEST"));
  r.recordUpload(3n, fileAt("chk-3/h/MANIFEST"));
  r.complete(2n, checkpointSnapshot(2n, { shared: [a1, sharedFile("x@2", 2n)], base: 1n }));
  t.strictSame(r.subsume({ keepLatest: 1 }), [1n]);
  t.strictSame(planPaths(r), ["chk-1/h/MANIFEST", "chk-1/h/p"], "b is pinned by pending 3 although checkpoint 1 is subsumed");
  // 3's task never heard of 2 and builds on 1: it refers to b, which only its pin still holds.
  r.complete(3n, checkpointSnapshot(3n, { shared: [a1, b1, sharedFile("x@3", 3n)], base: 1n }));
  t.strictSame(r.subsume({ keepLatest: 1 }), [2n]);
  t.strictSame(planPaths(r), ["chk-1/h/MANIFEST", "chk-1/h/p", "chk-2/h/MANIFEST", "shared/x@2"]);
});

t.test("FLINK-29913 with colliding ids: the second upload is refused instead of replacing the first", async (t) => {
  const r = withFirst();
  r.startPending(2n);
  r.startPending(3n);
  r.recordUpload(2n, sharedFile("000010.sst", 2n));
  const e = thrown(() => r.recordUpload(3n, sharedFile("000010.sst", 3n)));
  t.equal(e.code, "FILE_CONFLICT");
  r.abort(3n);
  t.strictSame(planPaths(r), [], "checkpoint 2 still holds its upload");
});

t.test("FLINK-26985: a restored checkpoint's shared files are deleted only when claimed and unused", async (t) => {
  const restored = checkpointSnapshot(5n, { shared: [a1, b1], base: 4n });
  const legacy = new SharedStateRegistry();
  legacy.restore(restored, "no-claim");
  takeSnapshot(legacy, checkpointSnapshot(6n, { shared: [sharedFile("c", 6n)] }));
  takeSnapshot(legacy, checkpointSnapshot(7n, { shared: [sharedFile("c", 6n)], base: 6n }));
  legacy.subsume({ keepLatest: 1 });
  t.notOk(planPaths(legacy).some((p) => p.startsWith("shared/a") || p.startsWith("shared/b") || p.startsWith("chk-5/")),
    "no-claim: never planned");
  const claimed = new SharedStateRegistry();
  claimed.restore(restored, "claim");
  takeSnapshot(claimed, checkpointSnapshot(6n, { shared: [a1, sharedFile("c", 6n)], base: 5n }));
  claimed.subsume({ keepLatest: 1 });
  t.strictSame(planPaths(claimed), ["chk-5/h/MANIFEST", "shared/b"], "claim: the unused file goes, the reused one stays");
});

t.test("a task that builds on a subsumed checkpoint gets its completion refused, not a deleted file", async (t) => {
  const r = withFirst();
  takeSnapshot(r, checkpointSnapshot(2n, { shared: [sharedFile("c", 2n)] }));
  r.subsume({ keepLatest: 1 });
  r.startPending(3n); // pins checkpoint 2's files only
  r.recordUpload(3n, fileAt("chk-3/h/MANIFEST"));
  const e = thrown(() => r.complete(3n, checkpointSnapshot(3n, { shared: [a1], base: 1n })));
  t.equal(e.code, "DANGLING_REFERENCE");
  t.match(e.message, /planned for deletion/);
});

t.test("the plan never lists a path twice, even when several handles refer to one file", async (t) => {
  const r = new SharedStateRegistry();
  const s: Snapshot = checkpointSnapshot(1n, { shared: [a1] });
  s.operators[0]!.subtasks.push({ subtaskIndex: 1, handles: [{ ...s.operators[0]!.subtasks[0]!.handles[0]! }] });
  takeSnapshot(r, s);
  takeSnapshot(r, checkpointSnapshot(2n));
  r.subsume({ keepLatest: 1 });
  const plan: FileRef[] = r.discardPlan();
  t.strictSame(plan.map((f) => f.path), ["chk-1/h/MANIFEST", "shared/a"]);
  t.strictSame(plan[1], { id: "id:shared/a", path: "shared/a", size: a1.size, xxh64: a1.xxh64 });
});

t.test("1.1: the physical file of segments is held while any retained checkpoint holds a segment of it", async (t) => {
  const r = new SharedStateRegistry();
  takeSnapshot(r, checkpointV11(1n, { segments: [segmentOf("m", 0n, 10n, 1n), segmentOf("m", 10n, 5n, 1n)] }));
  // Checkpoint 2 reuses one segment of m and appends one (not an upload: m is known, and pinned).
  takeSnapshot(r, checkpointV11(2n, { base: 1n, segments: [segmentOf("m", 10n, 5n, 1n), segmentOf("m", 15n, 7n, 2n)] }));
  t.strictSame(r.subsume({ keepLatest: 1 }), [1n]);
  t.notOk(planPaths(r).includes("shared/m"), "checkpoint 2 still holds a segment of shared/m, though not checkpoint 1's first one");
  takeSnapshot(r, checkpointV11(3n));
  r.subsume({ keepLatest: 1 });
  t.ok(planPaths(r).includes("shared/m"), "no retained checkpoint holds a segment of it: condemned");
  t.strictSame(r.discardPlan().find((f) => f.path === "shared/m"), { id: "id:shared/m", path: "shared/m", size: 0n, xxh64: 0n }, "size and hash not recorded");
});

t.test("1.1: many segments under one id and path are one file; one physical file under two ids, or whole and segmented, is a FILE_CONFLICT", async (t) => {
  const r = new SharedStateRegistry();
  t.doesNotThrow(() => takeSnapshot(r, checkpointV11(1n, { segments: [segmentOf("m", 0n, 4n, 1n), segmentOf("m", 4n, 4n, 1n), segmentOf("m", 8n, 4n, 1n)] })));
  r.startPending(2n);
  r.recordUpload(2n, fileAt("chk-2/h/MANIFEST"));
  const twoIds = checkpointV11(2n, { base: 1n, segments: [{ ...segmentOf("m", 0n, 4n, 1n), id: "other" }] });
  t.equal(thrown(() => r.complete(2n, twoIds)).code, "FILE_CONFLICT", "one path, two ids");
  const wholeToo = checkpointV11(2n, { base: 1n, shared: [{ ...fileAt("shared/m"), originCheckpointId: 1n }] });
  t.match(thrown(() => r.complete(2n, wholeToo)).message, /a file is either whole or segmented/);
  t.equal(thrown(() => r.recordUpload(2n, segmentOf("m", 12n, 4n, 2n))).code, "FILE_CONFLICT", "an upload never takes over a known physical file");
  t.ok(thrown(() => new SharedStateRegistry().restore(checkpointV11(5n, {
    segments: [segmentOf("x", 0n, 4n, 5n), { ...segmentOf("x", 4n, 4n, 5n), id: "other" }] }), "claim")).code === "FILE_CONFLICT", "within one restored snapshot too");
});

t.test("1.1: a segment may refer to a physical file it did not upload only as a checkpoint's shared file may", async (t) => {
  const r = new SharedStateRegistry();
  r.startPending(1n);
  r.recordUpload(1n, fileAt("chk-1/h/MANIFEST"));
  const e = thrown(() => r.complete(1n, checkpointV11(1n, { segments: [segmentOf("ghost", 0n, 4n, 1n)] })));
  t.match(e.message, /"id:shared\/ghost" at "shared\/ghost" was neither uploaded/, "never uploaded, never registered");
  r.abort(1n);
  takeSnapshot(r, checkpointV11(2n, { segments: [segmentOf("m", 0n, 4n, 2n)] }));
  r.startPending(3n, "savepoint");
  const sp = savepointSnapshot(3n, ["sp/data"]);
  sp.operators.push(checkpointV11(3n, { segments: [segmentOf("m", 0n, 4n, 2n)] }).operators[1]!);
  r.recordUpload(3n, fileAt("sp/data"));
  t.match(thrown(() => r.complete(3n, sp)).message, /"shared\/m" was not uploaded for savepoint 3/, "a savepoint uploads every file it refers to");
});

t.test("1.1: operator-state files are exclusive to their checkpoint; external refs are never registered or planned", async (t) => {
  const r = new SharedStateRegistry();
  takeSnapshot(r, checkpointV11(1n, { operatorState: true }));
  takeSnapshot(r, checkpointV11(2n, { operatorState: true }));
  r.subsume({ keepLatest: 1 });
  t.strictSame(planPaths(r), ["chk-1/h/MANIFEST", "chk-1/h/opstate"], "deleted with checkpoint 1");
  t.notOk(planPaths(r).some((p) => p.includes("s3:") || p.includes("coordinator")), "no external URI");
  r.startPending(3n);
  r.recordUpload(3n, fileAt("chk-3/h/MANIFEST"));
  const reuse = checkpointV11(3n, { operatorState: true });
  reuse.operators[0]!.subtasks[0]!.managedOperatorState!.stream = { type: "file", ...fileAt("chk-2/h/opstate") };
  t.match(thrown(() => r.complete(3n, reuse)).message, /"chk-2\/h\/opstate" was not uploaded for checkpoint 3/, "another checkpoint's operator-state file");
});

t.test("1.1: after a restore with claim (how gc rebuilds the registry), later checkpoints reuse and append to its physical files", async (t) => {
  const r = new SharedStateRegistry();
  const restored = checkpointV11(4n, { segments: [segmentOf("m", 0n, 4n, 3n), segmentOf("m", 4n, 4n, 4n)], operatorState: true });
  const { originCheckpointId: _, ...privateSegment } = segmentOf("m", 8n, 4n, 4n);
  (restored.operators[1]!.subtasks[0]!.handles[0] as { privateFiles: unknown[] }).privateFiles.push({ ...privateSegment, scope: "exclusive" });
  r.restore(restored, "claim");
  t.doesNotThrow(() => takeSnapshot(r, checkpointV11(5n, { base: 4n, segments: [segmentOf("m", 4n, 4n, 4n), segmentOf("m", 12n, 4n, 5n)] })),
    "a private segment does not make its physical file exclusive");
  r.subsume({ keepLatest: 1 });
  t.strictSame(planPaths(r), ["chk-4/h/MANIFEST", "chk-4/h/opstate"], "the physical file stays: checkpoint 5 holds segments of it");
});
