/**
 * Damaged savepoint data files: every flipped byte is detected, and an error in
 * a block names the file, the key group and the block; declared sizes beyond
 * the limits are rejected before anything is allocated or read; a truncated
 * file is reported, never read past.
 */
import t from "tap";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { craftDataFile, rawEntry, THREE_STATES, threeKindsInput, writeInMemory } from "../conformance/generate-savepoint-vectors.js";
import { KsnapError } from "../src/errors.js";
import { rejection } from "./helpers.js";
import { xxh64 } from "../src/hash/xxh64.js";
import type { KeyGroupRange, SavepointHandle } from "../src/model.js";
import { FOOTER_BYTES, HEADER_FIXED_BYTES } from "../src/savepoint/data-format.js";
import { blockChecksum } from "../src/savepoint/frame.js";
import {
  dumpSavepointData, listFrames, readDataFileInfo, readKeyGroups, SavepointDataError, type DataReadLimits, type FrameInfo,
} from "../src/savepoint/index.js";

const dir = mkdtempSync(join(tmpdir(), "ksnap-savepoint-bad-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Writes `bytes` to a fresh file; returns its path. */
function file(bytes: Uint8Array): string {
  const path = join(dir, `c${n++}.ksvd`);
  writeFileSync(path, bytes);
  return path;
}

async function readError(path: string, handle: Parameters<typeof readKeyGroups>[1], range?: KeyGroupRange,
  limits?: Partial<DataReadLimits>): Promise<KsnapError | undefined> {
  try {
    for await (const _ of readKeyGroups(path, handle, range, limits)) void _;
  } catch (e) {
    if (e instanceof KsnapError) return e;
    throw e;
  }
  return undefined;
}

async function dumpError(path: string): Promise<KsnapError | undefined> {
  try {
    for await (const _ of dumpSavepointData(path)) void _;
  } catch (e) {
    if (e instanceof KsnapError) return e;
    throw e;
  }
  return undefined;
}

/** A file with LZ4 and raw blocks in several key groups, an empty key group, and blocks of 40 bytes. */
const sample = writeInMemory("sample", THREE_STATES, { start: 4, count: 4 }, threeKindsInput(), 40);
const frames = listFrames(sample.bytes);
const indexOffset = sample.bytes.length - FOOTER_BYTES - 8 * 4;
const withSize = (h: SavepointHandle, size: bigint): SavepointHandle => ({ ...h, dataFile: { ...h.dataFile, size } });

function frameAt(offset: number): FrameInfo | undefined {
  return frames.find((f) => offset >= f.offset && offset < f.payloadOffset + f.storedLength);
}

t.test("the sample has what the tests need", async (t) => {
  t.ok(frames.some((f) => f.raw), "a raw block");
  t.ok(frames.some((f) => !f.raw && f.uncompressedLength > 0), "an LZ4 block");
  t.ok(frames.filter((f) => f.keyGroup === 4).length > 3, "a key group of several blocks");
});

/**
 * A flip either fails the read or leaves the decoded state exactly as written: LZ4 ignores some bits (the
 * match-length bits of a block's last token, which has only literals), so such a flip changes the payload but
 * not the content the checksum covers. The FileRef's whole-file xxh64 catches those in validation.
 */
t.test("every flipped byte is detected or harmless; in a block, the error names file, key group and block", async (t) => {
  const originalDump = await dumpText(file(sample.bytes));
  let inFrames = 0;
  let harmless = 0;
  for (let at = 0; at < sample.bytes.length; at++) {
    const bytes = sample.bytes.slice();
    bytes[at] = bytes[at]! ^ 0x01;
    const path = file(bytes);
    const frame = frameAt(at);
    const inIndex = at >= indexOffset && at < indexOffset + 8 * 4;
    const inTrailerHash = at >= sample.bytes.length - 16 && at < sample.bytes.length - 8;
    const e = await readError(path, sample.handle);
    if (inIndex || inTrailerHash) {
      // The handle carries the offsets: a reader through it never reads the index nor its checksum.
      t.equal(e, undefined, `byte ${at} (index or its checksum) is not read through the handle`);
      t.ok(await dumpError(path), `byte ${at}: a reader using the index notices`);
    } else if (e === undefined) {
      harmless++;
      if (frame === undefined || frame.raw || frame.uncompressedLength === 0 || at < frame.payloadOffset) {
        t.fail(`byte ${at}: the flip went unnoticed outside an LZ4 payload`);
      }
      t.equal(await dumpText(path), originalDump, `byte ${at}: unnoticed, and the state read is exactly the original`);
    } else if (frame !== undefined) {
      inFrames++;
      const d = e as SavepointDataError;
      if (d.keyGroup !== frame.keyGroup || d.block !== frame.block) {
        t.fail(`byte ${at} in key group ${frame.keyGroup} block ${frame.block}, reported as ${e.message}`);
      }
      if (!e.message.includes(path) || !e.message.includes(`key group ${frame.keyGroup}, block ${frame.block}`)) {
        t.fail(`byte ${at}: the message does not name file, key group and block: ${e.message}`);
      }
    }
    rmSync(path);
  }
  t.ok(inFrames > 100, `${inFrames} flips in blocks, each reported at its key group and block`);
  t.ok(harmless < 10, `${harmless} flips in ignored LZ4 bits, with the state intact`);
});

async function dumpText(path: string): Promise<string> {
  let out = "";
  for await (const line of dumpSavepointData(path)) out += line;
  return out;
}

/** `sample` with the frame header of key group 4's block 1 rewritten. */
function withFrameHeader(uncompressed: number, stored: number): { path: string; frame: FrameInfo } {
  const frame = frames.find((f) => f.keyGroup === 4 && f.block === 1)!;
  const bytes = sample.bytes.slice();
  const view = new DataView(bytes.buffer);
  view.setUint32(frame.offset, uncompressed, true);
  view.setUint32(frame.offset + 4, stored, true);
  return { path: file(bytes), frame };
}

t.test("a block declaring more than 1 MiB is rejected before its payload is read or allocated", async (t) => {
  for (const [uncompressed, stored] of [[1024 * 1024 + 1, 10], [0xffff_ffff, 0xffff_ffff], [0xffff_ffff, 5]] as const) {
    const { path, frame } = withFrameHeader(uncompressed, stored);
    const e = (await readError(path, sample.handle)) as SavepointDataError;
    // Had the payload been read, a stored_length past the end would be MALFORMED_BODY; had 4 GiB been
    // handed to the LZ4 library, its wasm instance would trap.
    t.equal(e.code, "LIMIT_EXCEEDED", e.message);
    t.equal(e.keyGroup, 4);
    t.equal(e.block, 1);
    t.equal(e.offset, frame.offset, "at the frame header");
    t.match(e.message, `${uncompressed} uncompressed bytes, over the limit of 1048576`);
  }
});

t.test("frame lengths that break the rules are MALFORMED_BODY at their block", async (t) => {
  const cases: [number, number, RegExp][] = [
    [10, 11, /greater than uncompressed_length/],
    [10, 0, /stored_length is 0/],
    [0, 3, /end marker has stored_length 3/],
    [100_000, 90_000, /runs past the end of the key-group area/],
  ];
  for (const [u, s, message] of cases) {
    const { path } = withFrameHeader(u, s);
    const e = (await readError(path, sample.handle)) as SavepointDataError;
    t.equal(e.code, "MALFORMED_BODY", e.message);
    t.match(e.message, message);
    t.equal(e.block, 1);
  }
});

t.test("an entry length beyond maxEntryBytes is rejected before allocating", async (t) => {
  // 2^32 - 1 declared for a value: allocating it would throw a RangeError or take 4 GiB.
  const crafted = craftDataFile("huge", THREE_STATES, { start: 0, count: 1 },
    [Uint8Array.of(0, 0x01, 0x61, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x31)], 1n);
  const e = (await readError(file(crafted.bytes), crafted.handle)) as SavepointDataError;
  t.equal(e.code, "LIMIT_EXCEEDED");
  t.match(e.message, /4294967296 bytes, over the limit of 16777216/);
  t.equal(e.keyGroup, 0);

  const path = file(sample.bytes);
  const small = await readError(path, sample.handle, undefined, { maxEntryBytes: 8 });
  t.equal(small?.code, "LIMIT_EXCEEDED", "a reader's own lower limit applies to a valid file");
  t.equal(await readError(path, sample.handle, { start: 7, count: 1 }, { maxEntryBytes: 16 }), undefined,
    "key group 7's one entry of 16 bytes is within a 16-byte limit");
});

t.test("bad entries are MALFORMED_BODY, naming the entry", async (t) => {
  const a = new Uint8Array(Buffer.from("a"));
  const E = new Uint8Array(0);
  const cases: [string, Uint8Array, RegExp][] = [
    ["out of order", Buffer.concat([rawEntry(0, Buffer.from("b"), E, a), rawEntry(0, a, E, a)]), /entry 1 .*before the entry preceding it/],
    ["duplicate", Buffer.concat([rawEntry(0, a, E, a), rawEntry(0, a, E, a)]), /entry 1 .*repeats/],
    ["state index", rawEntry(9, a, E, a), /state index 9 is out of range \(the file has 3 states\)/],
    ["cut off", rawEntry(0, a, E, a).subarray(0, 5), /entry 0 of the key group is cut off .*value/],
    ["cut inside a varint", Uint8Array.of(0, 0x81), /cut off .*key/],
    ["6-byte varint", Uint8Array.of(0, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00), /varint too long/],
    ["varint over 2^32 - 1", Uint8Array.of(0, 0x80, 0x80, 0x80, 0x80, 0x10), /over 2\^32 - 1/],
    ["non-minimal varint", Uint8Array.of(0x80, 0x00), /not minimal/],
  ];
  for (const [what, content, message] of cases) {
    const crafted = craftDataFile(what, THREE_STATES, { start: 0, count: 2 }, [content, E], 1n);
    const e = (await readError(file(crafted.bytes), crafted.handle)) as SavepointDataError;
    t.equal(e.code, "MALFORMED_BODY", `${what}: ${e.message}`);
    t.match(e.message, message, what);
    t.equal(e.keyGroup, 0, what);
  }
  // A list's elements are equal in every sort field: allowed.
  const list = craftDataFile("list", THREE_STATES, { start: 0, count: 1 }, [Buffer.concat([rawEntry(2, a, E, a), rawEntry(2, a, E, a)])], 2n);
  t.equal(await readError(file(list.bytes), list.handle), undefined, "repeated list elements are a list");
});

t.test("a truncated file is reported at every length, never read past its end", async (t) => {
  for (let length = 0; length < sample.bytes.length; length++) {
    const path = file(sample.bytes.subarray(0, length));
    for (const recorded of [sample.handle.dataFile.size, 0n]) {
      const e = await readError(path, withSize(sample.handle, recorded));
      if (e?.code !== "TRUNCATED") {
        t.fail(`cut at ${length}, size ${recorded === 0n ? "not " : ""}recorded: ${e?.describe() ?? "read without error"}`);
      } else if (e.offset !== undefined && e.offset > length) {
        t.fail(`cut at ${length}: reported at byte ${e.offset}, past the end`);
      }
    }
    rmSync(path);
  }
  t.pass(`${sample.bytes.length} cuts, each TRUNCATED with and without a recorded size`);
  const longer = file(Buffer.concat([sample.bytes, Uint8Array.of(1)]));
  t.equal((await readError(longer, sample.handle))?.code, "TRAILING_BYTES", "a longer file than recorded");
  t.equal((await readError(longer, withSize(sample.handle, 0n)))?.code, "TRUNCATED", "bytes appended hide the end magic");
});

/** `sample` with its header patched and the header checksum recomputed, so the later checks are reached. */
function patchedHeader(patch: (view: DataView, bytes: Uint8Array) => void, fixChecksum = true): string {
  const bytes = sample.bytes.slice();
  const view = new DataView(bytes.buffer);
  const metaLength = view.getUint32(24, true);
  patch(view, bytes);
  if (fixChecksum) {
    const end = HEADER_FIXED_BYTES + metaLength;
    view.setBigUint64(end, xxh64(bytes.subarray(0, end)), true);
  }
  return file(bytes);
}

t.test("header checks, in the spec's order", async (t) => {
  const name = (bytes: Uint8Array, at: number) => bytes.indexOf(0x77, at); // 'w' of "window-contents"
  const cases: [string, string, number | undefined, RegExp][] = [
    [patchedHeader((v) => v.setUint16(8, 0, true), false), "UNSUPPORTED_VERSION", 8, /0\.0 is not supported; this reader reads 1\.x/],
    [patchedHeader((v) => v.setUint32(12, 4, true), false), "UNKNOWN_REQUIRED_FEATURE", 12, /0x4/],
    [patchedHeader((v) => v.setUint32(20, 32768, true), false), "INVALID_FIELD", 16, /reaches past 32768/],
    [patchedHeader((v) => v.setUint32(24, 1024 * 1024 + 1, true), false), "LIMIT_EXCEEDED", 24, /meta_length 1048577/],
    [patchedHeader((v) => v.setUint32(24, 1024 * 1024, true), false), "TRUNCATED", undefined, /before the end of the header/],
    [patchedHeader((_, b) => { b[30] = b[30]! ^ 1; }, false), "CHECKSUM_MISMATCH", undefined, /header_xxh64/],
    [patchedHeader((_, b) => { b[name(b, 28)] = 0x61; }), "MALFORMED_BODY", undefined, /not after states\[1\]/],
    [patchedHeader((_, b) => { b[29 + 1 + 6] = 9; }), "INVALID_FIELD", undefined, /unknown kind 9/],
    [patchedHeader((v) => v.setUint32(16, 5, true)), "MALFORMED_BODY", undefined, /footer's key groups \(start 4, count 4\) differ/],
  ];
  for (const [path, code, offset, message] of cases) {
    const e = await readError(path, withSize(sample.handle, 0n));
    t.equal(e?.code, code, e?.message ?? "read without error");
    t.match(e?.message, message);
    t.match(e?.message, path, "the message names the file");
    if (offset !== undefined) t.equal(e?.offset, offset);
  }
  const notData = file(new Uint8Array(Buffer.from("\x89KSNAP\r\n", "latin1")));
  const e = await readError(notData, withSize(sample.handle, 0n));
  t.equal(e?.code, "BAD_MAGIC", "a metadata file is not a data file");
  t.equal(e?.offset, 3);
});

t.test("the index and the entry count are verified by readers that use them", async (t) => {
  const bytes = sample.bytes.slice();
  new DataView(bytes.buffer).setBigUint64(bytes.length - 24, 999n, true);
  // Keep the trailer checksum valid, so the entry count itself is what fails.
  const footerStart = bytes.length - FOOTER_BYTES;
  new DataView(bytes.buffer).setBigUint64(footerStart + 16, xxh64(bytes.subarray(indexOffset, footerStart + 16)), true);
  const path = file(bytes);
  const e = await readError(path, sample.handle);
  t.equal(e?.code, "MALFORMED_BODY");
  t.match(e?.message, /holds 11 entries, but its footer records 999/);
  t.equal(await readError(path, sample.handle, { start: 4, count: 3 }), undefined, "a partial read cannot count, and does not");
  t.equal((await readDataFileInfo(path)).entryCount, 999n);

  const misordered = sample.bytes.slice();
  const view = new DataView(misordered.buffer);
  view.setBigUint64(indexOffset + 8, view.getBigUint64(indexOffset + 16, true) + 1n, true);
  view.setBigUint64(footerStart + 16, xxh64(misordered.subarray(indexOffset, footerStart + 16)), true);
  const bad = await rejection(() => readDataFileInfo(file(misordered)));
  t.equal(bad.code, "MALFORMED_BODY");
  t.match(bad.message, /index\[2\] \(key group 6\)/);
});

t.test("a key group that does not end where the next begins", async (t) => {
  // Key group 5 is empty (one end marker); point key group 6's offset past key group 6's own end marker, at key
  // group 7: key group 5 then ends before the offset recorded for key group 6.
  const kg7 = frames.find((f) => f.keyGroup === 7 && f.block === 0)!;
  const handle = { ...sample.handle, offsets: [sample.handle.offsets[0]!, sample.handle.offsets[1]!, BigInt(kg7.offset), sample.handle.offsets[3]! + 1n] };
  const e = (await readError(file(sample.bytes), handle, { start: 5, count: 1 })) as SavepointDataError;
  t.equal(e.code, "MALFORMED_BODY", e.message);
  t.match(e.message, /key group 5, block 0, at byte \d+: the key group ends at byte \d+, but the next part of the file begins at byte/);
});

t.test("a block checksum binds the block to its key group and position", async (t) => {
  const content = new Uint8Array([1, 2, 3]);
  t.not(blockChecksum(4, 0, content), blockChecksum(5, 0, content), "another key group");
  t.not(blockChecksum(4, 0, content), blockChecksum(4, 1, content), "another frame number");
  t.not(blockChecksum(4, 0, new Uint8Array(0)), blockChecksum(4, 1, new Uint8Array(0)), "end markers too");
});

