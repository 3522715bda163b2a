/**
 * conformance/vectors/savepoint-data-v1: every valid and accepted file reads
 * back to its dump and info, every invalid one fails with its recorded error,
 * and regenerating the folder is byte-identical. One subtest per vector, so
 * one failure does not hide the rest.
 */
import t from "tap";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSavepointVectors, SAVEPOINT_VECTORS_DIR } from "../conformance/generate-savepoint-vectors.js";
import { packageFile } from "../src/storage/package-files.js";
import { listFiles, rejection } from "./helpers.js";
import {
  dataFileInfoToJson, dumpSavepointData, readDataFileInfo, readKeyGroups, savepointHandleFromJson, SavepointDataError,
} from "../src/savepoint/index.js";

const DIR = packageFile(`conformance/vectors/${SAVEPOINT_VECTORS_DIR}`);
const names = (sub: string) => readdirSync(join(DIR, sub)).filter((f) => f.endsWith(".ksvd")).map((f) => f.slice(0, -5)).sort();
const text = (sub: string, file: string) => readFileSync(join(DIR, sub, file), "utf8");
const handleOf = (sub: string, name: string) => savepointHandleFromJson(JSON.parse(text(sub, `${name}.handle.json`)));

async function dump(path: string, handle?: ReturnType<typeof handleOf>): Promise<string> {
  let out = "";
  for await (const line of dumpSavepointData(path, handle === undefined ? {} : { handle })) out += line;
  return out;
}

for (const sub of ["valid", "accepted"]) {
  t.test(`${sub} files read back to their dump and info`, async (t) => {
    const cases = names(sub);
    t.ok(cases.length >= (sub === "valid" ? 5 : 1), "there are cases");
    for (const name of cases) {
      t.test(name, async (t) => {
        const path = join(DIR, sub, `${name}.ksvd`);
        const expected = text(sub, `${name}.jsonl`);
        t.equal(await dump(path, handleOf(sub, name)), expected, "dump through the handle");
        t.equal(await dump(path), expected, "dump through the file's own index");
        t.strictSame(dataFileInfoToJson(await readDataFileInfo(path)), JSON.parse(text(sub, `${name}.info.json`)), "info");
      });
    }
  });
}

t.test("invalid files fail with their recorded error", async (t) => {
  const cases = names("invalid");
  t.ok(cases.length >= 15, "there are cases");
  for (const name of cases) {
    t.test(name, async (t) => {
      const expected = JSON.parse(text("invalid", `${name}.error.json`)) as {
        code: string; keyGroup?: number; block?: number; offset?: number; read?: { start: number; count: number };
      };
      const path = join(DIR, "invalid", `${name}.ksvd`);
      const e = await rejection(async () => {
        for await (const _ of readKeyGroups(path, handleOf("invalid", name), expected.read)) void _;
      });
      t.equal(e.code, expected.code, e.message);
      if (expected.offset !== undefined) t.equal(e.offset, expected.offset, `at byte ${expected.offset}`);
      if (expected.keyGroup !== undefined) {
        t.ok(e instanceof SavepointDataError, "a data error");
        const d = e as SavepointDataError;
        t.equal(d.keyGroup, expected.keyGroup, `key group ${expected.keyGroup}`);
        t.equal(d.block, expected.block, `block ${expected.block}`);
        t.match(e.message, `key group ${expected.keyGroup}, block ${expected.block}`, "the message names them");
      }
      t.match(e.message, path, "the message names the file");
      t.notMatch(e.message, /undefined|NaN|\[object/, "the message reads well");
    });
  }
});

t.test("regenerating savepoint-data-v1 is byte-identical", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "ksnap-savepoint-vectors-"));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  await generateSavepointVectors(out);
  const files = listFiles(out);
  t.strictSame(listFiles(DIR), files, "the same files, none missing or extra");
  for (const f of files) t.ok(readFileSync(join(out, f)).equals(readFileSync(join(DIR, f))), `${f} is byte-identical`);
});

t.test("a future-minor file reads as the 1.0 file it extends and reports its own version", async (t) => {
  const info = JSON.parse(text("accepted", "future-minor-1-9.info.json")) as { formatVersion: string };
  t.equal(info.formatVersion, "1.9");
  t.equal(text("accepted", "future-minor-1-9.jsonl"), text("valid", "three-kinds.jsonl"), "the same entries as three-kinds");
});
