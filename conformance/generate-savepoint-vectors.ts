/**
 * Regenerates conformance/vectors/savepoint-data-v1/ ([spec](../spec/savepoint-data.md)):
 * `node dist/conformance/generate-savepoint-vectors.js [OUT_DIR]`. Output is
 * deterministic (fixed inputs, a seeded generator, the pinned LZ4 compressor);
 * test/savepoint-vectors.test.ts checks that a fresh run reproduces the
 * committed files byte for byte. Also exports the file-crafting helpers the
 * tests use to build files no correct writer would produce.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { xxh64 } from "../src/hash/xxh64.js";
import { savepointHandleToJson } from "../src/json/to-json.js";
import type { KeyGroupRange, SavepointHandle } from "../src/model.js";
import { packageFile } from "../src/storage/package-files.js";
import { BlockCutter } from "../src/savepoint/block-cutter.js";
import type { StateDescriptor, StateEntry } from "../src/savepoint/data-format.js";
import { MemorySink } from "../src/savepoint/data-sink.js";
import { SavepointDataWriter } from "../src/savepoint/data-writer.js";
import { dataFileInfoToJson, dumpSavepointData } from "../src/savepoint/dump.js";
import { readDataFileInfo } from "../src/savepoint/data-reader.js";
import { listFrames, type FrameInfo } from "../src/savepoint/frame-list.js";
import { useLz4 } from "../src/savepoint/lz4-block.js";
import { encodeHeader } from "../src/savepoint/header-codec.js";
import { canonicalStates } from "../src/savepoint/states.js";
import { encodeTrailer } from "../src/savepoint/trailer.js";
import { writeVarint, varintLength } from "../src/savepoint/varint.js";
import { caseTables } from "./cases/readme-tables.js";
import { replaceFolderAsync } from "./cases/replace-folder.js";

/** The folder's name under conformance/vectors. */
export const SAVEPOINT_VECTORS_DIR = "savepoint-data-v1";

/** One key group's entries, as a writer is given them. */
export interface KeyGroupInput {
  keyGroup: number;
  entries: StateEntry[];
}

/** A file written by the reference writer. */
export interface WrittenFile {
  bytes: Uint8Array;
  handle: SavepointHandle;
}

/** Writes a data file in memory with the reference writer. */
export function writeInMemory(name: string, states: StateDescriptor[], keyGroups: KeyGroupRange, input: KeyGroupInput[],
  blockBytes?: number): WrittenFile {
  const sink = new MemorySink();
  const writer = SavepointDataWriter.open(sink, {
    fileId: `${SAVEPOINT_VECTORS_DIR}/${name}`, filePath: `${name}.ksvd`, states, keyGroups,
    ...(blockBytes === undefined ? {} : { blockBytes }),
  });
  for (const kg of input) {
    writer.beginKeyGroup(kg.keyGroup);
    for (const e of kg.entries) writer.add(e);
    writer.endKeyGroup();
  }
  const { handle } = writer.finish();
  return { bytes: sink.bytes!, handle };
}

/**
 * Builds a data file from raw key-group contents (already-encoded entry
 * streams, one per key group of the range), bypassing the writer's checks: for
 * files with bad entries. Frames, checksums and the trailer are correct.
 */
export function craftDataFile(name: string, states: StateDescriptor[], keyGroups: KeyGroupRange, contents: Uint8Array[],
  entryCount: bigint, blockBytes = 128 * 1024): WrittenFile {
  const parts: Uint8Array[] = [encodeHeader(canonicalStates(states), keyGroups)];
  let position = parts[0]!.length;
  const cutter = new BlockCutter(blockBytes, (frame) => {
    parts.push(frame);
    position += frame.length;
  });
  const offsets: bigint[] = [];
  contents.forEach((content, i) => {
    offsets.push(BigInt(position));
    cutter.begin(keyGroups.start + i);
    cutter.write(content);
    cutter.end();
  });
  parts.push(encodeTrailer(keyGroups, offsets, entryCount));
  const bytes = new Uint8Array(Buffer.concat(parts));
  return {
    bytes,
    handle: {
      type: "savepoint", keyGroups,
      dataFile: { id: `${SAVEPOINT_VECTORS_DIR}/${name}`, path: `${name}.ksvd`, size: BigInt(bytes.length), xxh64: xxh64(bytes) },
      offsets,
    },
  };
}

