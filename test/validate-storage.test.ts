/**
 * Storage rules of `validateStorage` on real trees in a temp folder: missing,
 * special, resized, changed and unreadable files, symbolic links out of the
 * root, deduplication, bounded memory and progress.
 */
import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import { cpSync, linkSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createXxh64 } from "../src/hash/xxh64.js";
import type { IncrementalHandle, Snapshot } from "../src/model.js";
import { readSnapshot, type LocatedSnapshot } from "../src/storage/snapshot-root.js";
import type { Finding } from "../src/validate/finding.js";
import { RULES } from "../src/validate/rules.js";
import { forEachLimited } from "../src/validate/run-limited.js";
import { type StorageProgress, validateStorage } from "../src/validate/validate-storage.js";
import { validateLocated, validatePath, validateTree } from "../src/validate/validate-path.js";
import { loadAnyTree } from "../src/flink/load-any-tree.js";
import { writeFlinkJobDir } from "./flink-writer/job-dir.js";
import { randomFlinkHistory } from "./flink-writer/random-history.js";
import { eachFile, eachRootRef } from "../src/snapshot-walk.js";
import type { LocatedInput } from "../src/validate/located-input.js";
import { checkpointV11, writeFiles } from "./fixtures/validate/snapshot-v11.js";
import { oneAtATime } from "./fixtures/one-at-a-time-storage.js";
import { checkpointChain, savepoint, tempRoot, TreeSpec, writeMetadata } from "./fixtures/validate/snapshot-tree.js";

/** Writes a valid chain 1, 2, 3 (two subtasks) under a new root; `edit` may change refs first. */
async function chainOnDisk(t: Test, edit: (s: Snapshot[]) => void = () => {}): Promise<{ root: string; located: LocatedSnapshot[]; spec: TreeSpec }> {
  const root = tempRoot(t);
  const spec = new TreeSpec();
  edit(checkpointChain(spec, { ids: [1n, 2n, 3n] }));
  const located = await Promise.all(spec.write(root).map((m) => readSnapshot(m)));
  return { root, located, spec };
}

const handle = (s: LocatedSnapshot, st = 0): IncrementalHandle => s.snapshot.operators[0]!.subtasks[st]!.handles[0] as IncrementalHandle;
const summary = (fs: Finding[]): string[] => fs.map((f) => `${f.rule} ${f.location.path}`);
const covered = new Set<string>();
const only = (t: Test, findings: Finding[], rule: string, path: string): Finding => {
  t.strictSame(summary(findings), [`${rule} ${path}`]);
  covered.add(rule);
  return findings[0]!;
};

t.test("a valid chain: no finding, each distinct file read once", async (t) => {
  const { located, spec } = await chainOnDisk(t);
  const seen: StorageProgress[] = [];
  const r = await validateStorage(located, { onProgress: (p) => seen.push(p) });
  t.strictSame(r.findings, []);
  t.equal(r.filesChecked, spec.files.size, "18 distinct files behind 24 refs");
  const last = seen.at(-1)!;
  t.equal(last.filesDone, last.filesTotal);
  t.equal(last.filesTotal, 18);
  const distinctBytes = [...spec.files.values()].reduce((n, b) => n + b.length, 0);
  t.equal(last.bytesRead, distinctBytes, "shared files referenced by several checkpoints are hashed once");
  t.ok(seen.every((p, i) => i === 0 || (p.filesDone >= seen[i - 1]!.filesDone && p.bytesRead >= seen[i - 1]!.bytesRead)), "progress never goes back");
});

t.test("one located snapshot alone is accepted too", async (t) => {
  const { located } = await chainOnDisk(t);
  t.strictSame((await validateStorage(located[0]!)).findings, []);
});

t.test("KS-E100: a missing shared file is reported once, at its first ref, with the ref count", async (t) => {
  const { root, located } = await chainOnDisk(t);
  rmSync(join(root, "shared", "b0-000001.sst"));
  const f = only(t, (await validateStorage(located)).findings, "KS-E100", "shared/b0-000001.sst");
  t.equal(f.location.file, located[0]!.metadataPath);
  t.equal(f.location.field, "operators[0].subtasks[0].handles[0].incremental.sharedFiles[0]");
  t.match(f.message, /"shared\/b0-000001\.sst" \(3 refs\) does not exist/);
});

