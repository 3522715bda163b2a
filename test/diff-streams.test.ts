/**
 * Diff of the 1.1 refs and state (spec/diff-and-restore.md#what-a-diff-compares,
 * #state-changes) and the 1.1 tree `inspect` prints, on in-memory model
 * snapshots: 1.1 files cannot be encoded yet.
 */
import t from "tap";
import { base } from "../conformance/cases/fixtures.js";
import { renderDiff } from "../src/cli/diff-command.js";
import { diffSnapshots, diffToJson } from "../src/diff.js";
import type { OperatorStateHandle, Snapshot, StreamIncrementalHandle, StreamRef, SubtaskState } from "../src/model.js";
import { renderTree } from "../src/render-tree.js";

const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;
const seg = (offset: bigint, length: bigint, xxh64 = 0n): StreamRef & { type: "segment" } =>
  ({ type: "segment", id: "phys", path: "shared/phys", offset, length, scope: "shared", xxh64 });
const ext = (uri: string, size: bigint): StreamRef => ({ type: "external", uri, size, xxh64: 0n });
const inl = (...bytes: number[]): StreamRef => ({ type: "inline", data: new Uint8Array(bytes) });

function handle(id: bigint, shared: StreamRef[], privates: StreamRef[], meta: StreamRef): StreamIncrementalHandle {
  return {
    type: "stream-incremental", backendId: "b", keyGroups: { start: 0, count: 8 }, folder: "", checkpointId: id, baseCheckpointId: id - 1n,
    sharedFiles: shared.map((r) => ({ ...r, originCheckpointId: 1n })), privateFiles: privates, meta, stateSize: 0n, checkpointedSize: 0n,
  };
}

function checkpoint(id: bigint, subtask: Partial<SubtaskState>, over: Partial<Snapshot> = {}): Snapshot {
  return base({
    snapshotId: id, kind: "checkpoint", properties: CHECKPOINT, maxParallelism: 8,
    operators: [{ operatorId: "op", name: "Src", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [], ...subtask }] }], ...over,
  });
}

t.test("segments by physical id and range, external files by URI, inline bytes by content", async (t) => {
  const a = checkpoint(1n, { handles: [handle(1n, [seg(0n, 100n), seg(100n, 50n)], [inl(1, 2), ext("s3://b/x", 10n)], inl(9))] });
  const b = checkpoint(2n, { handles: [handle(2n, [seg(0n, 100n), seg(150n, 70n)], [inl(1, 2), ext("s3://b/y", 20n)], inl(8, 8, 8))] });
  const d = diffSnapshots(a, b);
  const ranges = (rs: { offset: bigint; length: bigint }[]) => rs.map((r) => [r.offset, r.length]);
  t.strictSame(ranges(d.segments.added), [[150n, 70n]], "same physical file, new range: added");
  t.strictSame(ranges(d.segments.reused), [[0n, 100n]]);
  t.strictSame(ranges(d.segments.dropped), [[100n, 50n]]);
  t.strictSame(d.external.added.map((e) => e.uri), ["s3://b/y"]);
  t.strictSame(d.external.dropped.map((e) => e.uri), ["s3://b/x"]);
  t.strictSame(d.inline, { added: { streams: 1, bytes: 3n }, reused: { streams: 1, bytes: 2n }, dropped: { streams: 1, bytes: 1n } });
  t.equal(d.uploadedBytes, 70n + 20n, "added segment length + added external size; inline bytes are in the metadata");
  t.equal(d.fullBytes, 100n + 70n + 20n);
  t.match(d.b, { files: 0, segments: 2, external: 1, inline: 2, bytes: 190n });
  t.strictSame(d.changed, []);
  t.strictSame(d.operators[0]!.subtasks[0]!.added, { files: 2, bytes: 90n }, "a subtask's tally counts segments and external files");
  const json = diffToJson(d);
  t.match(json.segments.added, [{ type: "segment", id: "phys", offset: "150", length: "70" }]);
  t.match(json.inline, { added: { streams: 1, bytes: "3" } });
  const text = renderDiff(d, "a", "b");
  t.match(text, /segments: added 1 file\(s\), 70 B, reused 1 file\(s\), 100 B, dropped 1 file\(s\), 50 B/);
  t.match(text, /inline contents: added 1 \(3 B\), reused 1 \(2 B\), dropped 1 \(1 B\)/);
});

t.test("changed content: a segment's recorded hashes, an external file's size", async (t) => {
  const a = checkpoint(1n, { handles: [handle(1n, [seg(0n, 100n, 5n), seg(100n, 10n, 0n)], [ext("s3://b/x", 10n)], inl())] });
  const b = checkpoint(2n, { handles: [handle(2n, [seg(0n, 100n, 6n), seg(100n, 10n, 7n)], [ext("s3://b/x", 11n)], inl())] });
  const d = diffSnapshots(a, b);
  t.strictSame(d.changed.map((c) => [c.kind, c.id, c.offset, c.length, c.occurrences.map((o) => [o.snapshot, o.size, o.xxh64])]), [
    ["segment", "phys", 0n, 100n, [["a", 100n, 5n], ["b", 100n, 6n]]],
    ["external", "s3://b/x", undefined, undefined, [["a", 10n, 0n], ["b", 11n, 0n]]],
  ], "a hash recorded on one side only (0) is no change");
  t.match(diffToJson(d).changed[0], { kind: "segment", id: "phys", offset: "0", length: "100" });
  t.match(renderDiff(d, "a", "b"), /ERROR: 2 .*\n    segment phys bytes 0\.\.100:\n      in A: shared\/phys, 100 bytes, xxh64 0000000000000005/);
});

