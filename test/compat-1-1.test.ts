/**
 * The compatibility promise of format 1.1, both ways, on every vector
 * ([spec](../spec/format-v1.md#versioning)): a 1.1 reader reads every 1.0 vector
 * exactly as before (decode, JSON, re-encode byte for byte), and a 1.0 reader
 * (`readerMinor: 0`) refuses every 1.1 vector that sets a feature bit and reads
 * every other one as the same JSON without its 1.1 members.
 */
import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeFile, encodeSnapshot } from "../src/codec.js";
import { snapshotToJsonText } from "../src/json/to-json.js";
import { bytesOf, caseNames, thrown, VECTORS } from "./helpers.js";

const V10 = join(VECTORS, "v1.0");
const V11 = join(VECTORS, "v1.1");
const jsonOf = (dir: string, name: string): string => readFileSync(join(dir, `${name}.json`), "utf8");

t.test("the 1.1 reader reads every v1.0 valid and accepted vector as the 1.0 reader does", async (t) => {
  for (const category of ["valid", "accepted"]) {
    const dir = join(V10, category);
    for (const name of caseNames(dir)) {
      const bytes = bytesOf(join(dir, `${name}.ksnap`));
      const as11 = decodeFile(bytes);
      const as10 = decodeFile(bytes, { readerMinor: 0 });
      t.equal(snapshotToJsonText(as11.snapshot, as11.version), jsonOf(dir, name), `${name}: the 1.1 reader prints the vector's JSON`);
      t.strictSame(as11, as10, `${name}: the same model from both readers`);
      if (category === "valid") t.ok(Buffer.from(encodeSnapshot(as11.snapshot)).equals(bytes), `${name}: re-encoded byte for byte`);
    }
  }
});

t.test("every v1.0 invalid vector fails the same way for both readers", async (t) => {
  const dir = join(V10, "invalid");
  for (const name of caseNames(dir)) {
    const bytes = bytesOf(join(dir, `${name}.ksnap`));
    const a = thrown(() => decodeFile(bytes));
    const b = thrown(() => decodeFile(bytes, { readerMinor: 0 }));
    t.strictSame([a.code, a.offset], [b.code, b.offset], `${name}: ${a.code}`);
  }
});

const MEMBERS_1_1: Record<string, string[]> = {
  snapshot: ["masterStates", "source"],
  operator: ["maxParallelism", "uid", "coordinatorState", "finished"],
  subtask: ["managedOperatorState", "rawOperatorState", "rawKeyedHandles", "channelState", "finished"],
};

type Doc = Record<string, any>;

/** The JSON form without its 1.1 members: what a 1.0 reader prints for a file whose 1.1 fields are all ignorable. */
function without11(doc: Doc): Doc {
  const drop = (o: Doc, names: string[]) => { for (const n of names) delete o[n]; };
  const file = (f: Doc) => drop(f, ["localName"]);
  drop(doc, MEMBERS_1_1.snapshot!);
  for (const op of doc.operators) {
    drop(op, MEMBERS_1_1.operator!);
    for (const st of op.subtasks) {
      drop(st, MEMBERS_1_1.subtask!);
      for (const h of st.handles) {
        if (h.type === "incremental") [...h.sharedFiles, ...h.privateFiles, h.metaFile].forEach(file);
        if (h.type === "savepoint") file(h.dataFile);
      }
    }
  }
  return doc;
}

t.test("a 1.0 reader refuses every v1.1 vector with a feature bit and reads every other one without its 1.1 fields", async (t) => {
  let refused = 0, read = 0;
  for (const category of ["valid", "accepted"]) {
    const dir = join(V11, category);
    for (const name of caseNames(dir)) {
      const bytes = bytesOf(join(dir, `${name}.ksnap`));
      const features = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
      if (features !== 0) {
        const e = thrown(() => decodeFile(bytes, { readerMinor: 0 }));
        t.strictSame([e.code, e.offset], ["UNKNOWN_REQUIRED_FEATURE", 12], `${name}: refused (bits 0x${features.toString(16)})`);
        refused++;
        continue;
      }
      const decoded = decodeFile(bytes, { readerMinor: 0 });
      const expected = JSON.stringify(without11(JSON.parse(jsonOf(dir, name))), null, 2) + "\n";
      t.equal(snapshotToJsonText(decoded.snapshot, decoded.version), expected, `${name}: read as its 1.0 view`);
      read++;
    }
  }
  t.ok(refused >= 10 && read >= 5, `${refused} refused, ${read} read: both branches are exercised`);
});

t.test("v1.1 invalid vectors: a 1.0 reader refuses those with a bit; without one it reads or rejects as 1.0 would", async (t) => {
  const dir = join(V11, "invalid");
  const readBy10: string[] = [];
  for (const name of caseNames(dir)) {
    const bytes = bytesOf(join(dir, `${name}.ksnap`));
    const features = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    if (features !== 0) {
      t.equal(thrown(() => decodeFile(bytes, { readerMinor: 0 })).code, "UNKNOWN_REQUIRED_FEATURE", name);
      continue;
    }
    try {
      decodeFile(bytes, { readerMinor: 0 });
      readBy10.push(name);
    } catch (e) {
      t.equal((e as { code: string }).code, "MISSING_FIELD", `${name}: a 1.0 rule`);
    }
  }
  // Only ignorable fields are wrong in these: a 1.0 reader skips them, as the spec allows.
  t.strictSame(readBy10, ["local-name-over-255-bytes", "source-missing-system"]);
});