t.test("KS-E100: a path through a file; KS-E094: a dangling symbolic link is a link, never followed", async (t) => {
  const { root, located } = await chainOnDisk(t);
  rmSync(join(root, "chk-1", "op-0", "MANIFEST"));
  symlinkSync(join(root, "nowhere"), join(root, "chk-1", "op-0", "MANIFEST"));
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-E094", "chk-1/op-0/MANIFEST").message, /is a symbolic link \(a symbolic link to nothing \(dangling\)\)/);
  const h = handle(located[0]!, 1);
  h.metaFile.path = "chk-1/op-1/000001.log/MANIFEST";
  const f = (await validateStorage(located[0]!)).findings.find((x) => x.location.path === h.metaFile.path);
  t.match(f?.message, /a folder on its path is a file/);
  covered.add("KS-E100");
});

t.test("KS-E101: a folder and a FIFO are not read (and do not hang)", async (t) => {
  const { root, located } = await chainOnDisk(t);
  rmSync(join(root, "chk-1", "op-0", "000001.log"));
  mkdirSync(join(root, "chk-1", "op-0", "000001.log"));
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-E101", "chk-1/op-0/000001.log").message, /is a folder, not a regular file/);
  rmSync(join(root, "chk-1", "op-0", "000001.log"), { recursive: true });
  t.equal(spawnSync("mkfifo", [join(root, "chk-1", "op-0", "000001.log")]).status, 0, "mkfifo");
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-E101", "chk-1/op-0/000001.log").message, /is a FIFO/);
});

t.test("KS-E102: a truncated file; the hash is not computed", async (t) => {
  const { root, located } = await chainOnDisk(t);
  const sst = join(root, "shared", "b1-000003.sst");
  truncateSync(sst, 5);
  let bytes = 0;
  const r = await validateStorage(located[2]!, { onProgress: (p) => (bytes = p.bytesRead) });
  const f = only(t, r.findings, "KS-E102", "shared/b1-000003.sst");
  t.match(f.message, /is 5 bytes; its ref says 140$/);
  const others = readFileSync(join(root, "chk-3", "op-0", "MANIFEST")).length;
  t.ok(bytes > others, "other files were hashed");
});

t.test("KS-E103: same size, one byte changed", async (t) => {
  const { root, located } = await chainOnDisk(t);
  const path = join(root, "chk-2", "op-1", "000001.log");
  const bytes = readFileSync(path);
  bytes[0] = bytes[0]! ^ 1;
  writeFileSync(path, bytes);
  const f = only(t, (await validateStorage(located)).findings, "KS-E103", "chk-2/op-1/000001.log");
  t.match(f.message, /has xxh64 [0-9a-f]{16}; its ref says [0-9a-f]{16} \(same size, 15 bytes, different content\)$/);
});

t.test("KS-E094: a loop of symbolic links is a link, never followed", async (t) => {
  const { root, located } = await chainOnDisk(t);
  const a = join(root, "chk-1", "op-0", "MANIFEST");
  rmSync(a);
  symlinkSync(join(root, "chk-1", "op-0", "loop"), a);
  symlinkSync(a, join(root, "chk-1", "op-0", "loop"));
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-E094", "chk-1/op-0/MANIFEST").message, /loop of symbolic links/);
});

t.test("KS-E104: storage cannot resolve the path (a name too long for the file system)", async (t) => {
  const { located } = await chainOnDisk(t);
  handle(located[0]!).metaFile.path = `chk-1/op-0/${"m".repeat(300)}`;
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-E104", `chk-1/op-0/${"m".repeat(300)}`).message, /cannot be resolved/);
});

t.test("KS-W105: no recorded xxh64: size checked, content not", async (t) => {
  const { located } = await chainOnDisk(t);
  handle(located[0]!).metaFile.xxh64 = 0n;
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-W105", "chk-1/op-0/MANIFEST").message, /no recorded xxh64 \(0\)/);
  handle(located[0]!).metaFile.size = 1n;
  only(t, (await validateStorage(located[0]!)).findings, "KS-E102", "chk-1/op-0/MANIFEST");
});

