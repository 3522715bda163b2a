/**
 * `validatePath` end to end on trees in a temp folder: valid roots and
 * savepoints, hostile trees (truncated metadata, escaping links, missing and
 * changed files), misplaced metadata, and the load rules.
 */
import t, { type Test } from "tap";
import fc from "fast-check";
import { compareBigInts } from "../src/body/canonical-order.js";
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, relative } from "node:path";
import { decodeFile, encodeSnapshot } from "../src/codec.js";
import type { IncrementalHandle } from "../src/model.js";
import { validatePath } from "../src/validate/validate-path.js";
import { RULES } from "../src/validate/rules.js";
import type { Finding } from "../src/validate/finding.js";
import { checkpointChain, savepoint, tempRoot, TreeSpec } from "./fixtures/validate/snapshot-tree.js";

const brief = (root: string, fs: Finding[]): string[] =>
  fs.map((f) => `${f.rule} ${(f.location.file ?? "").replace(`${root}/`, "")}${f.location.path ? ` ${f.location.path}` : ""}`);

function chainRoot(t: Test, ids = [1n, 2n, 3n]): { root: string; spec: TreeSpec } {
  const root = tempRoot(t);
  const spec = new TreeSpec();
  checkpointChain(spec, { ids });
  spec.write(root);
  return { root, spec };
}

t.test("a valid checkpoint root with its history: no finding", async (t) => {
  const { root, spec } = chainRoot(t);
  const r = await validatePath(root);
  t.strictSame(r, { findings: [], summary: { snapshots: 3, filesChecked: spec.files.size, errors: 0, warnings: 0 } });
  t.strictSame((await validatePath(join(root, "chk-2"))).summary.snapshots, 1, "a snapshot folder");
  t.strictSame((await validatePath(join(root, "chk-2", "_metadata.ksnap"))).findings, [], "a metadata file");
});

t.test("property: any valid chain written to disk validates clean", async (t) => {
  await fc.assert(fc.asyncProperty(
    fc.uniqueArray(fc.bigInt({ min: 1n, max: 99n }), { minLength: 1, maxLength: 4 }).map((ids) => ids.sort(compareBigInts)),
    fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 3, max: 12 }),
    async (ids, parallelism, reuse, maxParallelism) => {
      const root = tempRoot(t);
      const spec = new TreeSpec();
      checkpointChain(spec, { ids, parallelism, reuse, maxParallelism });
      spec.write(root);
      const r = await validatePath(root);
      rmSync(root, { recursive: true, force: true });
      return r.findings.length === 0 && r.summary.filesChecked === spec.files.size;
    },
  ), { numRuns: 15 });
  t.pass("15 chains on disk");
});

t.test("savepoints: each folder is its own root, with no history between them", async (t) => {
  const dir = tempRoot(t);
  for (const [name, id] of [["sp-a", 7n], ["sp-b", 7n]] as const) {
    const spec = new TreeSpec();
    savepoint(spec, { id, parallelism: 3 });
    spec.write(join(dir, name));
  }
  const r = await validatePath(dir);
  t.strictSame(r.findings, [], "same ids in two roots are not duplicates");
  t.equal(r.summary.snapshots, 2);
  t.equal(r.summary.filesChecked, 6);
});

