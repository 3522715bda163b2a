/**
 * The `ksnap` commands on format 1.1 files on disk, written through the real
 * encoder: inspect on the v1.1 vectors, and validate, gc, plan-restore and diff
 * on a checkpoint root whose stream-incremental handles keep shared state in
 * segments of physical files under `shared/` (test/fixtures/validate/stream-root.ts).
 */
import t, { type Test } from "tap";
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeFile } from "../src/codec.js";
import { KsnapError } from "../src/errors.js";
import { refusesGc } from "../src/gc/gc-refusals.js";
import { xxh64 } from "../src/hash/xxh64.js";
import type { SharedStreamRef, StreamIncrementalHandle } from "../src/model.js";
import { writeMetadata, tempRoot } from "./fixtures/validate/snapshot-tree.js";
import { EXTERNAL_URI, streamRoot, type StreamRootOptions } from "./fixtures/validate/stream-root.js";
import { files } from "./gc-fixtures.js";
import { VECTORS } from "./helpers.js";
import { runCli as ksnap } from "./run-cli.js";

const v11 = (name: string) => join(VECTORS, "v1.1", "valid", name);

/** The stream root on disk, files 10 days old (older than gc's default grace period). */
function root(t: Test, opts: StreamRootOptions = {}): { dir: string; snapshots: ReturnType<typeof streamRoot>["snapshots"] } {
  const dir = tempRoot(t, "ksnap-cli11-");
  const { spec, snapshots } = streamRoot(opts);
  spec.write(dir);
  return { dir, snapshots };
}

const streamHandleOf = (s: ReturnType<typeof streamRoot>["snapshots"][number]) => s.operators[1]!.subtasks[0]!.handles[0] as StreamIncrementalHandle;

t.test("inspect: local names, stream kinds, operator, channel, coordinator and master state, finished markers, source", async (t) => {
  const expect: [string, RegExp[]][] = [
    ["local-names", [/KSNAP 1\.1, checkpoint 5/, /local names \(4 of 4\): 000001\.sst, 000002\.sst, 000003\.log, MANIFEST-000005/]],
    ["stream-incremental-every-target", [
      /3 segment ref\(s\) 5\.0 KiB \(5120 bytes\), 2 inline ref\(s\) 28 B, 1 external ref\(s\) 4\.0 KiB/,
      /stream-incremental: key groups 0-127 \(128\), checkpoint 12 on 11, backend b-merged/,
      /shared: 5 stream\(s\), .* \(1 file, 2 segments, 1 inline, 1 external\) \(2 uploaded by this checkpoint, 3 reused\)/,
      /private: 2 stream\(s\), 900 B stored \(1 file, 1 segment\)/,
      /meta: inline 12 B, local name MANIFEST-000008/,
    ]],
    ["operator-state-modes", [
      /managed operator state: file chk-9\/op-state-0 \(300 B\), 3 state\(s\)/,
      /"broadcast-rules": broadcast, 1 partition\(s\)/, /"source-splits": split-distribute, 3 partition\(s\)/, /"union-offsets": union, 2 partition\(s\)/,
      /raw operator state: inline 18 B, 1 state\(s\)/,
    ]],
    ["finished-markers", [/operator a0b1c2d3e4f5061728394a5b6c7d8e9f "bounded source", .*FINISHED \(no state\)/, /subtask 1: FINISHED \(no state\)/]],
    ["master-and-coordinator-state", [/master state "hook-a": version 3, 0 B payload/, /master state "hook-b": version -1, 34 B payload/, /coordinator state: inline 22 B/]],
    ["opaque-keyed-and-channel", [
      /opaque apache-flink\/changelog: key groups 0-127 \(128\), payload 38 B/, /channel state: 3 handle\(s\)/,
      /apache-flink\/result-subpartition: 1 stream\(s\), 0 B stored \(1 inline\), payload 5 B/,
    ]],
    ["key-groups-stream", [/raw keyed state \(restored by user code\): 1 handle\(s\)/, /data format apache-flink\/raw-keyed/]],
    ["operator-max-parallelism", [/own max parallelism 256/, /savepoint: key groups 0-255 \(256\)/]],
    ["ignorable-only", [/source: apache-flink metadata version 5, checkpoint 3/, /"Map" \(uid "my-map-uid"\)/]],
  ];
  for (const [name, patterns] of expect) {
    const r = await ksnap("inspect", v11(`${name}.ksnap`));
    t.equal(r.status, 0, `${name}: ${r.stderr}`);
    t.equal(r.stderr, "");
    for (const p of patterns) t.match(r.stdout, p, `${name}: ${p}`);
  }
});