t.test("two refs of one path that disagree are both checked against one read", async (t) => {
  const { located } = await chainOnDisk(t);
  handle(located[2]!).sharedFiles[0]!.size = 1n;
  const r = await validateStorage(located);
  t.strictSame(summary(r.findings), ["KS-E102 shared/b0-000001.sst"]);
  t.equal(r.findings[0]!.location.file, located[2]!.metadataPath, "located at the ref that is wrong");
  t.equal(r.filesChecked, 18);
});

t.test("KS-E091: links out of the root are not followed, nor links inside (KS-E094)", async (t) => {
  const { root, located, spec } = await chainOnDisk(t);
  const outside = tempRoot(t, "ksnap-outside-");
  // The escaping target has the right content, so only the escape can be reported.
  writeFileSync(join(outside, "MANIFEST"), readFileSync(join(root, "chk-1", "op-0", "MANIFEST")));
  rmSync(join(root, "chk-1", "op-0", "MANIFEST"));
  symlinkSync(join(outside, "MANIFEST"), join(root, "chk-1", "op-0", "MANIFEST"));
  let bytes = 0;
  const r = await validateStorage(located[0]!, { onProgress: (p) => (bytes = p.bytesRead) });
  t.match(only(t, r.findings, "KS-E091", "chk-1/op-0/MANIFEST").message, /outside the snapshot root .*not read/);
  const manifest = readFileSync(join(outside, "MANIFEST")).length;
  const chk1Paths = new Set([...eachFile(located[0]!.snapshot)].map((f) => f.ref.path));
  const expected = [...chk1Paths].reduce((n, p) => n + spec.files.get(p)!.length, 0) - manifest;
  t.equal(bytes, expected, "the escaping file was not read");

  // A whole folder linked out of the root.
  const shared = join(outside, "shared");
  mkdirSync(shared);
  for (const name of ["b0-000001.sst", "b1-000001.sst"]) writeFileSync(join(shared, name), readFileSync(join(root, "shared", name)));
  rmSync(join(root, "shared"), { recursive: true });
  symlinkSync(shared, join(root, "shared"));
  t.strictSame(summary((await validateStorage(located[0]!)).findings).sort(),
    ["KS-E091 chk-1/op-0/MANIFEST", "KS-E091 shared/b0-000001.sst", "KS-E091 shared/b1-000001.sst"]);

  // A link that stays inside the root is not followed either (KS-E094), and is not read.
  rmSync(join(root, "chk-1", "op-0", "MANIFEST"));
  writeFileSync(join(root, "chk-1", "real-manifest"), readFileSync(join(outside, "MANIFEST")));
  symlinkSync("../real-manifest", join(root, "chk-1", "op-0", "MANIFEST"));
  rmSync(join(root, "shared"));
  mkdirSync(join(root, "shared"));
  for (const name of ["b0-000001.sst", "b1-000001.sst"]) writeFileSync(join(root, "shared", name), readFileSync(join(shared, name)));
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-E094", "chk-1/op-0/MANIFEST").message,
    /is a symbolic link \(leads to .*real-manifest\); ksnap never follows a link inside a snapshot root/);
});

t.test("KS-E094: a folder on the path that is a link inside the root (alias → shared)", async (t) => {
  const { root, located } = await chainOnDisk(t);
  symlinkSync("shared", join(root, "alias"));
  handle(located[0]!).sharedFiles[0]!.path = "alias/b0-000001.sst";
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-E094", "alias/b0-000001.sst").message, /passes through the symbolic link "alias"/);
});

