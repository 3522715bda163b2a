/** Snapshot diff by file id, on a chain of incremental checkpoints built with the vector fixtures. */
import t from "tap";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { base, incrementalHandle, savepointHandle, sharedSst } from "../conformance/cases/fixtures.js";
import { diffCommand, registerDiff } from "../src/cli/diff-command.js";
import { takeRequestedStatus } from "../src/cli/exit-status.js";
import { diffSnapshots, diffToJson } from "../src/diff.js";
import type { IncrementalHandle, SharedFileRef, Snapshot } from "../src/model.js";
import { capturedStdout, rejection, VECTORS } from "./helpers.js";

const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;
const OP = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
const BACKENDS = ["b0", "b1"];

/** Shared files per checkpoint: 1 uploads sst 1 and 2; 2 adds 5; 3 compacts 2 away and adds 9; 4 adds 12. */
const SHARED: Record<number, [number, bigint][]> = {
  1: [[1, 1n], [2, 1n]], 2: [[1, 1n], [2, 1n], [5, 2n]], 3: [[1, 1n], [5, 2n], [9, 3n]], 4: [[1, 1n], [5, 2n], [9, 3n], [12, 4n]],
};

function handle(backend: string, checkpoint: number, sub: number, shared = SHARED[checkpoint]!): IncrementalHandle {
  return incrementalHandle({
    backend, checkpoint: BigInt(checkpoint), base: BigInt(checkpoint - 1), start: sub * 64, count: 64,
    folder: `chk-${checkpoint}/${OP}-${sub}`, shared: shared.map(([n, origin]) => sharedSst(backend, n, origin)),
    privates: [checkpoint * 100 + sub],
  });
}

/** Checkpoint `id` of a 2-subtask job. */
function checkpoint(id: number, edit: (h: IncrementalHandle) => IncrementalHandle = (h) => h): Snapshot {
  return base({
    snapshotId: BigInt(id), kind: "checkpoint", properties: CHECKPOINT, snapshotDir: `chk-${id}`,
    operators: [{ operatorId: OP, name: "Window", parallelism: 2,
      subtasks: BACKENDS.map((b, sub) => ({ subtaskIndex: sub, handles: [edit(handle(b, id, sub))] })) }],
  });
}

const handles = (s: Snapshot) => s.operators.flatMap((op) => op.subtasks.flatMap((st) => st.handles)) as IncrementalHandle[];
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const ids = (files: { id: string }[]) => files.map((f) => f.id);

t.test("checkpoint 2 → 3: added, reused, dropped by id", async (t) => {
  const [a, b] = [checkpoint(2), checkpoint(3)];
  const d = diffSnapshots(a, b);
  t.strictSame(ids(d.added), ["b0/000009", "b0/000300", "b0/999003", "b1/000009", "b1/000301", "b1/999003"]);
  t.strictSame(ids(d.reused), ["b0/000001", "b0/000005", "b1/000001", "b1/000005"]);
  t.strictSame(ids(d.dropped), ["b0/000002", "b0/000200", "b0/999002", "b1/000002", "b1/000201", "b1/999002"]);
  t.strictSame(d.changed, []);
  // The fixtures compute checkpointedSize and stateSize from the files; the diff must agree when A is B's base.
  t.equal(d.uploadedBytes, sum(handles(b).map((h) => h.checkpointedSize)), "uploaded = what checkpoint 3 says it uploaded");
  t.equal(d.fullBytes, sum(handles(b).map((h) => h.stateSize)));
  t.match(d.a, { snapshotId: 2n, kind: "checkpoint", files: 10, bytes: sum(handles(a).map((h) => h.stateSize)) });
  t.match(d.b, { snapshotId: 3n, files: 10, bytes: d.fullBytes });
});

t.test("per operator and subtask", async (t) => {
  const d = diffSnapshots(checkpoint(2), checkpoint(3));
  t.equal(d.operators.length, 1);
  t.match(d.operators[0], { operatorId: OP, name: "Window", inA: true, inB: true });
  const sst = (n: number) => BigInt(1_000_000 + n * 4096);
  const st = d.operators[0]!.subtasks;
  t.strictSame(st.map((s) => [s.subtaskIndex, s.inA, s.inB]), [[0, true, true], [1, true, true]]);
  t.strictSame(st[0]!.added, { files: 3, bytes: sst(9) + 4096n + 300n + 512n });
  t.strictSame(st[1]!.reused, { files: 2, bytes: sst(1) + sst(5) });
  t.strictSame(st[1]!.dropped, { files: 3, bytes: sst(2) + 4096n + 201n + 512n });
});

t.test("against an older checkpoint, files of the checkpoints between count as added", async (t) => {
  const d = diffSnapshots(checkpoint(1), checkpoint(3));
  t.ok(ids(d.added).includes("b0/000005"), "uploaded by 2, new relative to 1");
  t.notOk(ids(d.reused).includes("b0/000005"));
  t.ok(d.uploadedBytes > sum(handles(checkpoint(3)).map((h) => h.checkpointedSize)));
});

