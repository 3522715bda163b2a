/**
 * Invalid cases of format 1.0: bytes every reader must reject, with the error
 * code it must report (and, for container errors, the byte offset).
 */
import { frameBody } from "../../src/container/frame.js";
import { encodeSnapshot } from "../../src/codec.js";
import { xxh64 } from "../../src/hash/xxh64.js";
import { base } from "./fixtures.js";
import { raw, type RawField } from "./raw-protobuf.js";

/** An invalid vector: name, what it checks, the bytes, the expected error. */
export interface InvalidCase { name: string; checks: string; bytes: Uint8Array; code: string; offset?: number }

const MINIMAL = encodeSnapshot(base({ kind: "checkpoint", properties: { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } }));

function patched(edit: (b: Uint8Array, v: DataView) => void, rechecksum: boolean): Uint8Array {
  const b = new Uint8Array(MINIMAL);
  const v = new DataView(b.buffer);
  edit(b, v);
  if (rechecksum) v.setBigUint64(b.length - 8, xxh64(b.subarray(0, b.length - 8)), true);
  return b;
}

/** MINIMAL as major 2.0. */
const MINIMAL_V2 = patched((_, v) => v.setUint16(8, 2, true), true);

/**
 * A file a 2.0 writer might produce if 2.0 changed everything after byte 12, as
 * a new major may: only the magic and version keep their meaning.
 */
function futureLayout(): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  b.set(MINIMAL.subarray(0, 8), 0);
  v.setUint16(8, 2, true);
  v.setUint32(12, 0xffffffff, true);
  v.setBigUint64(16, 1n << 40n, true);
  b.set(Buffer.from("KSNAP 2.0 body: no longer protobuf", "utf8"), 24);
  return b;
}

const PROPS: RawField = [3, "msg", [[3, "varint", 3], [4, "varint", 1]]];
const FILE = (id: string, path: string): RawField[] => [[1, "bytes", id], [2, "bytes", path], [3, "varint", 1]];
/** A snapshot body with one operator, one subtask and the given handle fields. */
function withHandle(handle: RawField[]): Uint8Array {
  return raw([[1, "varint", 1], [2, "varint", 1], PROPS, [4, "varint", 128],
    [5, "msg", [[1, "bytes", "op"], [3, "varint", 1], [4, "msg", [[2, "msg", handle]]]]]]);
}
const SAVEPOINT_HANDLE: RawField = [2, "msg", [[1, "msg", [[2, "varint", 1]]], [2, "msg", FILE("d", "d.bin")]]];
const INCREMENTAL_HANDLE: RawField = [1, "msg", [[1, "bytes", "b"], [2, "msg", [[2, "varint", 1]]], [3, "bytes", "chk-1/0"],
  [4, "varint", 1], [8, "msg", FILE("m", "chk-1/0/MANIFEST")]]];