t.test("KS-E093: two paths of one physical file, by a hard link or a link inside the root", async (t) => {
  const { root, located } = await chainOnDisk(t);
  // chk-1's two meta files become one file under two names.
  rmSync(join(root, "chk-1", "op-1", "MANIFEST"));
  linkSync(join(root, "chk-1", "op-0", "MANIFEST"), join(root, "chk-1", "op-1", "MANIFEST"));
  handle(located[0]!, 1).metaFile.size = handle(located[0]!).metaFile.size;
  handle(located[0]!, 1).metaFile.xxh64 = handle(located[0]!).metaFile.xxh64;
  t.match(only(t, (await validateStorage(located[0]!)).findings, "KS-E093", "chk-1/op-1/MANIFEST").message,
    /is the same physical file as "chk-1\/op-0\/MANIFEST" \(device and inode \d+:\d+\)/);
  // As a symbolic link inside the root: the link is KS-E094, and its target is still one file with two names.
  rmSync(join(root, "chk-1", "op-1", "MANIFEST"));
  symlinkSync("../op-0/MANIFEST", join(root, "chk-1", "op-1", "MANIFEST"));
  t.strictSame(summary((await validateStorage(located[0]!)).findings), ["KS-E094 chk-1/op-1/MANIFEST", "KS-E093 chk-1/op-1/MANIFEST"]);
});

t.test("sizes only: no hash is computed, a changed content goes unseen, a size still counts", async (t) => {
  const { root, located } = await chainOnDisk(t);
  const path = join(root, "chk-2", "op-1", "000001.log");
  const bytes = readFileSync(path);
  bytes[0] = bytes[0]! ^ 1;
  writeFileSync(path, bytes);
  handle(located[0]!).metaFile.xxh64 = 0n;
  let read = 0;
  t.strictSame((await validateStorage(located, { hashes: false, onProgress: (p) => (read = p.bytesRead) })).findings, []);
  t.equal(read, 0, "nothing was read");
  truncateSync(path, 3);
  t.strictSame(summary((await validateStorage(located, { hashes: false })).findings), ["KS-E102 chk-2/op-1/000001.log"]);
});

t.test("unsafe paths are never resolved", async (t) => {
  const { root, located } = await chainOnDisk(t);
  writeFileSync(join(root, "..", "escape.bin"), "x");
  t.teardown(() => rmSync(join(root, "..", "escape.bin"), { force: true }));
  handle(located[0]!).metaFile.path = "../escape.bin";
  const r = await validateStorage(located[0]!);
  t.strictSame(r.findings, [], "KS-E090 is validateSnapshot's; storage skips the path");
  t.equal(r.filesChecked, 5);
});

t.test("savepoint data files are checked too", async (t) => {
  const root = tempRoot(t);
  const spec = new TreeSpec();
  savepoint(spec, { parallelism: 3 });
  const [meta] = spec.write(root);
  rmSync(join(root, "op-a-1.bin"));
  only(t, (await validateStorage(await readSnapshot(meta!))).findings, "KS-E100", "op-a-1.bin");
});

t.test("small chunks and one worker give the same result as the defaults", async (t) => {
  const { root, located } = await chainOnDisk(t);
  writeFileSync(join(root, "chk-3", "op-1", "MANIFEST"), "manifest b1 X");
  const a = await validateStorage(located);
  const b = await validateStorage(located, { concurrency: 1, chunkBytes: 3 });
  t.equal(a.findings.length, 1);
  t.strictSame(b, a);
});

t.test("at most `limit` items are in flight", async (t) => {
  let inFlight = 0;
  let peak = 0;
  const done: number[] = [];
  await forEachLimited(Array.from({ length: 20 }, (_, i) => i), 4, async (item, index, slot) => {
    t.ok(slot >= 0 && slot < 4);
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, (item * 7) % 5));
    inFlight--;
    done.push(index);
  });
  t.equal(peak, 4);
  t.strictSame(done.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
});