t.test("a hostile tree gives findings, never an exception", async (t) => {
  const { root } = chainRoot(t, [1n, 2n, 3n, 4n]);
  const outside = tempRoot(t, "ksnap-outside-");
  // chk-2: truncated metadata. chk-9: not KSNAP at all. chk-5: metadata that is a FIFO.
  const m2 = join(root, "chk-2", "_metadata.ksnap");
  writeFileSync(m2, readFileSync(m2).subarray(0, 40));
  mkdirSync(join(root, "chk-9"));
  writeFileSync(join(root, "chk-9", "_metadata.ksnap"), "PK\x03\x04 this is a zip");
  mkdirSync(join(root, "chk-5"));
  t.equal(spawnSync("mkfifo", [join(root, "chk-5", "_metadata.ksnap")]).status, 0);
  // chk-6: a metadata file linked from outside the root.
  copyFileSync(join(root, "chk-4", "_metadata.ksnap"), join(outside, "_metadata.ksnap"));
  mkdirSync(join(root, "chk-6"));
  symlinkSync(join(outside, "_metadata.ksnap"), join(root, "chk-6", "_metadata.ksnap"));
  // chk-3: a missing private file, a changed meta file, a link out of the root.
  rmSync(join(root, "chk-3", "op-0", "000001.log"));
  const manifest = join(root, "chk-3", "op-1", "MANIFEST");
  writeFileSync(manifest, readFileSync(manifest).map((b, i) => (i === 0 ? b ^ 0x20 : b)));
  renameSync(join(root, "chk-3", "op-0", "MANIFEST"), join(outside, "MANIFEST"));
  symlinkSync(join(outside, "MANIFEST"), join(root, "chk-3", "op-0", "MANIFEST"));

  const r = await validatePath(root);
  t.strictSame(brief(root, r.findings), [
    "KS-E001 chk-2/_metadata.ksnap",
    "KS-E100 chk-3/_metadata.ksnap chk-3/op-0/000001.log",
    "KS-E091 chk-3/_metadata.ksnap chk-3/op-0/MANIFEST",
    "KS-E103 chk-3/_metadata.ksnap chk-3/op-1/MANIFEST",
    // chk-2 could not be read, so the history lacks the checkpoint chk-3 builds on and chk-3 and chk-4 reuse files of.
    "KS-E112 chk-3/_metadata.ksnap",
    "KS-E114 chk-3/_metadata.ksnap",
    "KS-E112 chk-4/_metadata.ksnap",
    "KS-E001 chk-5/_metadata.ksnap",
    "KS-E091 chk-6/_metadata.ksnap",
    "KS-E001 chk-9/_metadata.ksnap",
  ]);
  const byRule = (rule: string) => r.findings.filter((f) => f.rule === rule).map((f) => f.message);
  t.match(byRule("KS-E001"), [/TRUNCATED/, /IO_ERROR.*not a regular file/, /BAD_MAGIC at byte 0/]);
  t.match(byRule("KS-E091")[1], /^metadata file leads through the symbolic link "chk-6\/_metadata\.ksnap" .*, outside .*; it was not read$/);
  t.equal(r.summary.snapshots, 7);
  t.equal(r.summary.errors, r.findings.length);
  t.ok(r.findings.every((f) => !f.message.includes("\n")), "one line each");
});

t.test("metadata files at any depth are found; links to metadata files and snapshot folders are KS-E094, never followed", async (t) => {
  const { root } = chainRoot(t, [1n, 2n, 3n]);
  // A checkpoint folder that is a link inside the root (chk-3 → store/chk-3), and one whose target is gone.
  mkdirSync(join(root, "store"));
  renameSync(join(root, "chk-3"), join(root, "store", "chk-3"));
  symlinkSync(join("store", "chk-3"), join(root, "chk-3"));
  symlinkSync(join(root, "nowhere"), join(root, "chk-7"));
  // A metadata file that is a link to another inside the root, and a dangling one.
  mkdirSync(join(root, "chk-4"));
  symlinkSync(join("..", "chk-2", "_metadata.ksnap"), join(root, "chk-4", "_metadata.ksnap"));
  mkdirSync(join(root, "chk-5"));
  symlinkSync(join(root, "chk-5", "loop"), join(root, "chk-5", "_metadata.ksnap"));
  symlinkSync(join(root, "chk-5", "_metadata.ksnap"), join(root, "chk-5", "loop"));
  // A savepoint two levels down is found.
  const sp = join(root, "savepoints", "sp-1");
  const spec = new TreeSpec();
  savepoint(spec, { parallelism: 1 });
  spec.write(sp);
  const r = await validatePath(root);
  const found = r.findings.filter((f) => ["KS-E094", "KS-E091"].includes(f.rule)).map((f) => `${f.rule} ${relative(root, f.location.file!)}`);
  t.strictSame(found.sort(), ["KS-E094 chk-3", "KS-E094 chk-4/_metadata.ksnap", "KS-E094 chk-5/_metadata.ksnap", "KS-E094 chk-7"]);
  t.match(r.findings.find((f) => f.location.file === join(root, "chk-3"))!.message, /snapshot folder "chk-3" is a symbolic link \(leads to .*store\/chk-3\); it is not followed/);
  t.match(r.findings.find((f) => f.location.file === join(root, "chk-5", "_metadata.ksnap"))!.message, /loop of symbolic links/);
  t.equal(r.summary.snapshots, 6, "chk-1, chk-2, store/chk-3, savepoints/sp-1, and the two odd metadata entries");
});

