/** The JSON form: schema checks with field paths, 64-bit values as strings, optional fields. */
import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import { snapshotFromJson, snapshotFromJsonText } from "../src/json/from-json.js";
import { jsonPointerToField } from "../src/json/schema.js";
import { thrown, VECTORS } from "./helpers.js";

const chain = () => JSON.parse(readFileSync(join(VECTORS, "v1.0", "valid", "incremental-chain-head.json"), "utf8"));

t.test("schema errors name the field and the problem", async (t) => {
  const cases: [string, (d: any) => void, RegExp, string][] = [
    ["typo", (d) => { d.snapshotID = "1"; }, /unknown property "snapshotID"/, ""],
    ["missing", (d) => { delete d.operators[0].subtasks[1].handles[0].metaFile; }, /"metaFile" is missing/, "operators[0].subtasks[1].handles[0]"],
    ["64-bit as number", (d) => { d.operators[0].subtasks[0].handles[0].sharedFiles[2].size = 12; }, /must be string/, "operators[0].subtasks[0].handles[0].sharedFiles[2].size"],
    ["bad hash", (d) => { d.operators[0].subtasks[0].handles[0].metaFile.xxh64 = "ABC"; }, /16 lowercase hex/, "operators[0].subtasks[0].handles[0].metaFile.xxh64"],
    ["bad enum", (d) => { d.kind = "snapshot"; }, /must be one of \["checkpoint","savepoint"\]/, "kind"],
    ["bad handle type", (d) => { d.operators[0].subtasks[0].handles[0].type = "full"; }, /must be one of \["incremental","savepoint","stream-incremental","key-groups-stream","opaque"\]/, "operators[0].subtasks[0].handles[0].type"],
  ];
  for (const [name, edit, message, field] of cases) {
    const doc = chain();
    edit(doc);
    const e = thrown(() => snapshotFromJson(doc));
    t.equal(e.code, "INVALID_JSON", name);
    t.match(e.message, message, `${name}: ${e.message}`);
    t.equal(e.field ?? "", field, `${name}: at ${field}`);
  }
});

t.test("values over 2^64-1 are refused; 2^64-1 is fine", async (t) => {
  const doc = chain();
  doc.snapshotId = "18446744073709551616";
  const e = thrown(() => snapshotFromJson(doc));
  t.equal(e.code, "INVALID_JSON");
  t.equal(e.field, "snapshotId");
  doc.snapshotId = "18446744073709551615";
  t.equal(snapshotFromJson(doc).snapshotId, 18446744073709551615n);
});

t.test("not JSON at all", async (t) => {
  const e = thrown(() => snapshotFromJsonText("{ nope"));
  t.equal(e.code, "INVALID_JSON");
  t.match(e.message, /^not JSON: /);
});

t.test("optional fields may be omitted and take their defaults", async (t) => {
  const minimal = { formatVersion: "1.0", snapshotId: "1", kind: "checkpoint", maxParallelism: 128,
    properties: { sharing: "forward-backward", ownership: "system", incremental: true } };
  const full = JSON.parse(readFileSync(join(VECTORS, "v1.0", "valid", "empty-checkpoint.json"), "utf8"));
  t.ok(Buffer.from(encodeSnapshot(snapshotFromJson(minimal))).equals(encodeSnapshot(snapshotFromJson(full))),
    "the minimal document encodes like the full one");
});

t.test("encode refuses what a reader would reject, naming the field", async (t) => {
  const s = snapshotFromJson(chain());
  const h = s.operators[0]!.subtasks[1]!.handles[0]!;
  if (h.type !== "incremental") throw new Error("fixture changed");
  h.sharedFiles[1]!.path = "shared/\uD800.sst";
  const e = thrown(() => encodeSnapshot(s));
  t.equal(e.code, "INVALID_FIELD");
  t.equal(e.field, "operators[0].subtasks[1].handles[0].incremental.sharedFiles[1].path");
  t.match(e.message, /lone UTF-16 surrogate/);
  h.sharedFiles[1]!.path = "shared/ok.sst";
  h.sharedFiles[1]!.originCheckpointId = 0n;
  const missing = thrown(() => encodeSnapshot(s));
  t.equal(missing.code, "MISSING_FIELD");
  t.equal(missing.field, "operators[0].subtasks[1].handles[0].incremental.sharedFiles[1].originCheckpointId");
});

t.test("an error in lists given out of canonical order names the items' indexes as given", async (t) => {
  const s = snapshotFromJson(chain());
  const op = s.operators[0]!;
  op.subtasks.reverse(); // subtask index 1 is now the first of the list, and is still written second
  const h = op.subtasks[0]!.handles[0]!;
  if (h.type !== "incremental" || h.sharedFiles.length < 3 || op.subtasks[0]!.subtaskIndex !== 1) throw new Error("fixture changed");
  h.sharedFiles.reverse();
  const at = h.sharedFiles.length - 2; // the second ref in id order
  h.sharedFiles[at]!.path = "shared/\uD800.sst";
  const e = thrown(() => encodeSnapshot(s));
  t.equal(e.code, "INVALID_FIELD");
  t.equal(e.field, `operators[0].subtasks[0].handles[0].incremental.sharedFiles[${at}].path`, "not the sorted positions [1] and [1]");
  t.match(e.message, /lone UTF-16 surrogate/);
});

t.test("JSON pointers become field paths", async (t) => {
  t.equal(jsonPointerToField("/operators/0/subtasks/12/handles"), "operators[0].subtasks[12].handles");
  t.equal(jsonPointerToField(""), "");
  t.equal(jsonPointerToField("/a~1b/c~0d"), "a/b.c~d");
});

t.test("encode names an absent kind as missing", async (t) => {
  const s = snapshotFromJson(chain()) as unknown as Record<string, unknown>;
  delete s.kind;
  const e = thrown(() => encodeSnapshot(s as never));
  t.equal(e.code, "MISSING_FIELD");
  t.equal(e.field, "kind");
});
