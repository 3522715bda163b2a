/** The committed vectors are exactly what the generator produces now. */
import t from "tap";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateV11Vectors, generateV1Vectors } from "../conformance/generate-vectors.js";
import { listFiles, VECTORS } from "./helpers.js";

for (const [version, generate] of [["v1.0", generateV1Vectors], ["v1.1", generateV11Vectors]] as const) {
  t.test(`regenerating ${version} is byte-identical`, async (t) => {
    const out = mkdtempSync(join(tmpdir(), "ksnap-vectors-"));
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    generate(out);
    const committed = join(VECTORS, version);
    const files = listFiles(out);
    t.strictSame(listFiles(committed), files, "the same files, none missing or extra");
    for (const f of files) {
      t.ok(readFileSync(join(out, f)).equals(readFileSync(join(committed, f))), `${f} is byte-identical`);
    }
  });
}
