/** The committed vectors are exactly what the generator produces now. */
import t from "tap";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateV1Vectors } from "../conformance/generate-vectors.js";
import { listFiles, VECTORS } from "./helpers.js";

t.test("regenerating v1.0 is byte-identical", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "ksnap-vectors-"));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  generateV1Vectors(out);
  const committed = join(VECTORS, "v1.0");
  const files = listFiles(out);
  t.strictSame(listFiles(committed), files, "the same files, none missing or extra");
  for (const f of files) {
    t.ok(readFileSync(join(out, f)).equals(readFileSync(join(committed, f))), `${f} is byte-identical`);
  }
});