t.test("inspect --json prints the JSON form of every v1.1 vector", async (t) => {
  const names = readdirSync(join(VECTORS, "v1.1", "valid")).filter((f) => f.endsWith(".ksnap"));
  t.ok(names.length >= 10, "the v1.1 vectors are there");
  for (const name of names) {
    const r = await ksnap("inspect", "--json", v11(name));
    t.equal(r.status, 0, `${name}: ${r.stderr}`);
    t.equal(r.stdout, readFileSync(v11(name.replace(/\.ksnap$/, ".json")), "utf8"), name);
  }
});

t.test("validate a 1.1 checkpoint root: clean is exit 0, also with --strict and --json", async (t) => {
  const { dir } = root(t);
  const r = await ksnap("validate", dir);
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.equal(r.stdout, "validated 3 snapshots, 23 files checked on storage: no findings\n");
  t.equal((await ksnap("validate", "--strict", dir)).status, 0);
  const json = await ksnap("validate", "--json", dir);
  t.strictSame(JSON.parse(json.stdout).summary, { snapshots: 3, filesChecked: 23, errors: 0, warnings: 0 });
});

t.test("validate: a truncated physical file of segments is KS-E108, in text and in --json, exit 1", async (t) => {
  const { dir } = root(t);
  const pack = join(dir, "shared", "pack-1.bin");
  truncateSync(pack, statSync(pack).size - 5);
  const r = await ksnap("validate", dir);
  t.equal(r.status, 1);
  // Segment B [26, 52), in checkpoints 2 and 3, is reported once at its first ref; segment A [0, 26) is still whole.
  t.match(r.stdout, /chk-2\/_metadata\.ksnap:\n\s+error\s+KS-E108\s+operators\[1\]\.subtasks\[0\]\.handles\[0\]\.streamIncremental\.sharedFiles\[1\]: segment \[26, 52\) of "shared\/pack-1\.bin" \(2 refs\) reaches past the end of its physical file, which is 47 bytes/);
  t.notMatch(r.stdout, /segment \[0, 26\)/, "the segment inside the file is fine");
  const json = await ksnap("validate", "--json", dir);
  t.equal(json.status, 1);
  const found = (JSON.parse(json.stdout).findings as { rule: string; location: { path?: string; file?: string } }[]).filter((f) => f.rule === "KS-E108");
  t.strictSame(found.map((f) => [f.location.file!.slice(dir.length + 1), f.location.path]), [["chk-2/_metadata.ksnap", "shared/pack-1.bin"]]);
});

t.test("validate: an external ref is KS-W099, exit 0; --strict fails on it, as the file was not checked", async (t) => {
  const { dir } = root(t, { external: true });
  const r = await ksnap("validate", dir);
  t.equal(r.status, 0, r.stdout);
  t.match(r.stdout, new RegExp(`warning KS-W099  operators\\[1\\]\\.coordinatorState: external file "${EXTERNAL_URI}" is outside the snapshot root and was not checked`));
  t.match(r.stdout, /0 errors, 1 warning\n$/);
  const strict = await ksnap("validate", "--strict", "--json", dir);
  t.equal(strict.status, 1, "KS-W099 is not exempt under --strict: nothing vouches for the external file");
  t.strictSame(JSON.parse(strict.stdout).findings.map((f: { rule: string }) => f.rule), ["KS-W099"]);
});

