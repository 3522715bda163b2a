/**
 * Format 1.1 in the codec and the JSON form, case by case: feature bits, the canonical choice of form, the
 * encoder's refusals with their field paths, and bytes in JSON.
 */
import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FEATURE_NAMES, formatVersionOf, requiredFeaturesOf } from "../src/body/features.js";
import { decodeFile, encodeSnapshot } from "../src/codec.js";
import { KNOWN_FEATURES } from "../src/container/layout.js";
import { snapshotFromJson } from "../src/json/from-json.js";
import type { Snapshot, StreamIncrementalHandle } from "../src/model.js";
import { VALID_CASES_1_1 } from "../conformance/cases/v1-1-valid.js";
import { plain } from "./arbitraries.js";
import { thrown, VECTORS } from "./helpers.js";

const caseOf = (name: string): Snapshot => structuredClone(VALID_CASES_1_1.find((c) => c.name === name)!.snapshot);

t.test("the container knows exactly the nine named bits of 1.1", async (t) => {
  t.equal(Object.keys(FEATURE_NAMES).reduce((all, bit) => all | Number(bit), 0), KNOWN_FEATURES);
  t.equal(KNOWN_FEATURES, 0x1ff);
});

t.test("each valid case is written with the bits its structures need, and only those", async (t) => {
  const expected: Record<string, number> = {
    "local-names": 0, "ignorable-only": 0, "source-checkpoint-id-0": 0, "operator-state-modes": 0b1,
    "stream-incremental-every-target": 0b1001100, "stream-incremental-no-folder": 0b1000, "stream-incremental-as-1-0": 0,
    "key-groups-stream": 0b1010, "opaque-keyed-and-channel": 0b10100, "master-and-coordinator-state": 0b100000,
    "finished-markers": 0b10000000, "operator-max-parallelism": 0b100000000, "every-handle-variant": 0b11000,
  };
  t.strictSame(VALID_CASES_1_1.map((c) => c.name).sort(), Object.keys(expected).sort(), "every case has an expectation");
  for (const c of VALID_CASES_1_1) {
    const file = decodeFile(encodeSnapshot(c.snapshot));
    t.equal(requiredFeaturesOf(c.snapshot), expected[c.name], `${c.name}: requiredFeaturesOf`);
    t.equal(file.requiredFeatures, expected[c.name], `${c.name}: the header`);
    t.equal(file.version.minor, c.name === "stream-incremental-as-1-0" ? 0 : 1, `${c.name}: the lowest minor`);
  }
});

t.test("a stream-incremental handle of whole files with a folder is written as 1.0's incremental handle", async (t) => {
  const s = caseOf("stream-incremental-as-1-0");
  const before = plain(s);
  const bytes = encodeSnapshot(s);
  t.strictSame(plain(s), before, "the input is not mutated");
  t.strictSame(formatVersionOf(s), { major: 1, minor: 0, requiredFeatures: 0 });
  const h = decodeFile(bytes).snapshot.operators[0]!.subtasks[0]!.handles[0]!;
  t.equal(h.type, "incremental");
  if (h.type !== "incremental") return;
  t.strictSame(h.metaFile, { id: "chk-2/op-0/MANIFEST", path: "chk-2/op-0/MANIFEST", size: 50n, xxh64: h.metaFile.xxh64 });
  // With a local name on a stream, the converted file carries it as FileRef.local_name: 1.1, still no bit.
  const named = caseOf("stream-incremental-as-1-0");
  const sih = named.operators[0]!.subtasks[0]!.handles[0] as StreamIncrementalHandle;
  sih.meta = { ...sih.meta, localName: "MANIFEST-000001" };
  const converted = decodeFile(encodeSnapshot(named));
  t.strictSame([converted.version.minor, converted.requiredFeatures], [1, 0]);
  const meta = converted.snapshot.operators[0]!.subtasks[0]!.handles[0]!;
  t.equal(meta.type === "incremental" && meta.metaFile.localName, "MANIFEST-000001");
});

