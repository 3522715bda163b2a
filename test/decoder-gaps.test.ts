/**
 * Decoder rules settled beyond the vectors (spec/format-v1.md "Reading a file" and
 * "What a decoder accepts and rejects"): the container error offsets a vector cannot
 * hold, groups nested deeper than any call stack, and JSON strings with lone surrogates.
 */
import t from "tap";
import { decodeFile, encodeSnapshot } from "../src/codec.js";
import { frameBody } from "../src/container/frame.js";
import { snapshotFromJsonText } from "../src/json/from-json.js";
import { DEFAULT_DECODE_LIMITS } from "../src/limits.js";
import { thrown } from "./helpers.js";

const MINIMAL_BODY = Uint8Array.of(0x08, 0x01, 0x10, 0x01, 0x1a, 0x04, 0x18, 0x03, 0x20, 0x01, 0x20, 0x80, 0x01);

t.test("LIMIT_EXCEEDED concerns the whole file: offset 0", async (t) => {
  const file = frameBody(MINIMAL_BODY);
  const e = thrown(() => decodeFile(file, { ...DEFAULT_DECODE_LIMITS, maxFileBytes: file.length - 1 }));
  t.equal(e.code, "LIMIT_EXCEEDED");
  t.equal(e.offset, 0);
});

t.test("TRUNCATED for every short prefix is at the file's size; for a body length past the end at byte 16", async (t) => {
  const file = frameBody(MINIMAL_BODY);
  for (const n of [0, 1, 7, 8, 11, 12, 15, 16, 23, 24, 31]) {
    const e = thrown(() => decodeFile(file.subarray(0, n)));
    t.same([e.code, e.offset], ["TRUNCATED", n], `${n} bytes`);
  }
  for (const n of [32, file.length - 1]) {
    const e = thrown(() => decodeFile(file.subarray(0, n)));
    t.same([e.code, e.offset], ["TRUNCATED", 16], `${n} bytes: body_length disagrees with the size`);
  }
});

t.test("unknown groups nested 100 000 deep are skipped without exhausting the stack", async (t) => {
  const depth = 100_000;
  const open = Buffer.alloc(depth * 2, Buffer.from([0xab, 0x02]));
  const close = Buffer.alloc(depth * 2, Buffer.from([0xac, 0x02]));
  t.equal(decodeFile(frameBody(Buffer.concat([MINIMAL_BODY, open, close]))).snapshot.snapshotId, 1n);
  const unclosed = thrown(() => decodeFile(frameBody(Buffer.concat([MINIMAL_BODY, open, close.subarray(2)]))));
  t.equal(unclosed.code, "MALFORMED_BODY", "one end tag short");
  t.match(unclosed.message, /group 37 has no end-group tag/);
});

t.test("a lone surrogate in a JSON string is INVALID_FIELD at its field, never replaced", async (t) => {
  for (const id of ["op\\ud800", "\\udfff", "a\\ud83d"]) {
    const doc = `{"formatVersion":"1.0","snapshotId":"1","kind":"checkpoint","properties":{"incremental":true,"sharing":"forward-backward","ownership":"system"},"maxParallelism":8,"operators":[{"operatorId":"${id}","parallelism":1}]}`;
    const e = thrown(() => encodeSnapshot(snapshotFromJsonText(doc)));
    t.equal(e.code, "INVALID_FIELD", id);
    t.equal(e.field, "operators[0].operatorId", id);
  }
  const paired = `{"formatVersion":"1.0","snapshotId":"1","kind":"checkpoint","properties":{"incremental":true,"sharing":"forward-backward","ownership":"system"},"maxParallelism":8,"operators":[{"operatorId":"\\ud83d\\ude00","parallelism":1}]}`;
  t.equal(decodeFile(encodeSnapshot(snapshotFromJsonText(paired))).snapshot.operators[0]!.operatorId, "\u{1F600}", "a pair is one code point");
});
