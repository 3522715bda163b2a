/**
 * Accepted cases of format 1.0: encodings that are not canonical but that every
 * 1.0 reader must decode, to the snapshot in `accepted/<name>.json`.
 */
import { frameBody } from "../../src/container/frame.js";
import { encodeSnapshot } from "../../src/codec.js";
import type { Snapshot } from "../../src/model.js";
import { withVersion } from "./fixtures.js";
import { VALID_CASES } from "./v1-0-valid.js";
import { FUTURE_MINOR_FILE, FUTURE_MINOR_KNOWN } from "./v1-0-future-minor.js";
import { concat, raw, type RawField } from "./raw-protobuf.js";

/**
 * An accepted vector: name, what it checks, the bytes, and where the bytes were
 * built independently of the snapshot model, the snapshot they must decode to
 * (the generator refuses to write a `.json` that differs from it).
 */
export interface AcceptedCase { name: string; checks: string; bytes: Uint8Array; expected?: Snapshot }

function snapshotOf(name: string): Snapshot {
  return VALID_CASES.find((v) => v.name === name)!.snapshot;
}

function bodyOf(name: string): Uint8Array {
  const file = encodeSnapshot(snapshotOf(name));
  return file.subarray(24, file.length - 8);
}

const PROPS: RawField = [3, "msg", [[1, "varint", 0], [2, "varint", 1], [3, "varint", 1], [4, "varint", 2]]];
const DATA_FILE: RawField = [2, "msg", [[4, "fixed64", 0x0123456789abcdefn], [3, "varint", 100], [2, "bytes", "d.bin"], [1, "bytes", "d"]]];

/** The accepted cases, in README order. */
export const ACCEPTED_CASES: AcceptedCase[] = [
  {
    name: "unknown-fields",
    checks: "unknown fields of every wire type appended at the top level (as a later 1.x writer might add); the rest is incremental-chain-head",
    bytes: frameBody(concat(bodyOf("incremental-chain-head"), raw([[90, "varint", 7], [91, "fixed64", 1n], [92, "bytes", "future"], [93, "msg", [[1, "varint", 1]]]]))),
  },
  {
    name: "reordered-defaults-unpacked",
    checks: "fields in descending order, defaults written out (job_id \"\", incremental false), offsets unpacked and in two packed runs, non-minimal varint for snapshot_id",
    bytes: frameBody(raw([
      [8, "varint", 0], [7, "bytes", ""],
      [5, "msg", [[4, "msg", [[2, "msg", [[2, "msg", [
        [3, "varint", 16], [3, "bytes", Uint8Array.of(26, 36)], [3, "varint", 46], [3, "bytes", Uint8Array.of(56)],
        DATA_FILE, [1, "msg", [[2, "varint", 5], [1, "varint", 0]]],
      ]]]], [1, "varint", 0]]], [3, "varint", 1], [1, "bytes", "op"]]],
      [4, "varint", 8], PROPS, [2, "varint", 2],
      ["raw", Uint8Array.of(0x08, 0x85, 0x80, 0x80, 0x00)],
    ])),
  },
  {
    name: "wide-bool",
    checks: "properties.incremental as the varint 2^32: any non-zero varint is true, even when its low 32 bits are 0",
    bytes: frameBody(raw([[1, "varint", 9], [2, "varint", 1], [3, "msg", [[1, "varint", 1n << 32n], [3, "varint", 3], [4, "varint", 1]]], [4, "varint", 128]])),
  },
  {
    name: "future-minor-unknown-fields",
    checks: "format version 1.9, as a later minor would write it: unknown fields of every wire type (varint, fixed64, length-delimited, fixed32, group) in every message (properties, operator, subtask, handle beside its known variant, key-group ranges, file refs, shared file refs), field 5 of a FileRef (known only in SharedFileRef), and fields 2^29-1 and 2^29-2; the JSON says \"1.9\" and holds the known fields",
    bytes: FUTURE_MINOR_FILE, expected: FUTURE_MINOR_KNOWN,
  },
  {
    name: "future-minor-65535",
    checks: "format version 1.65535, the largest minor: read as 1.x; the rest is empty-checkpoint",
    bytes: withVersion(encodeSnapshot(snapshotOf("empty-checkpoint")), 1, 65535), expected: snapshotOf("empty-checkpoint"),
  },
  {
    name: "nested-groups",
    checks: "an unknown group holding a nested group of another field and values of every wire type, each closed by its own end-group tag; the rest is empty-checkpoint",
    bytes: frameBody(concat(bodyOf("empty-checkpoint"), raw([[40, "group", [[1, "varint", 1n << 63n], [2, "fixed64", 7n], [41, "group", [[3, "bytes", "inner"], [4, "fixed32", 9]]], [5, "msg", []]]]]))),
    expected: snapshotOf("empty-checkpoint"),
  },
];