// 256 MiB, four times the bound on growth: a file read whole would still break the bound, and hashing it takes a
// quarter of the seconds 1 GiB took (the suite's time is in the README, next to `npm test`).
t.test("memory does not grow with the file size (256 MiB sparse file)", async (t) => {
  const root = tempRoot(t);
  const spec = new TreeSpec();
  const s = savepoint(spec, { parallelism: 1, maxParallelism: 1 });
  spec.write(root);
  const size = 256 * 1024 * 1024;
  const data = join(root, "op-a-0.bin");
  writeFileSync(data, "");
  truncateSync(data, size);
  const zeros = new Uint8Array(1 << 20);
  const h = createXxh64();
  for (let i = 0; i < size / zeros.length; i++) h.update(zeros);
  const ref = s.operators[0]!.subtasks[0]!.handles[0]!;
  if (ref.type !== "savepoint") throw new Error("the fixture holds a savepoint handle");
  ref.dataFile.size = BigInt(size);
  ref.dataFile.xxh64 = h.digest();
  ref.offsets = [0n];
  const located = await readSnapshot(writeMetadata(root, s));
  // RSS is sampled while the file is read: reading it whole would add 256 MiB. The local storage hashes a large file
  // on this thread, as any storage without worker threads does.
  for (const [how, store, boundMiB] of [["by the local storage", undefined, 64], ["one file at a time", oneAtATime(), 64]] as const) {
    const before = process.memoryUsage.rss();
    let peak = before;
    let samples = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
      samples++;
    }, 5);
    const r = await validateStorage(located, store === undefined ? {} : { store }).finally(() => clearInterval(sampler));
    t.strictSame(r.findings.map((f) => f.rule), ["KS-E107"], "size and hash of 256 MiB match; zeros are no savepoint data file");
    t.ok(samples >= 10, `RSS sampled during the read (${samples} samples)`);
    const grownMiB = (peak - before) / (1 << 20);
    t.ok(grownMiB < boundMiB, `RSS grew by ${grownMiB.toFixed(1)} MiB while 256 MiB were hashed ${how}`);
  }
});

t.test("KS-W106: a temporary file an interrupted write left is reported", async (t) => {
  const { root } = await chainOnDisk(t);
  writeFileSync(join(root, "chk-3", ".MANIFEST.0123456789ab.ksnap-tmp"), "half");
  const r = await validatePath(root);
  t.strictSame(r.findings.map((f) => `${f.rule} ${f.location.path}`), ["KS-W106 chk-3/.MANIFEST.0123456789ab.ksnap-tmp"]);
  t.match(r.findings[0]!.message, /temporary file of an interrupted write; gc deletes it once it is older than the grace period/);
  covered.add("KS-W106");
});

t.test("KS-E107: a savepoint handle's offsets or key groups differ from its data file's index and header", async (t) => {
  const root = tempRoot(t);
  const spec = new TreeSpec();
  const s = savepoint(spec, { parallelism: 2, maxParallelism: 8 });
  spec.write(root);
  const valid = await validateStorage(await readSnapshot(writeMetadata(root, s)));
  t.strictSame(valid.findings, [], "the writer's offsets are the index: no finding");
  const first = s.operators[0]!.subtasks[0]!.handles[0]!;
  const second = s.operators[0]!.subtasks[1]!.handles[0]!;
  if (first.type !== "savepoint" || second.type !== "savepoint") throw new Error("the fixture holds savepoint handles");
  // Still strictly increasing and inside the file, so only the data file can tell.
  first.offsets[1] = first.offsets[1]! + 1n;
  first.offsets[2] = first.offsets[2]! + 1n;
  second.keyGroups = { start: second.keyGroups.start + 1, count: second.keyGroups.count - 1 };
  second.offsets = second.offsets.slice(1);
  const r = await validateStorage(await readSnapshot(writeMetadata(root, s)));
  t.strictSame(r.findings.map((f) => `${f.rule} ${f.location.field}`), [
    "KS-E107 operators[0].subtasks[0].handles[0].savepoint.offsets[1]",
    "KS-E107 operators[0].subtasks[1].handles[0].savepoint.keyGroups",
  ]);
  t.match(r.findings[0]!.message, /offsets\[1\] = \d+, but the index of data file "op-a-0\.bin" says key group 1 begins at \d+ \(2 such offsets\)/);
  t.match(r.findings[1]!.message, /holds key groups start 4, count 4; the handle says start 5, count 3/);
  const sizesOnly = await validateStorage(await readSnapshot(writeMetadata(root, s)), { hashes: false });
  t.strictSame(sizesOnly.findings, [], "checking sizes only reads no file");
  covered.add("KS-E107");
});

