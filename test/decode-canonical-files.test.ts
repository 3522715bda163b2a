/**
 * The fast path for canonical file refs (src/body/decode-canonical-files.ts) takes only the layout the encoder
 * writes, and returns exactly what the general reader returns; every other layout, valid or not, goes to the
 * general reader, whose values, errors and offsets are what they were before the fast path existed.
 */
import t from "tap";
import { readCanonicalFileRef } from "../src/body/decode-canonical-files.js";
import type { BodyReader } from "../src/body/decode-fields.js";
import { readFileRefAt, type FileRefPlace } from "../src/body/decode-files.js";
import { createReader } from "../src/body/wire.js";
import { KNOWN_FEATURES } from "../src/container/layout.js";
import { thrown } from "./helpers.js";

function varint(v: bigint): number[] {
  const out: number[] = [];
  while (v > 0x7fn) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return out;
}
const str = (tag: number, bytes: number[]): number[] => [tag, ...varint(BigInt(bytes.length)), ...bytes];
const ascii = (s: string): number[] => [...Buffer.from(s, "latin1")];
const fixed64 = (v: bigint): number[] => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return [...b]; };

const ID = str(0x0a, ascii("backend/1/00000042"));
const PATH = str(0x12, ascii("shared/backend-1-00000042.sst"));
const SIZE = [0x18, ...varint(67_108_864n)];
const XXH = [0x21, ...fixed64(0xfedcba9876543210n)];
const ORIGIN = [0x28, ...varint(4711n)];
const VALUE = { id: "backend/1/00000042", path: "shared/backend-1-00000042.sst", size: 67_108_864n, xxh64: 0xfedcba9876543210n };

/** A reader over the message `fields` with its length prefix, as a list item is read. */
function reader(fields: number[]): BodyReader {
  const r = createReader(Uint8Array.from([...varint(BigInt(fields.length)), ...fields])) as BodyReader;
  r.readerMinor = 1;
  r.features = KNOWN_FEATURES;
  return r;
}
/** What the reader of the body returns for the message (fast path or not). */
const read = (fields: number[], place: FileRefPlace = "shared") => readFileRefAt(reader(fields), fields.length + 8, "sharedFiles", 0, place);
/** Whether the fast path takes the message. */
function fast(fields: number[], shared = true): boolean {
  const r = reader(fields);
  const lengthBytes = varint(BigInt(fields.length)).length;
  r.pos = lengthBytes;
  const before = r.pos;
  const got = readCanonicalFileRef(r, lengthBytes + fields.length, shared);
  if (got === undefined && r.pos !== before) throw new Error("the fast path moved the reader without taking the message");
  return got !== undefined;
}

t.test("the canonical layouts take the fast path, with the general reader's values", async (t) => {
  const shared = [...ID, ...PATH, ...SIZE, ...XXH, ...ORIGIN];
  t.ok(fast(shared));
  t.strictSame(read(shared), { ...VALUE, originCheckpointId: 4711n });
  const file = [...ID, ...PATH, ...SIZE, ...XXH];
  t.ok(fast(file, false));
  t.strictSame(read(file, "file"), VALUE);
  // Size and hash 0 are omitted by the encoder.
  const zeros = [...ID, ...PATH, ...ORIGIN];
  t.ok(fast(zeros));
  t.strictSame(read(zeros), { ...VALUE, size: 0n, xxh64: 0n, originCheckpointId: 4711n });
});

t.test("every other layout goes to the general reader, which reads it as before", async (t) => {
  const cases: [string, number[], unknown][] = [
    ["fields out of order", [...PATH, ...ID, ...SIZE, ...XXH, ...ORIGIN], { ...VALUE, originCheckpointId: 4711n }],
    ["an unknown field after the origin", [...ID, ...PATH, ...SIZE, ...XXH, ...ORIGIN, 0x30, 0x01], { ...VALUE, originCheckpointId: 4711n }],
    ["a size of 2^53 + 1 (an 8-byte varint)", [...ID, ...PATH, 0x18, ...varint(2n ** 53n + 1n), ...XXH, ...ORIGIN],
      { ...VALUE, size: 2n ** 53n + 1n, originCheckpointId: 4711n }],
    ["an id of 200 bytes (a two-byte length)", [...str(0x0a, ascii("i".repeat(200))), ...PATH, ...SIZE, ...XXH, ...ORIGIN],
      { ...VALUE, id: "i".repeat(200), originCheckpointId: 4711n }],
    ["a valid U+FFFD in the path", [...ID, ...str(0x12, [0x61, 0xef, 0xbf, 0xbd]), ...SIZE, ...XXH, ...ORIGIN],
      { ...VALUE, path: "a\uFFFD", originCheckpointId: 4711n }],
    ["a local name", [...ID, ...PATH, ...SIZE, ...XXH, ...ORIGIN, ...str(0x62, ascii("000042.sst"))],
      { ...VALUE, originCheckpointId: 4711n, localName: "000042.sst" }],
  ];
  for (const [what, fields, want] of cases) {
    t.notOk(fast(fields), `${what}: not the fast path`);
    t.strictSame(read(fields), want, what);
  }
});

t.test("invalid refs in the canonical layout fail as the general reader makes them fail", async (t) => {
  const badUtf8 = [...str(0x0a, [0x61, 0xff]), ...PATH, ...SIZE, ...XXH, ...ORIGIN];
  t.notOk(fast(badUtf8));
  const e1 = thrown(() => read(badUtf8));
  t.same([e1.code, e1.offset, e1.field], ["MALFORMED_BODY", 3, "sharedFiles[0].id"], "invalid UTF-8: at the string's first byte");
  const noOrigin = [...ID, ...PATH, ...SIZE, ...XXH, 0x28, 0x00];
  t.notOk(fast(noOrigin));
  const e2 = thrown(() => read(noOrigin));
  t.same([e2.code, e2.field], ["MISSING_FIELD", "sharedFiles[0].originCheckpointId"], "origin 0");
  const cut = [...ID, ...PATH, ...SIZE, 0x21, 1, 2, 3];
  t.notOk(fast(cut, false));
  t.equal(thrown(() => read(cut, "file")).code, "MALFORMED_BODY", "a fixed64 cut by the end of the message");
});
