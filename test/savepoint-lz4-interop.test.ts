/**
 * LZ4 interoperability: every LZ4 block of written data files decodes with the
 * reference C implementation (Debian's `lz4` tool, through test/lz4-reference.ts:
 * LZ4_decompress_safe behind the frame decoder) to the same bytes as
 * lz4-wasm-nodejs; blocks compressed by the C encoders (fast and HC) read back
 * through our reader. Also pins the measured framing of lz4-wasm-nodejs that
 * src/savepoint/lz4-block.ts relies on. Without the tool every test fails,
 * saying what to install: nothing is skipped.
 */
import t, { type Test } from "tap";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compress, decompress } from "lz4-wasm-nodejs";
import { pseudoRandomBytes, rawEntry, THREE_STATES, threeKindsInput, writeInMemory } from "../conformance/generate-savepoint-vectors.js";
import { xxh64 } from "../src/hash/xxh64.js";
import type { KeyGroupRange } from "../src/model.js";
import { FRAME_HEADER_BYTES } from "../src/savepoint/data-format.js";
import { blockChecksum } from "../src/savepoint/frame.js";
import { encodeHeader } from "../src/savepoint/header-codec.js";
import { listFrames, readKeyGroups, type StateDescriptor } from "../src/savepoint/index.js";
import { compressBlock, decompressBlock, Lz4DecodeError } from "../src/savepoint/lz4-block.js";
import { canonicalStates } from "../src/savepoint/states.js";
import { encodeTrailer } from "../src/savepoint/trailer.js";
import { type Lz4Block, lz4Version, Lz4OracleRefused, referenceCompress, referenceDecode } from "./lz4-reference.js";

const dir = mkdtempSync(join(tmpdir(), "ksnap-savepoint-lz4-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test("the oracle: the reference lz4 tool runs, and refuses what is not a block of that length", async (t) => {
  t.match(lz4Version(), /LZ4 command line interface .*v\d+\.\d+\.\d+/);
  const input = new Uint8Array(Buffer.from("abcabcabcabcabcabcabcabcabc"));
  const block = compressBlock(input);
  t.ok(Buffer.from(referenceDecode([{ payload: block, uncompressedLength: input.length }])[0]!).equals(input), "a good block");
  t.throws(() => referenceDecode([{ payload: block, uncompressedLength: input.length + 1 }]), Lz4OracleRefused, "a wrong length");
  t.throws(() => referenceDecode([{ payload: block.subarray(0, block.length - 2), uncompressedLength: input.length }]),
    Lz4OracleRefused, "a cut block");
  t.throws(() => referenceDecode([{ payload: Uint8Array.of(0xf0), uncompressedLength: 100 }]), Lz4OracleRefused, "garbage");
});

t.test("measured lz4-wasm-nodejs framing: a u32 LE length prefix, then a bare LZ4 block", async (t) => {
  t.strictSame([...compress(new Uint8Array(0))], [0, 0, 0, 0, 0], "empty input: length 0, then the single token 0x00");
  const input = new Uint8Array(Buffer.from("hello hello hello hello hello hello"));
  const out = compress(input);
  t.equal(Buffer.from(out).readUInt32LE(0), input.length, "the prefix is the uncompressed length, little-endian");
  const [decoded] = referenceDecode([{ payload: out.subarray(4), uncompressedLength: input.length }]);
  t.ok(Buffer.from(decoded!).equals(input), "after the prefix: a bare block C decodes");
  t.throws(() => decompress(out.subarray(4)), "decompress needs the prefix back");
  const wrong = Uint8Array.from(out);
  new DataView(wrong.buffer).setUint32(0, input.length + 1, true);
  t.throws(() => decompress(wrong), "decompress checks the decoded length against the prefix");
  const incompressible = pseudoRandomBytes(65536, 7);
  t.ok(compress(incompressible).length > incompressible.length + 4, "incompressible input grows: hence raw blocks");
});

t.test("compressBlock / decompressBlock wrap it: bare blocks in and out, errors typed", async (t) => {
  const content = new Uint8Array(Buffer.from("abcabcabcabcabcabcabcabcabc"));
  const block = compressBlock(content);
  t.strictSame([...decompressBlock(block, content.length)], [...content]);
  const cases: [string, () => unknown][] = [
    ["a wrong length", () => decompressBlock(block, content.length + 1)],
    ["a cut block", () => decompressBlock(block.subarray(0, block.length - 2), content.length)],
    ["garbage", () => decompressBlock(Uint8Array.of(0xf0), 100)],
  ];
  for (const [what, fn] of cases) {
    try {
      fn();
      t.fail(`${what}: decoded`);
    } catch (e) {
      t.ok(e instanceof Lz4DecodeError, `${what}: ${String(e)}`);
    }
  }
});

/** A block of a written file, with what our reader decodes it to. */
interface WrittenBlock extends Lz4Block {
  where: string;
  keyGroup: number;
  block: number;
  xxh64: bigint;
  viaWasm: Uint8Array;
}

/** The LZ4 blocks of `file`, decoded by our reader; {@link decodeWithC} then compares them all in one run of the tool. */
function blocksOf(where: string, file: Uint8Array): WrittenBlock[] {
  const out: WrittenBlock[] = [];
  for (const f of listFrames(file)) {
    if (f.raw || f.uncompressedLength === 0) continue;
    const payload = file.subarray(f.payloadOffset, f.payloadOffset + f.storedLength);
    out.push({ where, keyGroup: f.keyGroup, block: f.block, xxh64: f.xxh64, payload, uncompressedLength: f.uncompressedLength,
      viaWasm: decompressBlock(payload, f.uncompressedLength) });
  }
  return out;
}