/** Checkpoint 3 with every 1.1 structure, as a model, its files written under a new root. */
function v11OnDisk(t: Test, edit: (s: Snapshot) => void = () => {}): { root: string; located: LocatedInput } {
  const root = tempRoot(t);
  const spec = new TreeSpec();
  const snapshot = checkpointV11(spec);
  edit(snapshot);
  writeFiles(spec, root);
  return { root, located: { snapshot, root, metadataPath: join(root, "chk-3", "_metadata.ksnap") } };
}
const MERGED = "shared/merged-3.bin";
const SEG = "operators[1].subtasks[0].handles[0].streamIncremental";

t.test("1.1: whole files wherever they sit and the physical file of segments are checked; valid, no finding", async (t) => {
  const { located } = v11OnDisk(t);
  const seen: StorageProgress[] = [];
  const r = await validateStorage(located, { onProgress: (p) => seen.push(p) });
  t.strictSame(summary(r.findings), []);
  const paths = new Set([...eachRootRef(located.snapshot)].map((f) => f.ref.path));
  t.ok(paths.has("chk-3/op-0/opstate") && paths.has("chk-3/op-1/channel") && paths.has(MERGED));
  t.equal(r.filesChecked, paths.size, "the physical file of three segments is one file");
  t.equal(seen.at(-1)!.bytesRead, seen.at(-1)!.bytesTotal, "every segment with a hash is read, and only its bytes");
});

t.test("KS-E108: segments past the end of a truncated physical file; the segment inside is still hashed", async (t) => {
  const { root, located } = v11OnDisk(t);
  truncateSync(join(root, ...MERGED.split("/")), 10);
  const r = await validateStorage(located);
  t.strictSame(summary(r.findings), [`KS-E108 ${MERGED}`, `KS-E108 ${MERGED}`]);
  t.strictSame(r.findings.map((f) => f.location.field), [`${SEG}.sharedFiles[1]`, `${SEG}.privateFiles[0]`]);
  t.match(r.findings[0]!.message, /^segment \[9, 17\) of "shared\/merged-3\.bin" reaches past the end of its physical file, which is 10 bytes$/);
  const sizesOnly = await validateStorage(located, { hashes: false });
  t.strictSame(summary(sizesOnly.findings), [`KS-E108 ${MERGED}`, `KS-E108 ${MERGED}`], "found without hashes too: gc sees it");
  covered.add("KS-E108");
});

t.test("KS-E109: one changed byte inside a segment is reported at that segment only", async (t) => {
  const { root, located } = v11OnDisk(t);
  const abs = join(root, ...MERGED.split("/"));
  const bytes = readFileSync(abs);
  bytes[10] = 0x21;
  writeFileSync(abs, bytes);
  const f = only(t, (await validateStorage(located)).findings, "KS-E109", MERGED);
  t.equal(f.location.field, `${SEG}.sharedFiles[1]`);
  t.match(f.message, /^segment \[9, 17\) of "shared\/merged-3\.bin" has xxh64 [0-9a-f]{16}; its ref says [0-9a-f]{16} \(8 bytes, different content\)$/);
  t.strictSame((await validateStorage(located, { hashes: false })).findings, [], "sizes only: not read");
});

t.test("1.1: a segment without a hash is KS-W105; a missing physical file is one KS-E100 for all its segments", async (t) => {
  const { root, located } = v11OnDisk(t, (s) => {
    ((s.operators[1]!.subtasks[0]!.handles[0] as { privateFiles: { xxh64: bigint }[] }).privateFiles[0]!).xxh64 = 0n;
  });
  t.strictSame(summary((await validateStorage(located)).findings), [`KS-W105 ${MERGED}`]);
  rmSync(join(root, ...MERGED.split("/")));
  const f = only(t, (await validateStorage(located)).findings, "KS-E100", MERGED);
  t.match(f.message, /^file "shared\/merged-3\.bin" \(3 refs\) /);
});