t.test("a snapshot against itself: everything reused, nothing uploaded", async (t) => {
  const d = diffSnapshots(checkpoint(3), checkpoint(3));
  t.strictSame([d.added.length, d.dropped.length, d.changed.length, d.reused.length], [0, 0, 0, 10]);
  t.equal(d.uploadedBytes, 0n);
  t.equal(d.fullBytes, d.b.bytes);
});

t.test("an id whose size or hash differs is reported as changed content", async (t) => {
  const resized = (h: IncrementalHandle) => ({ ...h, sharedFiles: h.sharedFiles.map((f) => f.id === "b0/000005" ? { ...f, size: f.size + 1n } : f) });
  const rehashed = (h: IncrementalHandle) => ({ ...h, sharedFiles: h.sharedFiles.map((f) => f.id === "b1/000001" ? { ...f, xxh64: f.xxh64 ^ 1n } : f) });
  const d = diffSnapshots(checkpoint(2), checkpoint(3, (h) => rehashed(resized(h))));
  t.strictSame(d.changed.map((c) => [c.id, c.occurrences.map((o) => [o.snapshot, o.subtaskIndex, o.path])]), [
    ["b0/000005", [["a", 0, "shared/b0-000005.sst"], ["b", 0, "shared/b0-000005.sst"]]],
    ["b1/000001", [["a", 1, "shared/b1-000001.sst"], ["b", 1, "shared/b1-000001.sst"]]],
  ]);
  const [a, b] = d.changed[0]!.occurrences;
  t.equal(b!.size - a!.size, 1n);
  t.equal(d.changed[1]!.occurrences[0]!.xxh64 ^ d.changed[1]!.occurrences[1]!.xxh64, 1n);
  t.ok(ids(d.reused).includes("b0/000005"), "still matched by id");
});

t.test("one id with two contents inside one snapshot is changed content too", async (t) => {
  const s = checkpoint(3);
  const twin: SharedFileRef = { ...handles(s)[0]!.sharedFiles[0]!, size: 7n };
  s.operators[0]!.subtasks[1]!.handles[0] = { ...handles(s)[1]!, sharedFiles: [...handles(s)[1]!.sharedFiles, twin] };
  const d = diffSnapshots(checkpoint(3), s);
  t.strictSame(d.changed.map((c) => [c.id, c.occurrences.map((o) => [o.snapshot, o.size])]),
    [["b0/000001", [["a", 1_004_096n], ["b", 1_004_096n], ["b", 7n]]]]);
});

t.test("a file shared by two subtasks counts once in the totals, once per subtask in the breakdown", async (t) => {
  const shared = [[1, 1n], [5, 2n]] as [number, bigint][];
  const rescaled = base({ snapshotId: 4n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-4",
    operators: [{ operatorId: OP, name: "Window", parallelism: 3, subtasks: [0, 1, 2].map((sub) =>
      ({ subtaskIndex: sub, handles: [handle("b0", 4, sub, shared)] })) }] });
  const d = diffSnapshots(checkpoint(3), rescaled);
  t.strictSame(ids(d.reused), ["b0/000001", "b0/000005"]);
  t.strictSame(d.operators[0]!.subtasks.map((s) => [s.subtaskIndex, s.inA, s.inB, s.reused.files]),
    [[0, true, true, 2], [1, true, true, 2], [2, false, true, 2]]);
  t.equal(d.operators[0]!.subtasks[1]!.dropped.files, 5, "b1's files: sst 1, 5, 9, private, meta");
});

t.test("operators only in A or only in B", async (t) => {
  const sp = (id: string, name: string) => base({ kind: "savepoint", properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
    operators: [{ operatorId: id, name, parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [savepointHandle(`${id}/data`, `${id}.kg`, 0, 128, 10n)] }] }] });
  const d = diffSnapshots(sp("old", "Old"), sp("new", ""));
  t.strictSame(d.operators.map((op) => [op.operatorId, op.name, op.inA, op.inB]), [["new", "", false, true], ["old", "Old", true, false]]);
  t.strictSame(d.operators[0]!.subtasks[0]!.added, { files: 1, bytes: 16n + 1280n });
  t.strictSame(d.operators[1]!.subtasks[0]!.dropped, { files: 1, bytes: 1296n });
  t.equal(d.uploadedBytes, d.fullBytes);
});

