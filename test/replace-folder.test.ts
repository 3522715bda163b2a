/**
 * Generators replace their output folder only once everything is written
 * (conformance/cases/replace-folder.ts): a failure halfway leaves the previous
 * files, and nothing beside them.
 */
import t from "tap";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replaceFolder, replaceFolderAsync } from "../conformance/cases/replace-folder.js";

const root = mkdtempSync(join(tmpdir(), "ksnap-replace-folder-"));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

function previous(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "old.txt"), "old");
  return dir;
}

t.test("a generator that completes replaces the folder's contents", async (t) => {
  const dir = previous("done");
  replaceFolder(dir, (fresh) => writeFileSync(join(fresh, "new.txt"), "new"));
  t.strictSame(readdirSync(dir), ["new.txt"], "the old files are gone, the new ones are in place");
  t.strictSame(readdirSync(root).filter((f) => f.includes("done")), ["done"], "no temporary folder is left beside it");
  replaceFolder(join(root, "absent"), (fresh) => writeFileSync(join(fresh, "a.txt"), "a"));
  t.equal(readFileSync(join(root, "absent", "a.txt"), "utf8"), "a", "a folder that did not exist is created");
});

t.test("a generator that fails halfway leaves the previous files and nothing beside them", async (t) => {
  const dir = previous("failed");
  t.throws(() => replaceFolder(dir, (fresh) => {
    writeFileSync(join(fresh, "half.txt"), "half");
    throw new Error("crash while generating");
  }), /crash while generating/);
  t.strictSame(readdirSync(dir), ["old.txt"]);
  t.equal(readFileSync(join(dir, "old.txt"), "utf8"), "old");
  t.strictSame(readdirSync(root).filter((f) => f.includes("failed")), ["failed"]);

  const asyncDir = previous("failed-async");
  await t.rejects(replaceFolderAsync(asyncDir, async (fresh) => {
    writeFileSync(join(fresh, "half.txt"), "half");
    throw new Error("async crash");
  }), /async crash/);
  t.strictSame(readdirSync(asyncDir), ["old.txt"]);
  t.strictSame(readdirSync(root).filter((f) => f.includes("failed-async")), ["failed-async"]);
});