t.test("gc on a 1.1 history: a physical file stays while a retained checkpoint holds a segment of it, and goes when none does", async (t) => {
  const { dir } = root(t, { fourth: true, external: true });
  const pack1 = join(dir, "shared", "pack-1.bin");
  // Retain 3 and 4: checkpoint 3 still holds segment B of pack-1.bin, which checkpoint 1 started and 2 appended to.
  const before = files(dir);
  const dry = await ksnap("gc", "--retain", "2", dir);
  t.equal(dry.status, 0, dry.stderr);
  t.match(dry.stdout, /keeping the latest 2: 3, 4/);
  t.notMatch(dry.stdout, /pack-1\.bin/, "not planned");
  t.match(dry.stdout, /chk-1\/op-stream\/MANIFEST/, "the subsumed checkpoints' exclusive files are");
  t.strictSame(files(dir), before, "a dry run deletes nothing");
  const applied = await ksnap("gc", "--retain", "2", "--apply", dir);
  t.equal(applied.status, 0, applied.stderr);
  t.ok(existsSync(pack1), "pack-1.bin kept");
  t.notOk(existsSync(join(dir, "chk-2")), "checkpoint 2 is gone");
  t.equal((await ksnap("validate", dir)).status, 0, "what is left still validates");
  // Retain 4 only: no retained checkpoint holds a segment of pack-1.bin any more.
  const json = await ksnap("gc", "--retain", "1", "--json", dir);
  t.equal(json.status, 0, json.stderr);
  const plan = JSON.parse(json.stdout) as { files: { path: string; id: string; size: string }[]; deleted: unknown };
  t.strictSame(plan.files.find((f) => f.path === "shared/pack-1.bin"), { path: "shared/pack-1.bin", id: "pack-1", size: String(statSync(pack1).size) },
    "planned with its size on storage, not 0");
  t.notOk(plan.files.some((f) => f.path.includes("pack-3") || f.path.includes(EXTERNAL_URI)), "pack-3.bin (checkpoint 4 holds C) and the external file are not planned");
  t.ok(existsSync(pack1), "--json alone is a dry run");
  const last = await ksnap("gc", "--retain", "1", "--apply", dir);
  t.equal(last.status, 0, last.stderr);
  t.notOk(existsSync(pack1), "pack-1.bin deleted");
  t.ok(existsSync(join(dir, "shared", "pack-3.bin")), "pack-3.bin kept");
  t.strictSame(readdirSync(dir).sort(), ["chk-4", "shared"]);
  t.equal((await ksnap("validate", dir)).status, 0, "checkpoint 4 still validates");
});

t.test("gc on a 1.1 history refuses on a truncated physical file (KS-E108) and on one that is also a whole file (KS-E095)", async (t) => {
  const truncated = root(t, { fourth: true }).dir;
  truncateSync(join(truncated, "shared", "pack-3.bin"), 3);
  const cases: [string, string, RegExp][] = [[truncated, "truncated", /KS-E108 at .*: segment \[0, 40\) of "shared\/pack-3\.bin" \(2 refs\) reaches past the end/]];
  const both = root(t, { fourth: true });
  const fourth = both.snapshots[3]!;
  cases.push([both.dir, "whole and segmented", /chk-4\/_metadata\.ksnap: KS-E095 at operators\[0\]\.subtasks\[0\]\.managedOperatorState\.stream: path "shared\/pack-1\.bin" is a whole file here, but a segment.s physical file/]);
  // Checkpoint 4 names pack-1.bin as a whole file of its operator state.
  const pack = readFileSync(join(both.dir, "shared", "pack-1.bin"));
  fourth.operators[0]!.subtasks[0]!.managedOperatorState = {
    stream: { type: "file", id: "pack-1", path: "shared/pack-1.bin", size: BigInt(pack.length), xxh64: xxh64(pack) },
    states: [{ name: "s", mode: "split-distribute", offsets: [0n] }],
  };
  writeMetadata(both.dir, fourth);
  for (const [dir, name, pattern] of cases) {
    const before = files(dir);
    const r = await ksnap("gc", "--retain", "1", "--apply", "--grace-period", "0", dir);
    t.equal(r.status, 1, name);
    t.match(r.stderr, pattern, name);
    t.match(r.stderr, /gc refused: \d+ problem\(s\) in the history under .*; nothing deleted\n$/, name);
    t.strictSame(files(dir), before, `${name}: nothing deleted`);
  }
});

t.test("gc does not refuse on overlapping segments (KS-E056), and keeps the physical file they share", async (t) => {
  const { dir, snapshots } = root(t, { fourth: true });
  // Checkpoint 4 also refers to pack-1.bin [30, 52), inside segment B [26, 52) of checkpoints 2 and 3.
  const fourth = snapshots[3]!;
  const h = streamHandleOf(fourth);
  const pack = readFileSync(join(dir, "shared", "pack-1.bin"));
  const overlap: SharedStreamRef = {
    type: "segment", id: "pack-1", path: "shared/pack-1.bin", offset: 30n, length: 22n, scope: "shared", xxh64: xxh64(pack.subarray(30, 52)), originCheckpointId: 4n,
  };
  h.sharedFiles.unshift(overlap);
  h.stateSize += 22n;
  h.checkpointedSize += 22n;
  writeMetadata(dir, fourth);
  const v = await ksnap("validate", "--json", dir);
  const rules = (JSON.parse(v.stdout).findings as { rule: string }[]).map((f) => f.rule);
  t.ok(rules.includes("KS-E056"), `KS-E056 reported: ${rules.join(", ")}`);
  t.notOk(rules.some(refusesGc), `no refusing rule: ${rules.join(", ")}`);
  const r = await ksnap("gc", "--retain", "1", "--apply", dir);
  t.equal(r.status, 0, r.stderr);
  t.ok(existsSync(join(dir, "shared", "pack-1.bin")), "checkpoint 4 holds a segment of pack-1.bin: kept");
  t.strictSame(readdirSync(dir).sort(), ["chk-4", "shared"]);
});

