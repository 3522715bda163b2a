/**
 * Walks conformance/vectors/<version>/{valid,accepted,invalid}: a new case is
 * new files only. One subtest per vector, so one failure does not hide the rest.
 */
import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeFile, encodeSnapshot } from "../src/codec.js";
import { snapshotFromJsonText } from "../src/json/from-json.js";
import { snapshotToJsonText } from "../src/json/to-json.js";
import { ACCEPTED_CASES } from "../conformance/cases/v1-0-accepted.js";
import { bytesOf, caseNames, thrown, VECTORS, versionDirs } from "./helpers.js";
import { runCli } from "./run-cli.js";

t.ok(versionDirs().includes("v1.0"), "the v1.0 vectors are present");
t.ok(versionDirs().includes("v1.1"), "the v1.1 vectors are present");

for (const version of versionDirs()) {
  const dir = join(VECTORS, version);
  t.test(`${version} valid`, async (t) => {
    const names = caseNames(join(dir, "valid"));
    t.ok(names.length >= 5, "there are valid cases");
    for (const name of names) {
      t.test(name, async (t) => {
        const bytes = bytesOf(join(dir, "valid", `${name}.ksnap`));
        const json = readFileSync(join(dir, "valid", `${name}.json`), "utf8");
        const decoded = decodeFile(bytes);
        t.equal(snapshotToJsonText(decoded.snapshot, decoded.version), json, "decodes to its JSON");
        t.ok(Buffer.from(encodeSnapshot(snapshotFromJsonText(json))).equals(bytes), "JSON encodes to the same bytes");
      });
    }
  });
  t.test(`${version} accepted`, async (t) => {
    for (const name of caseNames(join(dir, "accepted"))) {
      t.test(name, async (t) => {
        const decoded = decodeFile(bytesOf(join(dir, "accepted", `${name}.ksnap`)));
        const json = readFileSync(join(dir, "accepted", `${name}.json`), "utf8");
        t.equal(snapshotToJsonText(decoded.snapshot, decoded.version), json, "decodes to its JSON");
      });
    }
  });
  t.test(`${version} invalid`, async (t) => {
    const names = caseNames(join(dir, "invalid"));
    t.ok(names.length >= 10, "there are invalid cases");
    for (const name of names) {
      t.test(name, async (t) => {
        const expected = JSON.parse(readFileSync(join(dir, "invalid", `${name}.error.json`), "utf8")) as { code: string; offset?: number };
        const e = thrown(() => decodeFile(bytesOf(join(dir, "invalid", `${name}.ksnap`))));
        t.equal(e.code, expected.code, e.describe());
        if (expected.offset !== undefined) t.equal(e.offset, expected.offset, `at byte ${expected.offset}`);
        t.notMatch(e.message, /undefined|NaN|\[object/, "the message reads well");
      });
    }
  });
}

t.test("the unknown-fields vector decodes exactly as the file it extends", async (t) => {
  const v = join(VECTORS, "v1.0");
  const extended = readFileSync(join(v, "accepted", "unknown-fields.json"), "utf8");
  const original = readFileSync(join(v, "valid", "incremental-chain-head.json"), "utf8");
  t.equal(extended, original);
});

t.test("the accepted future-minor vectors keep their minor and decode to what they were built from", async (t) => {
  const v = join(VECTORS, "v1.0", "accepted");
  for (const c of ACCEPTED_CASES.filter((c) => c.name.startsWith("future-"))) {
    t.test(c.name, async (t) => {
      t.ok(c.expected, "built from a known snapshot");
      const json = readFileSync(join(v, `${c.name}.json`), "utf8");
      const minor = new DataView(c.bytes.buffer, c.bytes.byteOffset).getUint16(10, true);
      t.not(minor, 0, "written as a later minor");
      t.equal(JSON.parse(json).formatVersion, `1.${minor}`, "the JSON form names the file's minor");
      t.ok(Buffer.from(encodeSnapshot(snapshotFromJsonText(json))).equals(encodeSnapshot(c.expected!)),
        "the JSON holds exactly the fields 1.0 knows");
      const cli = await runCli("inspect", "--json", join(v, `${c.name}.ksnap`));
      const decoded = decodeFile(c.bytes, { readerMinor: 0 });
      t.equal(snapshotToJsonText(decoded.snapshot, decoded.version), json, "a 1.0 reader reads the vector's JSON too");
      t.equal(cli.status, 0, cli.stderr);
      t.equal(cli.stdout, json, "inspect --json prints the vector's JSON");
    });
  }
});
