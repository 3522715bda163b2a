/**
 * Released vectors are kept for good: every file conformance/vectors/RELEASED.json
 * lists is present with the bytes it was released with. Files added to a released
 * folder since the last freeze are allowed and reported.
 */
import t from "tap";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareWithManifest, freezeVectors, readManifest, RELEASED_MANIFEST } from "../conformance/freeze-vectors.js";
import { VECTORS } from "./helpers.js";

const manifest = readManifest(VECTORS);

t.test("the first release is frozen", async (t) => {
  for (const folder of ["v1.0", "savepoint-data-v1"]) {
    t.ok(Object.keys(manifest.folders[folder] ?? {}).length > 0, `${folder} is listed`);
  }
  t.ok(Object.keys(manifest.folders["v1.0"] ?? {}).some((p) => p.startsWith("snapshots/")), "the reference savepoints are listed");
});

t.test("every released file is present and unchanged", async (t) => {
  const { problems, unfrozen } = compareWithManifest(VECTORS, manifest);
  t.strictSame(problems, [], "no released file changed or removed (restore it; never re-freeze over a change)");
  if (unfrozen.length > 0) t.comment(`not frozen yet (run npm run vectors:freeze):\n${unfrozen.join("\n")}`);
});

t.test("freezing only adds", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-freeze-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(VECTORS, "v1.0", "invalid"), join(dir, "v9.9"), { recursive: true });
  const first = freezeVectors(dir, ["v9.9"]);
  t.ok(first.includes("v9.9/bad-magic.ksnap"), "a new folder's files are frozen");
  t.strictSame(freezeVectors(dir), [], "re-freezing an unchanged folder adds nothing");

  writeFileSync(join(dir, "v9.9", "new-case.ksnap"), "new");
  writeFileSync(join(dir, "v9.9", "README.md"), "a row more");
  t.strictSame(compareWithManifest(dir, readManifest(dir)).problems, [], "a new file and a README edit are no problem");
  t.strictSame(freezeVectors(dir), ["v9.9/new-case.ksnap"], "the new file is frozen; the README is not");

  const before = readFileSync(join(dir, RELEASED_MANIFEST), "utf8");
  writeFileSync(join(dir, "v9.9", "bad-magic.ksnap"), "changed");
  rmSync(join(dir, "v9.9", "empty-file.ksnap"));
  t.strictSame(compareWithManifest(dir, readManifest(dir)).problems, [
    "v9.9/bad-magic.ksnap is released but its bytes changed",
    "v9.9/empty-file.ksnap is released but missing",
  ]);
  t.throws(() => freezeVectors(dir), /released vectors must not change/, "a change cannot be frozen over");
  t.equal(readFileSync(join(dir, RELEASED_MANIFEST), "utf8"), before, "and the manifest is left as it was");
});