t.test("KS-W099: an external ref is reported unchecked once per URI, never resolved", async (t) => {
  const ext = { type: "external" as const, uri: "s3://bucket/job/state", size: 5n, xxh64: 0n };
  const { located } = v11OnDisk(t, (s) => {
    s.operators[0]!.coordinatorState = ext;
    s.operators[1]!.coordinatorState = { ...ext };
  });
  const r = await validateStorage(located);
  t.strictSame(r.findings.map((f) => `${f.rule} ${f.location.field}`), ["KS-W099 operators[0].coordinatorState"]);
  t.match(r.findings[0]!.message, /^external file "s3:\/\/bucket\/job\/state" \(2 refs\) is outside the snapshot root and was not checked/);
  covered.add("KS-W099");
});

t.test("warnUnhashed: false checks sizes without a KS-W105 per file (converted Flink input)", async (t) => {
  const { located } = await chainOnDisk(t);
  handle(located[0]!).metaFile.xxh64 = 0n;
  t.strictSame((await validateStorage(located[0]!, { warnUnhashed: false })).findings, []);
  handle(located[0]!).metaFile.size = 1n;
  only(t, (await validateStorage(located[0]!, { warnUnhashed: false })).findings, "KS-E102", "chk-1/op-0/MANIFEST");
});

t.test("KS-W098: validateLocated with unreferencedBesides reports files of the snapshot's folder no ref names", async (t) => {
  const { root, located } = v11OnDisk(t);
  writeFileSync(join(root, "chk-3", "stray.bin"), "x");
  mkdirSync(join(root, "chk-3", "deeper"));
  writeFileSync(join(root, "chk-3", "deeper", "left"), "y");
  writeFileSync(join(root, "shared", "outside-the-folder"), "z");
  writeFileSync(join(root, "chk-3", "_metadata.ksnap"), "not read here");
  const r = await validateLocated(located, { unreferencedBesides: "_metadata.ksnap" });
  const w098 = r.findings.filter((f) => f.rule === "KS-W098");
  t.strictSame(w098.map((f) => f.location), [
    { file: located.metadataPath, path: "chk-3/deeper/left" },
    { file: located.metadataPath, path: "chk-3/stray.bin" },
  ]);
  t.match(w098[1]!.message, /^file "chk-3\/stray\.bin" in the snapshot's folder is referenced by no handle/);
  t.notOk((await validateLocated(located)).findings.some((f) => f.rule === "KS-W098"), "off unless asked");
  t.notOk((await validateLocated(located, { storage: false, unreferencedBesides: "_metadata.ksnap" })).findings.some((f) => f.rule === "KS-W098"),
    "not without storage");
  covered.add("KS-W098");
});

t.test("KS-E118: a Flink job directory read under another path than the one Flink wrote (test/flink-gc.test.ts: gc)", async (t) => {
  const root = tempRoot(t);
  const written = writeFlinkJobDir(join(root, "original"), randomFlinkHistory(7, { secondJob: false, checkpoints: 4, retain: 2, sharedStyle: "absolute" }));
  const job = written.jobs[0]!;
  const copy = join(root, "copy");
  cpSync(job.jobDir, copy, { recursive: true });
  const load = (jobUri?: string) => (p: string, s: Parameters<typeof loadAnyTree>[1]) => loadAnyTree(p, s, jobUri === undefined ? {} : { jobUri });
  const { result } = await validateTree(copy, { load: load() });
  const e118 = result.findings.filter((f) => f.rule === "KS-E118");
  t.ok(e118.length > 0);
  t.ok(e118.every((f) => f.location.path?.startsWith("shared/") && f.location.file?.startsWith(copy)));
  t.match(e118[0]!.message, /looks like "shared\/.*" of this job directory under another path/);
  t.strictSame((await validateTree(job.jobDir, { load: load() })).result.findings, [], "the original: no finding");
  t.strictSame((await validateTree(copy, { load: load(job.jobDir) })).result.findings, [], "the copy, told where Flink wrote it");
  covered.add("KS-E118");
});

t.test("every storage rule and KS-E091, KS-E093, KS-E094 is covered above", async (t) => {
  const expected = Object.entries(RULES).filter(([id, r]) => r.group === "storage" || ["KS-E091", "KS-E093", "KS-E094"].includes(id)).map(([id]) => id);
  t.strictSame([...covered].sort(), expected.sort());
});