t.test("local names, operator state per state name, coordinator and master state", async (t) => {
  const os = (states: OperatorStateHandle["states"]): OperatorStateHandle => ({ stream: inl(1), states });
  const file = (localName: string): StreamRef => ({ type: "file", id: "f1", path: "shared/f1", size: 9n, xxh64: 1n, localName });
  const a = checkpoint(1n, {
    handles: [handle(1n, [file("000001.sst")], [], inl())],
    managedOperatorState: os([{ name: "offsets", mode: "union", offsets: [0n] }, { name: "old", mode: "split-distribute", offsets: [] }]),
  }, { masterStates: [{ name: "h1", version: 1, payload: new Uint8Array([1]) }, { name: "h2", version: 1, payload: new Uint8Array() }] });
  a.operators[0]!.coordinatorState = inl(1);
  const b = checkpoint(2n, {
    handles: [handle(2n, [file("000007.sst")], [], inl())],
    managedOperatorState: os([{ name: "new", mode: "broadcast", offsets: [0n] }, { name: "offsets", mode: "union", offsets: [0n, 4n] }]),
  }, { masterStates: [{ name: "h1", version: 2, payload: new Uint8Array([1]) }, { name: "h3", version: 1, payload: new Uint8Array() }] });
  b.operators[0]!.coordinatorState = inl(2);
  const d = diffSnapshots(a, b);
  t.strictSame(d.localNames, [{ kind: "file", id: "f1", a: "000001.sst", b: "000007.sst" }]);
  t.strictSame(d.operators[0]!.subtasks[0]!.operatorState.map((c) => [c.list, c.name, c.change, c.a, c.b]), [
    ["managed", "new", "added", null, { mode: "broadcast", partitions: 1 }],
    ["managed", "offsets", "changed", { mode: "union", partitions: 1 }, { mode: "union", partitions: 2 }],
    ["managed", "old", "dropped", { mode: "split-distribute", partitions: 0 }, null],
  ]);
  t.equal(d.operators[0]!.coordinatorState, "changed");
  t.strictSame(d.masterStates, [{ name: "h1", change: "changed" }, { name: "h2", change: "dropped" }, { name: "h3", change: "added" }]);
  t.equal(diffSnapshots(a, a).operators[0]!.coordinatorState, "unchanged");
  t.strictSame(diffSnapshots(a, a).operators[0]!.subtasks[0]!.operatorState, [], "unchanged states are not listed");
  const text = renderDiff(d, "a", "b");
  t.match(text, /local name of file f1: "000001\.sst" in A, "000007\.sst" in B/);
  t.match(text, /managed operator state "offsets" changed: union, 1 partition\(s\) in A, union, 2 partition\(s\) in B/);
  t.match(text, /coordinator state: changed/);
  t.match(text, /master state "h3": added/);
});

t.test("inspect's tree shows every 1.1 structure", async (t) => {
  const s = checkpoint(3n, {
    handles: [handle(3n, [{ type: "file", id: "f1", path: "shared/f1", size: 9n, xxh64: 1n, localName: "000001.sst" }, seg(0n, 100n)], [inl(1)], ext("s3://b/m", 5n))],
    managedOperatorState: { stream: seg(100n, 20n), states: [{ name: "offsets", mode: "union", offsets: [0n, 4n] }] },
    rawKeyedHandles: [{ type: "key-groups-stream", keyGroups: { start: 0, count: 2 }, data: inl(1, 2), offsets: [0n, 1n], dataFormat: "apache-flink/key-groups" }],
    channelState: [{ type: "opaque", kind: "apache-flink/input-channel", files: [seg(120n, 8n)], sharedFiles: [], payload: new Uint8Array(4) }],
  }, { masterStates: [{ name: "hook", version: 2, payload: new Uint8Array(3) }], source: { system: "apache-flink", formatVersion: 6, checkpointId: 3n } });
  s.operators[0]!.maxParallelism = 16;
  s.operators[0]!.uid = "src-uid";
  s.operators[0]!.coordinatorState = inl(1, 2, 3);
  s.operators[0]!.subtasks.push({ subtaskIndex: 1, handles: [], finished: true });
  s.operators.push({ operatorId: "done", name: "", parallelism: 1, subtasks: [], finished: true });
  const text = renderTree(s, { major: 1, minor: 1 }, "x");
  for (const line of [
    /source: apache-flink metadata version 6, checkpoint 3/,
    /master state "hook": version 2, 3 B payload/,
    /2 operator\(s\), 2 subtask\(s\), 2 handle\(s\), 1 file\(s\), 9 B, 3 segment ref\(s\) 128 B, 3 inline ref\(s\) 6 B, 1 external ref\(s\) 5 B/,
    /operator op "Src" \(uid "src-uid"\), parallelism 1, own max parallelism 16/,
    /coordinator state: inline 3 B/,
    /stream-incremental: key groups 0-7 \(8\), checkpoint 3 on 2/,
    /shared: 2 stream\(s\), 109 B stored \(1 file, 1 segment\)/,
    /meta: external s3:\/\/b\/m \(5 B\)/,
    /local names \(1 of 4\): 000001\.sst/,
    /managed operator state: segment of shared\/phys bytes 100\.\.120 \(20 B, shared\), 1 state\(s\)/,
    /"offsets": union, 2 partition\(s\)/,
    /raw keyed state \(restored by user code\): 1 handle\(s\)\n +key-groups-stream: key groups 0-1 \(2\), 2 offset\(s\), data format apache-flink\/key-groups/,
    /channel state: 1 handle\(s\)\n +apache-flink\/input-channel: 1 stream\(s\), 8 B stored \(1 segment\), payload 4 B/,
    /subtask 1: FINISHED \(no state\)/,
    /operator done, parallelism 1, 0 subtask\(s\) with state, FINISHED \(no state\)/,
  ]) t.match(text, line);
});