/** Decodes every block with the C reference decoder; fails for each that differs from our reader. */
function decodeWithC(t: Test, blocks: WrittenBlock[]): void {
  const viaC = referenceDecode(blocks);
  for (const [i, b] of blocks.entries()) {
    const c = Buffer.from(viaC[i]!);
    if (!c.equals(b.viaWasm) || blockChecksum(b.keyGroup, b.block, c) !== b.xxh64) {
      t.fail(`${b.where}, key group ${b.keyGroup}, block ${b.block}: C and wasm decode to different bytes`);
    }
  }
}

t.test("every LZ4 block of written files decodes identically with the C reference decoder", async (t) => {
  const blocks = blocksOf("a", writeInMemory("a", THREE_STATES, { start: 4, count: 4 }, threeKindsInput()).bytes);
  blocks.push(...blocksOf("b", writeInMemory("b", THREE_STATES, { start: 4, count: 4 }, threeKindsInput(), 9).bytes));
  const big = writeInMemory("c", BLOBS, { start: 0, count: 1 }, [{ keyGroup: 0, entries: [
    { state: "blobs", key: new Uint8Array(1), namespace: new Uint8Array(0), value: mixed(600_000) },
  ] }]).bytes;
  blocks.push(...blocksOf("c", big));
  let run = 0;
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 20 }), fc.integer({ min: 16, max: 4096 }),
    (values, blockBytes) => {
      const file = writeInMemory("p", BLOBS, { start: 0, count: 1 }, [{ keyGroup: 0, entries: values.map((value, i) => (
        { state: "blobs", key: new Uint8Array([i >> 8, i & 0xff]), namespace: new Uint8Array(0), value: repeatSome(value) })) }], blockBytes);
      blocks.push(...blocksOf(`property run ${run++} (block size ${blockBytes})`, file.bytes));
    }), { numRuns: 200 });
  decodeWithC(t, blocks);
  t.ok(blocks.length > 100, `${blocks.length} LZ4 blocks compared`);
});

t.test("blocks compressed by the C encoders (fast and HC) read back through the reader", async (t) => {
  const value = mixed(300_000);
  for (const level of [1, 9, 12]) {
    const content = Buffer.concat([rawEntry(0, Buffer.from("k"), new Uint8Array(0), value)]);
    const { bytes, handle } = fileWithForeignBlocks(content, 100_000, (block) => referenceCompress(block, level));
    t.ok(listFrames(bytes).some((f) => !f.raw && f.uncompressedLength > 0), `lz4 -${level}: the file has C-compressed blocks`);
    const path = join(dir, `level-${level}.ksvd`);
    writeFileSync(path, bytes);
    const read = [];
    for await (const e of readKeyGroups(path, handle)) read.push(e);
    t.equal(read.length, 1);
    t.ok(Buffer.from(read[0]!.value).equals(value), `lz4 -${level}: the value reads back exactly`);
  }
});

const BLOBS: StateDescriptor[] = [{ name: "blobs", kind: "value", keySerializer: "", namespaceSerializer: "", valueSerializer: "" }];

/** Compressible and incompressible stretches. */
function mixed(length: number): Uint8Array {
  const out = pseudoRandomBytes(length, 99);
  for (let i = 0; i < length; i += 20_000) out.fill(i % 251, i, Math.min(length, i + 12_000));
  return out;
}

/** `value` repeated a few times, so that LZ4 finds matches. */
function repeatSome(value: Uint8Array): Uint8Array {
  return value.length === 0 ? value : new Uint8Array(Buffer.concat([value, value, value.subarray(0, value.length >> 1)]));
}

/**
 * A one-key-group file (state "blobs") whose blocks of `blockBytes` are
 * compressed by `encode` (raw when it returns undefined): what another
 * implementation's writer could produce.
 */
function fileWithForeignBlocks(content: Uint8Array, blockBytes: number, encode: (block: Uint8Array) => Uint8Array | undefined) {
  const range: KeyGroupRange = { start: 0, count: 1 };
  const parts: Uint8Array[] = [encodeHeader(canonicalStates(BLOBS), range)];
  const offsets = [BigInt(parts[0]!.length)];
  let block = 0;
  for (let at = 0; at < content.length; at += blockBytes) {
    const chunk = content.subarray(at, Math.min(content.length, at + blockBytes));
    const payload = encode(chunk) ?? chunk;
    const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, chunk.length, true);
    view.setUint32(4, payload.length, true);
    view.setBigUint64(8, blockChecksum(0, block++, chunk), true);
    frame.set(payload, FRAME_HEADER_BYTES);
    parts.push(frame);
  }
  parts.push(endMarker(block));
  parts.push(encodeTrailer(range, offsets, 1n));
  const bytes = new Uint8Array(Buffer.concat(parts));
  return {
    bytes,
    handle: { keyGroups: range, offsets, dataFile: { size: BigInt(bytes.length), xxh64: xxh64(bytes) } },
  };
}

function endMarker(block: number): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES);
  new DataView(frame.buffer).setBigUint64(8, blockChecksum(0, block, new Uint8Array(0)), true);
  return frame;
}