t.test("the JSON form: 64-bit values as strings, hashes as hex", async (t) => {
  const big = (h: IncrementalHandle) => ({ ...h, sharedFiles: h.sharedFiles.map((f) => f.id === "b0/000009" ? { ...f, size: (1n << 64n) - 1n } : f) });
  const json = diffToJson(diffSnapshots(checkpoint(2), checkpoint(3, big)));
  t.equal(json.added.find((f) => f.id === "b0/000009")!.size, "18446744073709551615");
  t.match(json.added[0]!.xxh64, /^[0-9a-f]{16}$/);
  t.equal(BigInt(json.uploadedBytes) - BigInt(json.added.reduce((s, f) => s + BigInt(f.size), 0n)), 0n);
  t.match(json.operators[0]!.subtasks[0]!.added, { files: 3, bytes: /^[0-9]+$/ });
  t.match(json.a, { snapshotId: "2", kind: "checkpoint", files: 10 });
  t.doesNotThrow(() => JSON.stringify(json), "no bigint left");
});

t.test("diff command: readable output, changed content first and flagged", async (t) => {
  const work = mkdtempSync(join(tmpdir(), "ksnap-diff-"));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const valid = (name: string) => join(VECTORS, "v1.0", "valid", `${name}.ksnap`);
  const same = await diffCommand(valid("incremental-chain-head"), valid("incremental-chain-head"), {});
  t.equal(same.changedContent, false);
  t.match(same.text, /^A: .*incremental-chain-head\.ksnap: checkpoint 3, 14 file\(s\), /);
  t.match(same.text, /added in B: 0 file\(s\), 0 B; B uploaded 0 B of its .* \(0\.0%\)/);
  t.match(same.text, /subtask 1: added 0 file\(s\), 0 B, reused 7 file\(s\), .*, dropped 0 file\(s\), 0 B/);
  t.notMatch(same.text, /ERROR/);
  const other = await diffCommand(valid("incremental-chain-head"), valid("savepoint-two-operators"), {});
  t.match(other.text, /operator a0b1c2d3e4f5061728394a5b6c7d8e9f "Map"\n/);
  t.match(other.text, /operator f0e1d2c3b4a5968778695a4b3c2d1e0f "KeyedProcess" \(only in B\)/);
  t.match(other.text, /subtask 2 \(only in B\)/);
  t.match(other.text, /B uploaded .* \(100\.0%\)/);
  const json = JSON.parse((await diffCommand(valid("incremental-chain-head"), valid("savepoint-two-operators"), { json: true })).text);
  t.equal(json.added.length, 5);
  t.equal(json.dropped.length, 14);
  t.equal((await rejection(() => diffCommand(valid("empty-checkpoint"), join(work, "nope"), {}))).code, "IO_ERROR");
});

t.test("diff command: snapshot folders, and a root with several snapshots is refused", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "ksnap-diff-root-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const name of ["chk-1", "chk-2"]) {
    mkdirSync(join(root, name));
    copyFileSync(join(VECTORS, "v1.0", "valid", "incremental-chain-head.ksnap"), join(root, name, "_metadata.ksnap"));
  }
  t.equal((await diffCommand(join(root, "chk-1"), join(root, "chk-2"), {})).changedContent, false);
  const several = await rejection(() => diffCommand(root, join(root, "chk-2"), {}));
  t.equal(several.code, "IO_ERROR");
  t.match(several.describe(), /: IO_ERROR: holds 2 snapshots \(.*chk-1.*, .*chk-2.*\): name one metadata file or snapshot folder/);
});

t.test("diff command line: exit status 1 only when content changed", async (t) => {
  const work = mkdtempSync(join(tmpdir(), "ksnap-diff-cli-"));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const { encodeSnapshot } = await import("../src/codec.js");
  const { writeFileSync } = await import("node:fs");
  const resized = (h: IncrementalHandle) => ({ ...h, privateFiles: h.privateFiles.map((f) => ({ ...f, size: f.size + 1n })) });
  const files = { a: join(work, "a.ksnap"), b: join(work, "b.ksnap"), bad: join(work, "bad.ksnap") };
  writeFileSync(files.a, encodeSnapshot(checkpoint(3)));
  writeFileSync(files.b, encodeSnapshot(checkpoint(4)));
  writeFileSync(files.bad, encodeSnapshot(checkpoint(3, resized)));
  const run = async (...args: string[]) => {
    const program = new Command("ksnap").exitOverride();
    registerDiff(program);
    const out = await capturedStdout(() => program.parseAsync(["diff", ...args], { from: "user" }));
    return { out, status: takeRequestedStatus() };
  };
  t.match(await run(files.a, files.b), { status: 0, out: /^A: .*a\.ksnap: checkpoint 3/ });
  const changed = await run(files.a, files.bad);
  t.equal(changed.status, 1);
  t.match(changed.out, /^A: .*\nB: .*\n  ERROR: 2 file id\(s\) denote different content \(size or xxh64\)/, "reported before anything else");
  t.match(changed.out, /    b0\/000300:\n      in A: chk-3\/.*\/000300\.log, 4396 bytes, xxh64 [0-9a-f]{16} \(operator .*, subtask 0\)\n      in B: .*, 4397 bytes/);
  const json = await run(files.a, files.bad, "--json");
  t.equal(json.status, 1);
  t.equal(JSON.parse(json.out).changed.length, 2);
});