/** Encodes raw entry fields (no checks): `state` index, then length-prefixed fields as given. */
export function rawEntry(state: number, ...fields: Uint8Array[]): Uint8Array {
  let length = varintLength(state);
  for (const f of fields) length += varintLength(f.length) + f.length;
  const out = new Uint8Array(length);
  let at = writeVarint(out, 0, state);
  for (const f of fields) {
    at = writeVarint(out, at, f.length);
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32): incompressible content without a random source. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** The offset of the first literal byte of an LZ4 block's first sequence, or undefined when it has none. */
export function firstLiteralOffset(file: Uint8Array, frame: FrameInfo): number | undefined {
  const token = file[frame.payloadOffset]!;
  return token >> 4 === 0 ? undefined : frame.payloadOffset + 1;
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));
const hexBytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
const EMPTY = new Uint8Array(0);

/** The states most vectors use, listed out of name order (the file sorts them). */
export const THREE_STATES: StateDescriptor[] = [
  { name: "window-contents", kind: "list", keySerializer: "flink:LongSerializer", namespaceSerializer: "flink:TimeWindow$Serializer", valueSerializer: "flink:StringSerializer" },
  { name: "counts", kind: "value", keySerializer: "flink:LongSerializer", namespaceSerializer: "flink:VoidNamespaceSerializer", valueSerializer: "flink:LongSerializer" },
  { name: "sessions", kind: "map", keySerializer: "flink:LongSerializer", namespaceSerializer: "flink:VoidNamespaceSerializer", valueSerializer: "flink:BytePrimitiveArraySerializer", userKeySerializer: "flink:StringSerializer" },
];

/** Key groups 4..7 of THREE_STATES, entries given out of canonical order; key group 5 is empty. */
export function threeKindsInput(): KeyGroupInput[] {
  const key = (n: number) => hexBytes(n.toString(16).padStart(16, "0"));
  const window = (start: number) => hexBytes(start.toString(16).padStart(16, "0") + (start + 60000).toString(16).padStart(16, "0"));
  return [
    { keyGroup: 4, entries: [
      { state: "sessions", key: key(42), namespace: EMPTY, userKey: bytes("b"), value: hexBytes("ff00") },
      { state: "counts", key: key(42), namespace: EMPTY, value: key(7) },
      { state: "window-contents", key: key(42), namespace: window(60000), value: bytes("first") },
      { state: "sessions", key: key(42), namespace: EMPTY, userKey: bytes("a"), value: EMPTY },
      { state: "counts", key: key(3), namespace: EMPTY, value: key(1) },
      { state: "window-contents", key: key(42), namespace: window(60000), value: bytes("second") },
      { state: "window-contents", key: key(42), namespace: window(0), value: bytes("earlier window") },
    ] },
    { keyGroup: 6, entries: [
      { state: "counts", key: EMPTY, namespace: EMPTY, value: EMPTY },
      { state: "counts", key: hexBytes("00"), namespace: EMPTY, value: hexBytes("00ff") },
      { state: "counts", key: hexBytes("ff"), namespace: EMPTY, value: hexBytes("80") },
    ] },
    { keyGroup: 7, entries: [{ state: "counts", key: key(9), namespace: EMPTY, value: key(2) }] },
  ];
}

