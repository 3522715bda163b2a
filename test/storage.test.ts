/** Storage layout: path rules, finding the root from a metadata file, finding metadata files. */
import t from "tap";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathProblem, resolveInRoot } from "../src/storage/paths.js";
import { findMetadataFiles, loadSnapshot, resolveRoot } from "../src/storage/snapshot-root.js";
import { rejection, thrown, VECTORS } from "./helpers.js";

t.test("path rules", async (t) => {
  for (const ok of ["shared/a.sst", "chk-3/op-0/MANIFEST", "a", "caf\u00E9/\u{1F600}"]) t.equal(pathProblem(ok), undefined, ok);
  const bad: [string, RegExp][] = [
    ["", /empty/], ["/etc/passwd", /absolute/], ["../x", /'\.\.' segment/], ["a/../../x", /'\.\.'/],
    ["a/./b", /'\.' segment/], ["a//b", /empty segment/], ["a/", /empty segment/], ["a\\b", /backslash/],
    ["a\0b", /NUL/], ["C:/x", /drive letter/], ["x".repeat(4097), /over 4096 bytes/],
  ];
  for (const [path, why] of bad) t.match(pathProblem(path), why, JSON.stringify(path.slice(0, 20)));
  t.equal(resolveInRoot("/r", "shared/a.sst"), join("/r", "shared", "a.sst"));
  t.equal(thrown(() => resolveInRoot("/r", "../a")).code, "UNSAFE_PATH");
});

t.test("the root is the metadata folder minus snapshot_dir", async (t) => {
  t.equal(resolveRoot(join("/jobs", "j1", "chk-3", "_metadata.ksnap"), "chk-3"), join("/jobs", "j1"));
  t.equal(resolveRoot(join("/sp", "s1", "_metadata.ksnap"), ""), join("/sp", "s1"));
  t.equal(resolveRoot(join("/a", "b", "c", "_metadata.ksnap"), "b/c"), "/a");
  const moved = thrown(() => resolveRoot(join("/tmp", "copy", "_metadata.ksnap"), "chk-3"));
  t.equal(moved.code, "LAYOUT_MISMATCH");
  t.match(moved.message, /moved without its snapshot tree/);
  t.equal(thrown(() => resolveRoot("/x/_metadata.ksnap", "../x")).code, "UNSAFE_PATH");
});

t.test("metadata files are found from a file, a snapshot folder or a root", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "ksnap-root-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "chk-3"));
  mkdirSync(join(root, "shared"));
  const meta = join(root, "chk-3", "_metadata.ksnap");
  copyFileSync(join(VECTORS, "v1.0", "valid", "incremental-chain-head.ksnap"), meta);
  t.strictSame(await findMetadataFiles(meta), [meta]);
  t.strictSame(await findMetadataFiles(join(root, "chk-3")), [meta]);
  t.strictSame(await findMetadataFiles(root), [meta]);
  t.equal((await rejection(() => findMetadataFiles(join(root, "shared")))).code, "IO_ERROR");
  t.equal((await rejection(() => findMetadataFiles(join(root, "nope")))).code, "IO_ERROR");
  const located = await loadSnapshot(meta);
  t.equal(located.root, root);
  t.equal(located.snapshot.snapshotId, 3n);
});