t.test("KS-E092: a ref to a metadata file, or into another snapshot's folder", async (t) => {
  const { root } = chainRoot(t, [1n, 2n]);
  const spec = new TreeSpec();
  savepoint(spec, { parallelism: 1 });
  spec.write(join(root, "sp"));
  const m2 = join(root, "chk-2", "_metadata.ksnap");
  const two = decodeFile(readFileSync(m2)).snapshot;
  const h = two.operators[0]!.subtasks[0]!.handles[0] as IncrementalHandle;
  h.privateFiles.push({ id: "x-meta", path: "chk-1/_metadata.ksnap", size: 1n, xxh64: 1n });
  h.privateFiles.push({ id: "x-sp", path: "sp/op-a-0.bin", size: 1n, xxh64: 1n });
  writeFileSync(m2, encodeSnapshot(two));
  const r = await validatePath(root, { storage: false });
  const e092 = r.findings.filter((f) => f.rule === "KS-E092");
  t.strictSame(e092.map((f) => f.location.path), ["chk-1/_metadata.ksnap", "sp/op-a-0.bin"]);
  t.match(e092[0]!.message, /is a metadata file/);
  t.match(e092[1]!.message, /is inside the folder of another snapshot \(.*sp\/_metadata\.ksnap\), which owns it/);
});

t.test("KS-E002: a metadata file moved without its tree is checked without storage", async (t) => {
  const { root } = chainRoot(t, [1n]);
  const moved = join(root, "elsewhere");
  mkdirSync(moved);
  copyFileSync(join(root, "chk-1", "_metadata.ksnap"), join(moved, "_metadata.ksnap"));
  const r = await validatePath(moved);
  t.strictSame(brief(root, r.findings), ["KS-E002 elsewhere/_metadata.ksnap"]);
  t.match(r.findings[0]!.message, /moved without its snapshot tree.*storage was not checked/);
  t.equal(r.summary.filesChecked, 0);
});

t.test("an unsafe snapshot_dir is KS-E090, and the snapshot is still checked", async (t) => {
  const root = tempRoot(t);
  const [s] = checkpointChain(new TreeSpec(), { ids: [1n] });
  s!.snapshotDir = "chk-1/../chk-1";
  mkdirSync(join(root, "chk-1"));
  const meta = join(root, "chk-1", "_metadata.ksnap");
  writeFileSync(meta, encodeSnapshot(s!));
  const r = await validatePath(meta);
  t.strictSame(r.findings.filter((f) => f.location.field === "snapshotDir").map((f) => f.rule), ["KS-W011", "KS-E090"]);
  t.ok(r.findings.some((f) => f.rule === "KS-W076"), "structural rules ran: files are not under the snapshot_dir");
  t.equal(r.summary.filesChecked, 0, "no root, so no storage check");
});

t.test("storage off: files are not looked at", async (t) => {
  const { root } = chainRoot(t);
  rmSync(join(root, "shared"), { recursive: true });
  t.strictSame((await validatePath(root, { storage: false })).summary, { snapshots: 3, filesChecked: 0, errors: 0, warnings: 0 });
  t.equal((await validatePath(root)).summary.errors, 6, "with storage: the six shared files are missing");
});

t.test("a path that does not exist or holds no snapshot is a KsnapError", async (t) => {
  const dir = tempRoot(t);
  await t.rejects(validatePath(join(dir, "nope")), { name: "KsnapError", code: "IO_ERROR", message: "cannot read: no such file or folder" });
  await t.rejects(validatePath(dir), { code: "IO_ERROR" });
});

t.test("KS-E003: a KSNAP root that also holds a Flink _metadata (test/flink-gc.test.ts covers the Flink side)", async (t) => {
  const { root } = chainRoot(t);
  writeFileSync(join(root, "chk-2", "_metadata"), Uint8Array.of(0x49, 0x60, 0x67, 0x2d, 0, 0, 0, 3));
  writeFileSync(join(root, "chk-3", "_metadata"), "");
  const r = await validatePath(root);
  t.strictSame(brief(root, r.findings), [`KS-E003 ${root} chk-2/_metadata`], "one finding for the tree, naming the first");
  t.match(r.findings[0]!.message, /the folder holds Flink metadata files \("chk-2\/_metadata", "chk-3\/_metadata"\) beside the ones read here/);
  t.equal(r.summary.snapshots, 3, "the KSNAP snapshots are still validated");
});

t.test("the load rules are covered above", async (t) => {
  t.strictSame(Object.entries(RULES).filter(([, r]) => r.group === "load").map(([id]) => id), ["KS-E001", "KS-E002", "KS-E003"]);
});