/** Key groups 0..1: an entry spanning two LZ4 blocks, and an incompressible key group stored raw. */
function multiBlockInput(): KeyGroupInput[] {
  const repetitive = new Uint8Array(132 * 1024).map((_, i) => "abcdefgh".charCodeAt(i % 8) + (i >> 12) % 3);
  return [
    { keyGroup: 0, entries: [
      { state: "blobs", key: bytes("small"), namespace: EMPTY, value: bytes("tail") },
      { state: "blobs", key: bytes("repetitive"), namespace: EMPTY, value: repetitive },
    ] },
    { keyGroup: 1, entries: [
      { state: "blobs", key: bytes("random"), namespace: EMPTY, value: pseudoRandomBytes(4096, 0x5eed) },
      { state: "blobs", key: bytes("only"), namespace: EMPTY, value: bytes("one") },
    ] },
  ];
}

const BLOBS: StateDescriptor[] = [
  { name: "blobs", kind: "value", keySerializer: "utf8", namespaceSerializer: "void", valueSerializer: "bytes" },
];

/** Names whose code-point order differs from UTF-16 order, and one that needs JSON escapes. */
const UNICODE_STATES: StateDescriptor[] = [
  { name: "\u{1F600}", kind: "value", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v" },
  { name: "\uE000", kind: "value", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v" },
  { name: "quote\"back\\slash\ttab\u0001", kind: "list", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v" },
];

interface ValidCase {
  name: string;
  checks: string;
  build: () => WrittenFile;
}

/** Canonical files: the reference writer's output. */
export const VALID_CASES: ValidCase[] = [
  { name: "three-kinds", checks: "value, list and map state in key groups 4..7 (5 empty); entries and descriptors given out of order; list elements keep their order; empty and binary keys",
    build: () => writeInMemory("three-kinds", THREE_STATES, { start: 4, count: 4 }, threeKindsInput()) },
  { name: "multi-block", checks: "a 132 KiB entry across the 128 KiB block boundary (two LZ4 blocks); an incompressible key group stored raw",
    build: () => writeInMemory("multi-block", BLOBS, { start: 0, count: 2 }, multiBlockInput()) },
  { name: "no-entries", checks: "three key groups, a state declared, no entries: each key group is its end marker",
    build: () => writeInMemory("no-entries", BLOBS, { start: 10, count: 3 }, []) },
  { name: "empty-range", checks: "key-group count 0: header, empty index, footer",
    build: () => writeInMemory("empty-range", [], { start: 7, count: 0 }, []) },
  { name: "unicode-state-names", checks: "state names sorted by code point (U+E000 before U+1F600, unlike UTF-16), and a name needing JSON escapes",
    build: () => writeInMemory("unicode-state-names", UNICODE_STATES, { start: 32767, count: 1 }, [{ keyGroup: 32767, entries: [
      { state: "\u{1F600}", key: bytes("k"), namespace: EMPTY, value: bytes("smile") },
      { state: "\uE000", key: bytes("k"), namespace: EMPTY, value: bytes("private use") },
      { state: "quote\"back\\slash\ttab\u0001", key: bytes("k"), namespace: EMPTY, value: bytes("x") },
    ] }]) },
];

/** Valid but not canonical: a reader MUST read them. */
export const ACCEPTED_CASES: ValidCase[] = [
  { name: "small-blocks", checks: "three-kinds cut into 5-byte blocks: entries and varints span blocks; blocks LZ4 or raw",
    build: () => writeInMemory("small-blocks", THREE_STATES, { start: 4, count: 4 }, threeKindsInput(), 5) },
  { name: "future-minor-1-9", checks: "three-kinds as a 1.9 writer without required features writes it: minor 9, header checksum over it; read as 1.0, info says \"1.9\"",
    build: () => withDataVersion(writeInMemory("future-minor-1-9", THREE_STATES, { start: 4, count: 4 }, threeKindsInput()), 1, 9) },
];

interface InvalidCase {
  name: string;
  checks: string;
  /** The expected error: code, and where given, key group, block and byte offset. */
  error: { code: string; keyGroup?: number; block?: number; offset?: number };
  /** Key groups to read, when not all. */
  read?: KeyGroupRange;
  build: () => WrittenFile;
}

const base = () => writeInMemory("three-kinds", THREE_STATES, { start: 4, count: 4 }, threeKindsInput());
const multi = () => writeInMemory("multi-block", BLOBS, { start: 0, count: 2 }, multiBlockInput());
const frameOf = (f: WrittenFile, keyGroup: number, block: number) =>
  listFrames(f.bytes).find((x) => x.keyGroup === keyGroup && x.block === block)!;

function patched(f: WrittenFile, patch: (b: Uint8Array, view: DataView) => void, keepHandleSize = true): WrittenFile {
  const bytes = f.bytes.slice();
  patch(bytes, new DataView(bytes.buffer));
  const size = keepHandleSize ? BigInt(bytes.length) : f.handle.dataFile.size;
  return { bytes, handle: { ...f.handle, dataFile: { ...f.handle.dataFile, size, xxh64: xxh64(bytes) } } };
}

/** `f` with the header's version set to `major.minor` and the header checksum recomputed over it. */
function withDataVersion(f: WrittenFile, major: number, minor: number): WrittenFile {
  return patched(f, (b, v) => {
    v.setUint16(8, major, true);
    v.setUint16(10, minor, true);
    const end = 28 + v.getUint32(24, true);
    v.setBigUint64(end, xxh64(b.subarray(0, end)), true);
  });
}

/**
 * What a 2.0 writer might produce if 2.0 changed everything after byte 12, as a
 * new major may: 16 bytes, every feature bit set. Read through three-kinds'
 * handle with this file's size: only the version is judged.
 */
function futureLayout(): WrittenFile {
  const f = base();
  const bytes = f.bytes.slice(0, 16);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, 2, true);
  view.setUint32(12, 0xffffffff, true);
  return { bytes, handle: { ...f.handle, dataFile: { ...f.handle.dataFile, size: 16n, xxh64: xxh64(bytes) } } };
}

function cut(f: WrittenFile, length: number, recordSize: boolean): WrittenFile {
  const bytes = f.bytes.slice(0, length);
  return { bytes, handle: { ...f.handle, dataFile: { ...f.handle.dataFile, size: recordSize ? f.handle.dataFile.size : 0n } } };
}

/** Crafted key-group contents for key groups 4..7 of THREE_STATES, the first replaced. */
function craftedThreeKinds(name: string, first: Uint8Array, entryCount: bigint): WrittenFile {
  return craftDataFile(name, THREE_STATES, { start: 4, count: 4 }, [first, EMPTY, EMPTY, EMPTY], entryCount);
}

/** State index of "counts" (value state) in THREE_STATES' sorted order: counts, sessions, window-contents. */
const COUNTS = 0;

export const INVALID_CASES: InvalidCase[] = [
  { name: "bad-magic", checks: "magic byte 3 changed ('V' → 'N', the metadata file's magic)", error: { code: "BAD_MAGIC", offset: 3 },
    build: () => patched(base(), (b) => { b[3] = 0x4e; }) },
  { name: "newer-major", checks: "major version 2", error: { code: "UNSUPPORTED_VERSION", offset: 8 },
    build: () => patched(base(), (_, v) => v.setUint16(8, 2, true)) },
  { name: "future-major-2-0-new-layout", checks: "a 16-byte 2.0 file, every feature bit set: rejected for its version, not as TRUNCATED or for its features",
    error: { code: "UNSUPPORTED_VERSION", offset: 8 }, build: futureLayout },
  { name: "future-major-65535", checks: "version 65535.65535, header checksum recomputed: read unsigned, rejected",
    error: { code: "UNSUPPORTED_VERSION", offset: 8 }, build: () => withDataVersion(base(), 65535, 65535) },
  { name: "header-checksum", checks: "a byte of a serializer id changed: the header checksum fails before meta is read",
    error: { code: "CHECKSUM_MISMATCH" }, build: () => patched(base(), (b) => { b[40] = b[40]! ^ 0x20; }) },
  { name: "corrupt-block", checks: "a literal byte of an LZ4 block flipped: it still decodes, to wrong bytes; the block checksum fails",
    error: { code: "CHECKSUM_MISMATCH", keyGroup: 0, block: 0 }, build: () => {
      const f = multi();
      const frame = frameOf(f, 0, 0);
      const at = frame.raw ? undefined : firstLiteralOffset(f.bytes, frame);
      if (at === undefined) throw new Error("multi-block's first block must be an LZ4 block starting with literals");
      return patched(f, (b) => { b[at] = b[at]! ^ 0x01; });
    } },
  { name: "corrupt-raw-block", checks: "a byte of a raw (stored) block flipped", error: { code: "CHECKSUM_MISMATCH", keyGroup: 1, block: 0 },
    build: () => {
      const f = multi();
      const raw = listFrames(f.bytes).find((x) => x.raw)!;
      return patched(f, (b) => { b[raw.payloadOffset + 100] = b[raw.payloadOffset + 100]! ^ 0x80; });
    } },
  { name: "oversized-block", checks: "a block declaring 1 MiB + 1 uncompressed bytes: rejected before its payload is read",
    error: { code: "LIMIT_EXCEEDED", keyGroup: 0, block: 0 },
    build: () => {
      const f = multi();
      const frame = frameOf(f, 0, 0);
      return patched(f, (_, v) => v.setUint32(frame.offset, 1024 * 1024 + 1, true));
    } },
  { name: "truncated", checks: "the last 100 bytes cut off; the handle records the full size", error: { code: "TRUNCATED" },
    build: () => { const f = base(); return cut(f, f.bytes.length - 100, true); } },
  { name: "truncated-size-not-recorded", checks: "the last 100 bytes cut off and the handle's size 0 (not recorded): the trailer magic is missing",
    error: { code: "TRUNCATED" }, build: () => { const f = base(); return cut(f, f.bytes.length - 100, false); } },
  { name: "trailing-bytes", checks: "4 bytes appended; the handle records the original size", error: { code: "TRAILING_BYTES" },
    build: () => {
      const f = base();
      return { bytes: new Uint8Array(Buffer.concat([f.bytes, Uint8Array.of(0, 0, 0, 0)])), handle: f.handle };
    } },
  { name: "misplaced-offset", checks: "the handle's offset of key group 1 points at key group 0's block 1; reading key group 1 alone fails the position-bound block checksum",
    error: { code: "CHECKSUM_MISMATCH", keyGroup: 1, block: 0 }, read: { start: 1, count: 1 },
    build: () => {
      const f = multi();
      const offsets = [f.handle.offsets[0]!, BigInt(frameOf(f, 0, 1).offset)];
      return { bytes: f.bytes, handle: { ...f.handle, offsets } };
    } },
  { name: "entries-out-of-order", checks: "two value-state entries of key group 4 with keys in descending order",
    error: { code: "MALFORMED_BODY", keyGroup: 4, block: 0 },
    build: () => craftedThreeKinds("entries-out-of-order", Buffer.concat([
      rawEntry(COUNTS, bytes("b"), EMPTY, bytes("1")), rawEntry(COUNTS, bytes("a"), EMPTY, bytes("2"))]), 2n) },
  { name: "duplicate-entry", checks: "the same value-state key twice",
    error: { code: "MALFORMED_BODY", keyGroup: 4, block: 0 },
    build: () => craftedThreeKinds("duplicate-entry", Buffer.concat([
      rawEntry(COUNTS, bytes("a"), EMPTY, bytes("1")), rawEntry(COUNTS, bytes("a"), EMPTY, bytes("2"))]), 2n) },
  { name: "entry-cut-off", checks: "key group 4's content ends inside an entry (its value's last byte missing): detected at the end marker",
    error: { code: "MALFORMED_BODY", keyGroup: 4, block: 1 },
    build: () => craftedThreeKinds("entry-cut-off", rawEntry(COUNTS, bytes("a"), EMPTY, bytes("12")).subarray(0, 6), 1n) },
  { name: "state-index-out-of-range", checks: "an entry naming state 3 of 3", error: { code: "MALFORMED_BODY", keyGroup: 4, block: 0 },
    build: () => craftedThreeKinds("state-index-out-of-range", rawEntry(3, bytes("a"), EMPTY, bytes("1")), 1n) },
  { name: "non-minimal-varint", checks: "a key length written as 81 00 instead of 01", error: { code: "MALFORMED_BODY", keyGroup: 4, block: 0 },
    build: () => craftedThreeKinds("non-minimal-varint", Uint8Array.of(COUNTS, 0x81, 0x00, 0x61, 0x00, 0x01, 0x31), 1n) },
  { name: "entry-over-limit", checks: "a value declaring 2^32 - 1 bytes: over the reference reader's 16 MiB entry limit, rejected before allocating",
    error: { code: "LIMIT_EXCEEDED", keyGroup: 4, block: 0 },
    build: () => craftedThreeKinds("entry-over-limit", Uint8Array.of(COUNTS, 0x01, 0x61, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x31), 1n) },
  { name: "order-error-across-blocks", checks: "an entry out of order that starts in block 0 and ends in block 1: named by block 1, where its last byte, and so the error, is found",
    error: { code: "MALFORMED_BODY", keyGroup: 4, block: 1 },
    build: () => craftDataFile("order-error-across-blocks", THREE_STATES, { start: 4, count: 4 }, [Buffer.concat([
      rawEntry(COUNTS, bytes("b"), EMPTY, bytes("1")), rawEntry(COUNTS, bytes("a"), EMPTY, bytes("2"))]), EMPTY, EMPTY, EMPTY], 2n, 8) },
  { name: "limit-across-blocks", checks: "a value length of 2^32 - 1 whose varint starts in block 0 and ends in block 1: named by block 1, where the varint ends",
    error: { code: "LIMIT_EXCEEDED", keyGroup: 4, block: 1 },
    build: () => craftDataFile("limit-across-blocks", THREE_STATES, { start: 4, count: 4 },
      [Uint8Array.of(COUNTS, 0x01, 0x61, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x31), EMPTY, EMPTY, EMPTY], 1n, 6) },
  { name: "entry-count-unchecked-trailer", checks: "the footer's entry_count changed (11 → 12) and trailer_xxh64 left as it was: read through the handle, the trailer checksum is not verified, and the count is MALFORMED_BODY",
    error: { code: "MALFORMED_BODY" },
    build: () => patched(base(), (b, v) => v.setBigUint64(b.length - 24, v.getBigUint64(b.length - 24, true) + 1n, true)) },
  { name: "handle-offsets-equal", checks: "the handle repeats key group 4's offset for key group 5: every key group holds at least its end marker, so offsets strictly increase (step 9)",
    error: { code: "INVALID_FIELD" },
    build: () => {
      const f = base();
      return { bytes: f.bytes, handle: { ...f.handle, offsets: [f.handle.offsets[0]!, ...f.handle.offsets.slice(0, 1), ...f.handle.offsets.slice(2)] } };
    } },
];

/**
 * Writes every vector and the folder's README into `outDir`, replacing it once all are written. The compressor is
 * pinned to lz4-wasm-nodejs, whatever `KSNAP_LZ4` or {@link useLz4} say: other compressors make other (equally valid)
 * blocks, and the released `.ksvd` files must regenerate byte for byte.
 */
export async function generateSavepointVectors(outDir: string): Promise<void> {
  const previous = useLz4({ compress: PINNED_COMPRESSOR });
  try {
    await replaceFolderAsync(outDir, writeSavepointVectors);
  } finally {
    useLz4(previous);
  }
}

/** The compressor of the released vectors. */
export const PINNED_COMPRESSOR = "wasm";

async function writeSavepointVectors(outDir: string): Promise<void> {
  for (const sub of ["valid", "accepted", "invalid"]) mkdirSync(join(outDir, sub), { recursive: true });
  for (const [sub, cases] of [["valid", VALID_CASES], ["accepted", ACCEPTED_CASES]] as const) {
    for (const c of cases) await writeValid(join(outDir, sub), c);
  }
  for (const c of INVALID_CASES) writeInvalid(join(outDir, "invalid"), c);
  writeFileSync(join(outDir, "README.md"), readme());
}

async function writeValid(dir: string, c: ValidCase): Promise<void> {
  const f = c.build();
  const path = join(dir, `${c.name}.ksvd`);
  writeFileSync(path, f.bytes);
  writeFileSync(join(dir, `${c.name}.handle.json`), json(savepointHandleToJson(f.handle)));
  writeFileSync(join(dir, `${c.name}.info.json`), json(dataFileInfoToJson(await readDataFileInfo(path))));
  let dump = "";
  for await (const line of dumpSavepointData(path, { handle: f.handle })) dump += line;
  writeFileSync(join(dir, `${c.name}.jsonl`), dump);
}

function writeInvalid(dir: string, c: InvalidCase): void {
  const f = c.build();
  writeFileSync(join(dir, `${c.name}.ksvd`), f.bytes);
  writeFileSync(join(dir, `${c.name}.handle.json`), json(savepointHandleToJson(f.handle)));
  writeFileSync(join(dir, `${c.name}.error.json`), JSON.stringify(c.read === undefined ? c.error : { ...c.error, read: c.read }) + "\n");
}

function json(value: object): string {
  return JSON.stringify(value, null, 2) + "\n";
}

function readme(): string {
  const where = (e: InvalidCase["error"]) => [
    `\`${e.code}\``,
    e.keyGroup === undefined ? "" : ` key group ${e.keyGroup}`,
    e.block === undefined ? "" : ` block ${e.block}`,
    e.offset === undefined ? "" : ` at byte ${e.offset}`,
  ].join("");
  return [
    "# KSNAP savepoint data file 1.0 test vectors",
    "",
    "Generated by `conformance/generate-savepoint-vectors.ts`; do not edit by hand. Kept for good: a released file,",
    "listed in [`../RELEASED.json`](../README.md#released-vectors-are-kept-for-good), never changes; new cases only add",
    "files. Specification: [spec/savepoint-data.md](../../../spec/savepoint-data.md).",
    "",
    "- `valid/NAME.ksvd` is a canonical data file written by the reference writer. Read through `NAME.handle.json`",
    "  (the handle in the metadata's JSON form), its entries MUST dump to exactly `NAME.jsonl`; its header and trailer",
    "  MUST read as `NAME.info.json`. The `.ksvd` bytes depend on the LZ4 compressor (here lz4-wasm-nodejs 0.9.2); the",
    "  dump does not.",
    "- `accepted/` holds valid, non-canonical files (other block sizes), with the same files.",
    "- `invalid/NAME.ksvd`, read through `NAME.handle.json` (all key groups, or those in `read`), MUST fail with the",
    "  error in `NAME.error.json`: its code and, where given, key group, block (frame number) and byte offset.",
    "  `entry-over-limit` assumes a reader's `maxEntryBytes` below 4 GiB.",
    "",
    ...caseTables(VALID_CASES, ACCEPTED_CASES, INVALID_CASES, (c) => where(c.error)),
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!)) {
  await generateSavepointVectors(process.argv[2] ?? packageFile(`conformance/vectors/${SAVEPOINT_VECTORS_DIR}`));
}