/** The invalid cases, in README order. */
export const INVALID_CASES: InvalidCase[] = [
  { name: "not-ksnap", checks: "a text file: the first byte already differs from the magic", bytes: Buffer.from("hello, world\n"), code: "BAD_MAGIC", offset: 0 },
  { name: "bad-magic", checks: "one magic byte changed ('K' → 'X')", bytes: patched((b) => { b[1] = 0x58; }, false), code: "BAD_MAGIC", offset: 1 },
  { name: "magic-crlf-converted", checks: "CR LF of the magic turned into LF by a text transfer", bytes: Buffer.concat([MINIMAL.subarray(0, 6), MINIMAL.subarray(7)]), code: "BAD_MAGIC", offset: 6 },
  { name: "empty-file", checks: "zero bytes", bytes: new Uint8Array(0), code: "TRUNCATED", offset: 0 },
  { name: "truncated-in-header", checks: "20 bytes: magic and version, no body length", bytes: MINIMAL.subarray(0, 20), code: "TRUNCATED", offset: 20 },
  { name: "truncated-body", checks: "the last 3 bytes cut off: the declared body length exceeds what is there", bytes: MINIMAL.subarray(0, MINIMAL.length - 3), code: "TRUNCATED", offset: 16 },
  { name: "trailing-bytes", checks: "4 bytes appended after the checksum", bytes: Buffer.concat([MINIMAL, Buffer.alloc(4)]), code: "TRAILING_BYTES", offset: 16 },
  { name: "bad-checksum", checks: "the stored checksum's last byte flipped", bytes: patched((b) => { b[b.length - 1]! ^= 0xff; }, false), code: "CHECKSUM_MISMATCH", offset: MINIMAL.length - 8 },
  { name: "body-bit-flip", checks: "one body bit flipped, checksum left as it was", bytes: patched((b) => { b[25]! ^= 0x01; }, false), code: "CHECKSUM_MISMATCH", offset: MINIMAL.length - 8 },
  { name: "newer-major", checks: "format version 2.0: must be rejected, not guessed at", bytes: patched((_, v) => v.setUint16(8, 2, true), true), code: "UNSUPPORTED_VERSION", offset: 8 },
  { name: "future-major-2-0-header-only", checks: "a 12-byte 2.0 file (magic and version only): the version is judged before any length, so not TRUNCATED", bytes: MINIMAL_V2.subarray(0, 12), code: "UNSUPPORTED_VERSION", offset: 8 },
  { name: "future-major-2-0-new-layout", checks: "a 2.0 file laid out as 1.0 never was: every feature bit set, a body length past the end, a body that is not protobuf, no valid checksum; only the version is judged", bytes: futureLayout(), code: "UNSUPPORTED_VERSION", offset: 8 },
  { name: "future-major-256", checks: "major 256 (bytes 00 01): a reader taking the u16 as big-endian would see 1", bytes: patched((_, v) => v.setUint16(8, 256, true), true), code: "UNSUPPORTED_VERSION", offset: 8 },
  { name: "future-major-257", checks: "major 257 (bytes 01 01): a reader looking at byte 8 alone would see 1", bytes: patched((_, v) => v.setUint16(8, 257, true), true), code: "UNSUPPORTED_VERSION", offset: 8 },
  { name: "future-major-65535", checks: "version 65535.65535, the largest: read unsigned, rejected", bytes: patched((_, v) => { v.setUint16(8, 65535, true); v.setUint16(10, 65535, true); }, true), code: "UNSUPPORTED_VERSION", offset: 8 },
  { name: "major-zero", checks: "format version 0.9: never released", bytes: patched((_, v) => { v.setUint16(8, 0, true); v.setUint16(10, 9, true); }, true), code: "UNSUPPORTED_VERSION", offset: 8 },
  { name: "unknown-required-feature", checks: "required-feature bit 0 set: unknown to a 1.0 reader", bytes: patched((_, v) => v.setUint32(12, 1, true), true), code: "UNKNOWN_REQUIRED_FEATURE", offset: 12 },
  { name: "garbage-body", checks: "a body that is not protobuf (an unterminated varint), with a correct checksum", bytes: frameBody(Uint8Array.of(0xff, 0xff, 0xff)), code: "MALFORMED_BODY" },
  { name: "missing-snapshot-id", checks: "a required field (snapshot_id) absent", bytes: frameBody(raw([[2, "varint", 1], PROPS, [4, "varint", 128]])), code: "MISSING_FIELD" },
  { name: "missing-properties", checks: "a required message field (properties) absent", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], [4, "varint", 128]])), code: "MISSING_FIELD" },
  { name: "unknown-kind", checks: "SnapshotKind 9 is not defined in 1.0", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 9], PROPS, [4, "varint", 128]])), code: "INVALID_FIELD" },
  { name: "max-parallelism-over-limit", checks: "max_parallelism 32769 exceeds the format limit", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], PROPS, [4, "varint", 32769]])), code: "INVALID_FIELD" },
  { name: "wrong-wire-type", checks: "snapshot_id sent as fixed64 instead of varint", bytes: frameBody(raw([[1, "fixed64", 1n], [2, "varint", 1], PROPS, [4, "varint", 128]])), code: "MALFORMED_BODY" },
  { name: "varint-overflow", checks: "an 11-byte varint", bytes: frameBody(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)), code: "MALFORMED_BODY" },
  { name: "uint32-varint-overflow", checks: "max_parallelism as a 10-byte varint whose last byte overflows 64 bits", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], PROPS, ["raw", Uint8Array.of(0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f)]])), code: "MALFORMED_BODY" },
  { name: "length-over-2-32", checks: "a length prefix of 2^32+1 (a reader that truncates it to 32 bits would read 1 byte)", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], ["raw", Uint8Array.of(0x1a, 0x81, 0x80, 0x80, 0x80, 0x10, 0x18)], [4, "varint", 128]])), code: "MALFORMED_BODY" },
  { name: "length-past-end", checks: "properties declares 50 bytes; 2 remain", bytes: frameBody(Uint8Array.of(0x08, 0x01, 0x1a, 0x32, 0x18, 0x03)), code: "MALFORMED_BODY" },
  { name: "duplicate-properties", checks: "a singular message field twice (protobuf would merge; KSNAP rejects)", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], PROPS, PROPS, [4, "varint", 128]])), code: "MALFORMED_BODY" },
  { name: "handle-two-variants", checks: "both oneof variants set in one handle", bytes: frameBody(withHandle([INCREMENTAL_HANDLE, SAVEPOINT_HANDLE])), code: "INVALID_FIELD" },
  { name: "handle-no-variant", checks: "a handle with only an unknown field: no variant 1.0 knows", bytes: frameBody(withHandle([[9, "varint", 1]])), code: "MISSING_FIELD" },
  { name: "invalid-utf8-path", checks: "a file path with the byte 0xC3 not followed by a continuation byte", bytes: frameBody(withHandle([[2, "msg", [[1, "msg", [[2, "varint", 1]]], [2, "msg", [[1, "bytes", "d"], [2, "bytes", Uint8Array.of(0x64, 0xc3, 0x28)]]]]]])), code: "MALFORMED_BODY" },
  { name: "id-over-256-bytes", checks: "a file id of 257 bytes", bytes: frameBody(withHandle([[2, "msg", [[1, "msg", [[2, "varint", 1]]], [2, "msg", FILE("x".repeat(257), "d.bin")]]]])), code: "INVALID_FIELD" },
  { name: "offsets-over-32768", checks: "32769 packed offsets", bytes: frameBody(withHandle([[2, "msg", [[1, "msg", [[2, "varint", 1]]], [2, "msg", FILE("d", "d.bin")], [3, "bytes", new Uint8Array(32769)]]]])), code: "INVALID_FIELD" },
  { name: "shared-file-without-origin", checks: "a shared file ref without origin_checkpoint_id", bytes: frameBody(withHandle([[1, "msg", [[1, "bytes", "b"], [2, "msg", [[2, "varint", 1]]], [3, "bytes", "chk-1/0"], [4, "varint", 1], [6, "msg", FILE("s", "shared/s")], [8, "msg", FILE("m", "chk-1/0/MANIFEST")]]]])), code: "MISSING_FIELD" },
  { name: "truncated-in-magic", checks: "5 bytes, a prefix of the magic: TRUNCATED at the file's size, the first missing byte", bytes: MINIMAL.subarray(0, 5), code: "TRUNCATED", offset: 5 },
  { name: "truncated-in-features", checks: "14 bytes: the required-feature flags cut short; TRUNCATED at the file's size", bytes: MINIMAL.subarray(0, 14), code: "TRUNCATED", offset: 14 },
  { name: "truncated-before-checksum", checks: "28 bytes: a whole header, no room for the checksum; TRUNCATED at the file's size", bytes: MINIMAL.subarray(0, 28), code: "TRUNCATED", offset: 28 },
  { name: "body-length-2-64-1", checks: "body_length 2^64-1: TRUNCATED at byte 16, the body_length field, before the checksum is judged", bytes: patched((_, v) => v.setBigUint64(16, (1n << 64n) - 1n, true), false), code: "TRUNCATED", offset: 16 },
  { name: "enum-over-2-32", checks: "kind as the varint 2^32+2: an enum number is the whole varint, not cut to 32 bits (which would read 2, savepoint)", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", (1n << 32n) + 2n], PROPS, [4, "varint", 128]])), code: "INVALID_FIELD" },
  { name: "enum-2-32", checks: "kind as the varint 2^32: not defined, not absent (cut to 32 bits it would be 0, MISSING_FIELD)", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1n << 32n], PROPS, [4, "varint", 128]])), code: "INVALID_FIELD" },
  { name: "tag-over-2-32", checks: "a tag varint of 2^32+8: field numbers end at 2^29-1; cut to 32 bits it would set snapshot_id", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], PROPS, [4, "varint", 128], ["raw", Uint8Array.of(0x88, 0x80, 0x80, 0x80, 0x10, 0x05)]])), code: "MALFORMED_BODY" },
  { name: "enum-past-message-end", checks: "properties.sharing's varint (133) runs past the end of properties: MALFORMED_BODY, not INVALID_FIELD for its value", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], ["raw", Uint8Array.of(0x1a, 0x03, 0x20, 0x01, 0x18, 0x85, 0x01)], [4, "varint", 128]])), code: "MALFORMED_BODY" },
  { name: "group-closed-by-other-field", checks: "an unknown group of field 37 closed by the end-group tag of field 38", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], PROPS, [4, "varint", 128], ["raw", Uint8Array.of(0xab, 0x02, 0x08, 0x01, 0xb4, 0x02)]])), code: "MALFORMED_BODY" },
  { name: "varint-overflow-in-group", checks: "an 11-byte varint inside an unknown group: skipped values obey the 10-byte limit too", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], PROPS, [4, "varint", 128], ["raw", Uint8Array.of(0xab, 0x02, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xac, 0x02)]])), code: "MALFORMED_BODY" },
  { name: "unknown-length-over-2-32", checks: "an unknown length-delimited field whose 6-byte length prefix is 2^35+1: never cut to 32 bits", bytes: frameBody(raw([[1, "varint", 1], [2, "varint", 1], PROPS, [4, "varint", 128], ["raw", Uint8Array.of(0xaa, 0x02, 0x81, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00)]])), code: "MALFORMED_BODY" },
];
