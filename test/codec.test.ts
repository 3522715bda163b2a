/** Properties of the codec: round trip, canonical bytes, code-point order, typed errors only. */
import t from "tap";
import fc from "fast-check";
import { deepStrictEqual } from "node:assert/strict";
import { join } from "node:path";
import { compareCodePoints } from "../src/body/canonical-order.js";
import { decodeFile, decodeSnapshot, encodeSnapshot } from "../src/codec.js";
import { KsnapError } from "../src/errors.js";
import { xxh64 } from "../src/hash/xxh64.js";
import { formatVersionOf } from "../src/body/features.js";
import type { Snapshot } from "../src/model.js";
import { plain, reversed, snapshotArb, snapshotArb11 } from "./arbitraries.js";
import { bytesOf, caseNames, thrown, VECTORS } from "./helpers.js";

const RUNS = { numRuns: 300 };

t.test("decode(encode(s)) is s for any snapshot in canonical order", async (t) => {
  fc.assert(fc.property(snapshotArb, (s) => {
    deepStrictEqual(decodeSnapshot(encodeSnapshot(s)), plain(s));
  }), RUNS);
  t.pass(`${RUNS.numRuns} snapshots round-tripped`);
});

for (const [label, arb] of [["1.0", snapshotArb], ["1.1", snapshotArb11]] as const) {
  t.test(`${label}: the encoding does not depend on list order, and the input is not mutated`, async (t) => {
    fc.assert(fc.property(arb, (s) => {
      const shuffled = reversed(s);
      const before = plain(shuffled);
      if (!Buffer.from(encodeSnapshot(shuffled)).equals(encodeSnapshot(s))) throw new Error("order changed the bytes");
      deepStrictEqual(plain(shuffled), before);
    }), { numRuns: 150 });
    t.pass("150 snapshots encoded identically in reverse order");
  });
}

t.test("1.1: decode(encode(s)) is s, in the version and with the bits formatVersionOf gives", async (t) => {
  let minor1 = 0, withBits = 0;
  fc.assert(fc.property(snapshotArb11, (s) => {
    const file = decodeFile(encodeSnapshot(s));
    deepStrictEqual(file.snapshot, plain(s));
    const v = formatVersionOf(s);
    deepStrictEqual([file.version.minor, file.requiredFeatures], [v.minor, v.requiredFeatures]);
    if (v.minor === 1) minor1++;
    if (v.requiredFeatures !== 0) withBits++;
  }), RUNS);
  t.ok(minor1 > RUNS.numRuns / 2 && withBits > RUNS.numRuns / 2, `1.1 files generated: ${minor1}, with bits: ${withBits}`);
});


/** What a 1.0 reader sees of a snapshot whose 1.1 fields are all ignorable: the snapshot without them. */
function ignorablesRemoved(s: Snapshot): Snapshot {
  const noLocalName = <F extends { localName?: string }>(f: F): F => ({ ...f, localName: undefined });
  return plain({
    ...s, source: undefined,
    operators: s.operators.map((op) => ({
      ...op, uid: undefined,
      subtasks: op.subtasks.map((st) => ({
        ...st,
        handles: st.handles.map((h) => h.type === "incremental"
          ? { ...h, sharedFiles: h.sharedFiles.map(noLocalName), privateFiles: h.privateFiles.map(noLocalName), metaFile: noLocalName(h.metaFile) }
          : h.type === "savepoint" ? { ...h, dataFile: noLocalName(h.dataFile) } : h),
      })),
    })),
  });
}

t.test("1.1 files through a 1.0 reader: refused when they set a bit, else read without their 1.1 fields", async (t) => {
  let refused = 0, read = 0;
  fc.assert(fc.property(snapshotArb11, (s) => {
    const bytes = encodeSnapshot(s);
    if (formatVersionOf(s).requiredFeatures !== 0) {
      const e = thrown(() => decodeSnapshot(bytes, { readerMinor: 0 }));
      if (e.code !== "UNKNOWN_REQUIRED_FEATURE" || e.offset !== 12) throw new Error(`refused with ${e.describe()}`);
      refused++;
      return;
    }
    deepStrictEqual(decodeSnapshot(bytes, { readerMinor: 0 }), ignorablesRemoved(s));
    read++;
  }), { numRuns: 1000 });
  t.ok(refused > 0 && read > 0, `refused ${refused}, read ${read}`);
});

