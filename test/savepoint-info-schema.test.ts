/**
 * The information document of a savepoint data file (spec/savepoint-data.md#information-document):
 * every `.info.json` of the savepoint-data-v1 vectors, and what `dataFileInfoToJson` gives, match
 * schemas/savepoint-data-info-v1.schema.json; the schema refuses what the spec does not allow.
 */
import t from "tap";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type SchemaObject } from "ajv/dist/2020.js";
import { packageFile } from "../src/storage/package-files.js";

const schema = JSON.parse(readFileSync(packageFile("schemas/savepoint-data-info-v1.schema.json"), "utf8")) as SchemaObject;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
const DIR = packageFile("conformance/vectors/savepoint-data-v1");

t.test("every .info.json of the vectors matches the schema", async (t) => {
  let n = 0;
  for (const sub of ["valid", "accepted"]) {
    for (const file of readdirSync(join(DIR, sub)).filter((f) => f.endsWith(".info.json")).sort()) {
      const doc = JSON.parse(readFileSync(join(DIR, sub, file), "utf8")) as unknown;
      t.ok(validate(doc), `${sub}/${file}: ${JSON.stringify(validate.errors)}`);
      t.strictSame(Object.keys(doc as object), ["formatVersion", "keyGroups", "states", "offsets", "entryCount", "size"], `${sub}/${file}: members in the spec's order`);
      n++;
    }
  }
  t.ok(n >= 7, `${n} information documents`);
});

t.test("the schema refuses what the spec does not allow", async (t) => {
  const good = JSON.parse(readFileSync(join(DIR, "valid", "three-kinds.info.json"), "utf8")) as Record<string, unknown>;
  t.ok(validate(good));
  const bad: [string, Record<string, unknown>][] = [
    ["an unknown member", { ...good, extra: 1 }],
    ["a missing member", Object.fromEntries(Object.entries(good).filter(([k]) => k !== "entryCount"))],
    ["a 64-bit value as a number", { ...good, size: 631 }],
    ["a leading zero", { ...good, entryCount: "011" }],
    ["a major other than 1", { ...good, formatVersion: "2.0" }],
    ["a count over 32768", { ...good, keyGroups: { start: 0, count: 32769 } }],
    ["an unknown state kind", { ...good, states: [{ ...(good.states as object[])[0], kind: "set" }] }],
  ];
  for (const [why, doc] of bad) t.notOk(validate(doc), why);
});