t.test("the encoder refuses what a 1.1 reader rejects, naming the field", async (t) => {
  const refusals: [string, (s: Snapshot) => void, string, string][] = [
    ["channel state with key groups", (s) => { s.operators[0]!.subtasks[0]!.channelState![0]!.keyGroups = { start: 0, count: 1 }; },
      "INVALID_FIELD", "operators[0].subtasks[0].channelState[0].keyGroups"],
    ["opaque keyed handle without key groups", (s) => { delete (s.operators[0]!.subtasks[0]!.handles[0] as { keyGroups?: unknown }).keyGroups; },
      "MISSING_FIELD", "operators[0].subtasks[0].handles[0].opaque.keyGroups"],
    ["inline over 1 MiB", (s) => { s.operators[0]!.subtasks[0]!.channelState![1]!.files = [{ type: "inline", data: new Uint8Array(1024 * 1024 + 1) }]; },
      "INVALID_FIELD", "operators[0].subtasks[0].channelState[1].files[0].inline.data"],
    ["segment without scope", (s) => { delete (s.operators[0]!.subtasks[0]!.handles[0] as { sharedFiles: { scope?: unknown }[] }).sharedFiles[0]!.scope; },
      "MISSING_FIELD", "operators[0].subtasks[0].handles[0].opaque.sharedFiles[0].segment.scope"],
    ["stream local name of 256 bytes", (s) => { s.operators[0]!.subtasks[0]!.channelState![0]!.files[0]!.localName = "x".repeat(256); },
      "INVALID_FIELD", "operators[0].subtasks[0].channelState[0].files[0].localName"],
    ["unknown stream type", (s) => { (s.operators[0]!.subtasks[0]!.channelState![0]!.files[0] as { type: string }).type = "url"; },
      "INVALID_FIELD", "operators[0].subtasks[0].channelState[0].files[0].type"],
    ["shared stream without origin", (s) => { (s.operators[0]!.subtasks[0]!.handles[0] as { sharedFiles: { originCheckpointId: bigint }[] }).sharedFiles[0]!.originCheckpointId = 0n; },
      "MISSING_FIELD", "operators[0].subtasks[0].handles[0].opaque.sharedFiles[0].originCheckpointId"],
  ];
  for (const [name, edit, code, field] of refusals) {
    const s = caseOf("opaque-keyed-and-channel");
    edit(s);
    const e = thrown(() => encodeSnapshot(s));
    t.strictSame([e.code, e.field], [code, field], `${name}: ${e.describe()}`);
  }
  const m = caseOf("master-and-coordinator-state");
  m.masterStates![0]!.version = 2 ** 31;
  t.strictSame(thrown(() => encodeSnapshot(m)).field, "masterStates[0].version", "an int32 out of range");
  const op = caseOf("operator-max-parallelism");
  op.operators[0]!.maxParallelism = 32769;
  t.strictSame(thrown(() => encodeSnapshot(op)).field, "operators[0].maxParallelism", "an operator max parallelism over 32768");
});

const docOf = (name: string): Record<string, any> => JSON.parse(readFileSync(join(VECTORS, "v1.1", "valid", `${name}.json`), "utf8"));

t.test("bytes in JSON are padded RFC 4648 base64, exactly; anything else is INVALID_JSON at its path", async (t) => {
  const at = "operators[0].subtasks[0].handles[0].payload";
  for (const bad of ["c2Vy!", "c2V", "QR==", "QQ", " QQ==", "Q-==", "QQ==QQ=="]) {
    const doc = docOf("opaque-keyed-and-channel");
    doc.operators[0].subtasks[0].handles[0].payload = bad;
    const e = thrown(() => snapshotFromJson(doc));
    t.strictSame([e.code, e.field], ["INVALID_JSON", at], `${JSON.stringify(bad)}: ${e.message}`);
  }
  const doc = docOf("opaque-keyed-and-channel");
  doc.operators[0].subtasks[0].handles[0].payload = "QQ==";
  const h = snapshotFromJson(doc).operators[0]!.subtasks[0]!.handles[0]!;
  t.strictSame(h.type === "opaque" ? [...h.payload] : undefined, [0x41], "QQ== is the byte A");
});

t.test("the schema keeps keyed opaque handles keyed and channel state unkeyed, and local names non-empty", async (t) => {
  const cases: [string, (d: Record<string, any>) => void, string][] = [
    ["keyed opaque without key groups", (d) => { delete d.operators[0].subtasks[0].handles[0].keyGroups; }, "operators[0].subtasks[0].handles[0]"],
    ["channel state with key groups", (d) => { d.operators[0].subtasks[0].channelState[0].keyGroups = { start: 0, count: 1 }; }, "operators[0].subtasks[0].channelState[0]"],
    ["empty local name", (d) => { d.operators[0].subtasks[0].handles[0].files[0].localName = ""; }, "operators[0].subtasks[0].handles[0].files[0].localName"],
    ["unknown scope", (d) => { d.operators[0].subtasks[0].handles[0].sharedFiles[0].scope = "global"; }, "operators[0].subtasks[0].handles[0].sharedFiles[0].scope"],
  ];
  for (const [name, edit, field] of cases) {
    const doc = docOf("opaque-keyed-and-channel");
    edit(doc);
    const e = thrown(() => snapshotFromJson(doc));
    t.strictSame([e.code, e.field], ["INVALID_JSON", field], `${name}: ${e.message}`);
  }
});

t.test("encode reads a document of any 1.x with 1.1 members and writes the lowest version that holds it", async (t) => {
  const doc = docOf("finished-markers");
  doc.formatVersion = "1.0";
  const file = decodeFile(encodeSnapshot(snapshotFromJson(doc)));
  t.strictSame([file.version.minor, file.requiredFeatures], [1, 0b10000000]);
  const plain10 = docOf("source-checkpoint-id-0");
  plain10.formatVersion = "1.7";
  delete plain10.source;
  t.equal(decodeFile(encodeSnapshot(snapshotFromJson(plain10))).version.minor, 0, "nothing of 1.1 left: written as 1.0");
});