t.test("a 1.0 reader refuses a 1.1 history: every 1.1 file is UNKNOWN_REQUIRED_FEATURE, which validation reports as KS-E001, a gc refusal", async (t) => {
  // gc and validate have no reader-version option (they read as 1.1), so the 1.0 reader is checked on the files
  // themselves, and gc's refusal on an undecodable file with a required-feature bit it does not know on the history.
  const { dir } = root(t, { fourth: true });
  for (const id of [1, 2, 3, 4]) {
    const bytes = readFileSync(join(dir, `chk-${id}`, "_metadata.ksnap"));
    t.equal(decodeFile(bytes).snapshot.snapshotId, BigInt(id), `chk-${id}: a 1.1 reader reads it`);
    const e = (() => {
      try {
        decodeFile(bytes, { readerMinor: 0 });
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    t.ok(e instanceof KsnapError && e.code === "UNKNOWN_REQUIRED_FEATURE", `chk-${id}: a 1.0 reader refuses it (${String(e)})`);
  }
  t.ok(refusesGc("KS-E001"), "KS-E001 is a gc refusal");
  // A bit no reader of today knows, set in checkpoint 4: the same path through validation and gc.
  const file = join(dir, "chk-4", "_metadata.ksnap");
  const bytes = readFileSync(file);
  bytes[15] = bytes[15]! | 0x80;
  writeFileSync(file, bytes);
  const before = files(dir);
  const r = await ksnap("gc", "--retain", "1", "--apply", "--grace-period", "0", dir);
  t.equal(r.status, 1);
  t.match(r.stderr, /KS-E001: cannot be read or decoded: UNKNOWN_REQUIRED_FEATURE/);
  t.strictSame(files(dir), before, "nothing deleted");
});

t.test("plan-restore on a 1.1 checkpoint: operator state, stream reads, coordinator and channel state, in text and --json", async (t) => {
  const { dir } = root(t, { external: true });
  const r = await ksnap("plan-restore", join(dir, "chk-3"), "-p", "3");
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /channel state apache-flink\/input-channel of old subtask 1: 1 stream\(s\), 15 B; not planned/);
  t.match(r.stdout, /subtask 0: key groups 0-2 \(3\), 2 read\(s\)[^]*managed operator state of old subtask 0: file chk-3\/op-0\/opstate \(22 B\); keep "bcast" broadcast 1 partition\(s\), "splits" split-distribute 1 partition\(s\), 22 B/);
  t.match(r.stdout, /subtask 2: key groups 6-7 \(2\)[^]*managed operator state of old subtask 0: file chk-3\/op-0\/opstate \(22 B\); keep "bcast" broadcast 1 partition\(s\), 22 B/);
  t.match(r.stdout, new RegExp(`coordinator state: external ${EXTERNAL_URI} \\(32 B\\): restored whole, once, 32 B`));
  t.match(r.stdout, /stream-incremental handle 0 of old subtask 0 \(key groups 0-7 \(8\)\): keep 0-2 \(3\); .* 3 stream\(s\), 66 B/);
  const json = await ksnap("plan-restore", "--json", join(dir, "chk-3"), "-p", "3");
  t.equal(json.status, 0, json.stderr);
  const plan = JSON.parse(json.stdout);
  const [keyed, stream] = plan.operators;
  // Two split-distribute partitions over three subtasks: one each to subtasks 0 and 1; broadcast to all three.
  t.strictSame(keyed.subtasks.map((s: { managedOperatorState: { states: { name: string; offsets: string[] }[] }[] }) =>
    s.managedOperatorState.map((m) => m.states.map((x) => [x.name, x.offsets]))), [
    [[["bcast", ["16"]], ["splits", ["0"]]]],
    [[["bcast", ["16"]], ["splits", ["8"]]]],
    [[["bcast", ["16"]]]],
  ]);
  t.strictSame(stream.coordinatorState.stream, { type: "external", uri: EXTERNAL_URI, size: "32", xxh64: stream.coordinatorState.stream.xxh64 });
  const read = stream.subtasks[0].reads[0];
  t.equal(read.type, "stream-incremental");
  t.strictSame(read.streams.map((s: { type: string; path?: string; offset?: string; length?: string; localName?: string }) => [s.type, s.path, s.offset, s.length, s.localName]), [
    ["segment", "shared/pack-1.bin", "26", "26", "000002.sst"],
    ["segment", "shared/pack-3.bin", "0", "40", "000003.sst"],
    ["inline", undefined, undefined, undefined, "MANIFEST-000003"],
  ]);
  t.equal(read.bytes, "66", "inline bytes are in the metadata file: 0 fetched");
});

t.test("plan-restore: keyed opaque handles are UNSUPPORTED, exit 1, in text and --json", async (t) => {
  const file = v11("opaque-keyed-and-channel.ksnap");
  const r = await ksnap("plan-restore", file, "-p", "2");
  t.equal(r.status, 1);
  t.match(r.stdout, /UNSUPPORTED: opaque handle 0 of old subtask 0, kind apache-flink\/changelog \(key groups 0-127 \(128\)\): keep 0-63 \(64\)/);
  t.match(r.stdout, /UNSUPPORTED: .* keep 64-127 \(64\)/);
  const json = await ksnap("plan-restore", "--json", file, "-p", "2");
  t.equal(json.status, 1);
  t.strictSame(JSON.parse(json.stdout).operators[0].subtasks.map((s: { unsupported: { kind: string; keyGroups: unknown }[] }) => s.unsupported.map((u) => [u.kind, u.keyGroups])), [
    [["apache-flink/changelog", { start: 0, count: 64 }]],
    [["apache-flink/changelog", { start: 64, count: 64 }]],
  ]);
});

t.test("diff between two 1.1 checkpoints: segments, external and inline streams, operator and coordinator state", async (t) => {
  const { dir } = root(t, { external: true });
  const r = await ksnap("diff", join(dir, "chk-2"), join(dir, "chk-3"));
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /A: .*checkpoint 2, 8 file\(s\), 2 segment\(s\), 1 inline content\(s\), 458 B/);
  t.match(r.stdout, /B: .*checkpoint 3, 12 file\(s\), 2 segment\(s\), 1 external file\(s\), 1 inline content\(s\), 821 B/);
  t.match(r.stdout, /segments: added 1 file\(s\), 40 B, reused 1 file\(s\), 26 B, dropped 1 file\(s\), 26 B/);
  t.match(r.stdout, /external files: added 1 file\(s\), 32 B, reused 0 file\(s\), 0 B, dropped 0 file\(s\), 0 B/);
  t.match(r.stdout, /inline contents: added 1 \(24 B\), reused 0 \(0 B\), dropped 1 \(10 B\)/);
  t.match(r.stdout, /managed operator state "splits" added: absent in A, split-distribute, 2 partition\(s\) in B/);
  t.match(r.stdout, /operator op-stream "merged"\n\s+coordinator state: added\n\s+subtask 0: added 1 file\(s\), 40 B, reused 1 file\(s\), 26 B, dropped 1 file\(s\), 26 B/);
  const json = await ksnap("diff", "--json", join(dir, "chk-2"), join(dir, "chk-3"));
  t.equal(json.status, 0, json.stderr);
  const d = JSON.parse(json.stdout);
  const ranges = (xs: { id: string; offset: string; length: string }[]) => xs.map((x) => `${x.id}[${x.offset}+${x.length}]`);
  t.strictSame([ranges(d.segments.added), ranges(d.segments.reused), ranges(d.segments.dropped)], [["pack-3[0+40]"], ["pack-1[26+26]"], ["pack-1[0+26]"]],
    "segment A dropped, B reused, C added: ranges of one physical file are identities of their own");
  t.strictSame(d.external.added.map((x: { uri: string }) => x.uri), [EXTERNAL_URI]);
  t.strictSame(d.inline, { added: { streams: 1, bytes: "24" }, reused: { streams: 0, bytes: "0" }, dropped: { streams: 1, bytes: "10" } });
  t.equal(d.uploadedBytes, "445", "added files 373 B + segment C 40 B + the external file 32 B");
  t.strictSame(d.changed, []);
});

t.test("diff: a segment whose hash changed between two 1.1 checkpoints is changed content, exit 1", async (t) => {
  const { dir, snapshots } = root(t);
  const third = snapshots[2]!;
  const b = streamHandleOf(third).sharedFiles[0]!;
  t.equal(b.type === "segment" ? b.offset : -1n, 26n, "segment B");
  if (b.type === "segment") b.xxh64 ^= 1n;
  writeMetadata(dir, third);
  const r = await ksnap("diff", join(dir, "chk-2"), join(dir, "chk-3"));
  t.equal(r.status, 1);
  t.match(r.stdout, /ERROR/);
  t.match(r.stdout, /pack-1/);
});