t.test("string order is Unicode code point order, i.e. UTF-8 byte order", async (t) => {
  fc.assert(fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
    const expected = Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
    return Math.sign(compareCodePoints(a, b)) === expected;
  }), { numRuns: 2000 });
  t.ok(compareCodePoints("\uE000", "\u{1F600}") < 0, "U+E000 before U+1F600 (UTF-16 units say the opposite)");
  t.ok("\uE000" > "\u{1F600}", "the JavaScript order this differs from");
});

/** Replaces the checksum so that a mutated file reaches the body decoder. */
function rechecksum(file: Uint8Array): Uint8Array {
  if (file.length < 32) return file;
  const out = new Uint8Array(file);
  const view = new DataView(out.buffer);
  view.setBigUint64(16, BigInt(out.length - 32), true);
  view.setBigUint64(out.length - 8, xxh64(out.subarray(0, out.length - 8)), true);
  return out;
}

/** Both readers (1.1, and 1.0 with `readerMinor: 0`) return a snapshot or throw a KsnapError. */
function onlyTypedErrors(bytes: Uint8Array): boolean {
  for (const readerMinor of [1, 0] as const) {
    try {
      decodeFile(bytes, { readerMinor });
    } catch (e) {
      if (!(e instanceof KsnapError)) throw e;
    }
  }
  return true;
}

const seeds = ["v1.0", "v1.1"].flatMap((v) => caseNames(join(VECTORS, v, "valid")).map((n) => bytesOf(join(VECTORS, v, "valid", `${n}.ksnap`))))
  .filter((b) => b.length < 4096);

t.test("mutated 1.0 and 1.1 files (checksum fixed up) yield a snapshot or a KsnapError, nothing else, to both readers", async (t) => {
  t.ok(seeds.length > 15, `${seeds.length} seeds, the 1.1 vectors among them`);
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "insert", "delete")), { minLength: 1, maxLength: 6 }),
  });
  fc.assert(fc.property(mutation, ({ seed, edits }) => {
    const bytes = [...seeds[seed]!];
    for (const [at, value, op] of edits) {
      const i = 24 + (at % Math.max(1, bytes.length - 32));
      if (op === "set") bytes[i] = value;
      else if (op === "insert") bytes.splice(i, 0, value);
      else bytes.splice(i, 1);
    }
    return onlyTypedErrors(rechecksum(Uint8Array.from(bytes)));
  }), { numRuns: 3000 });
  t.pass("no untyped error in 3000 mutated files");
});

t.test("random bodies and random files yield only KsnapErrors", async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (body) => {
    const file = new Uint8Array(32 + body.length);
    file.set(bytesOf(join(VECTORS, "v1.0", "valid", "empty-checkpoint.ksnap")).subarray(0, 16));
    file.set(body, 24);
    return onlyTypedErrors(rechecksum(file)) && onlyTypedErrors(body);
  }), { numRuns: 3000 });
  t.pass("no untyped error");
});

t.test("the reader's file-size limit is applied before anything else is read", async (t) => {
  const file = bytesOf(join(VECTORS, "v1.0", "valid", "incremental-chain-head.ksnap"));
  const e = thrown(() => decodeSnapshot(file, { maxFileBytes: 64 }));
  t.equal(e.code, "LIMIT_EXCEEDED");
  t.match(e.message, `file size ${file.length} exceeds the limit of 64 bytes`);
});

t.test("a string over its limit or not UTF-8 is named in the field path, not only its message", async (t) => {
  const invalid = (name: string) => thrown(() => decodeFile(bytesOf(join(VECTORS, "v1.0", "invalid", `${name}.ksnap`))));
  const long = invalid("id-over-256-bytes");
  t.equal(long.code, "INVALID_FIELD");
  t.equal(long.field, "operators[0].subtasks[0].handles[0].savepoint.dataFile.id");
  const utf8 = invalid("invalid-utf8-path");
  t.equal(utf8.code, "MALFORMED_BODY");
  t.equal(utf8.field, "operators[0].subtasks[0].handles[0].savepoint.dataFile.path");
});
