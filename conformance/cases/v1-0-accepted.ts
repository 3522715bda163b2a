/**
 * Accepted cases of format 1.0: encodings that are not canonical but that every
 * 1.0 reader must decode, to the snapshot in `accepted/<name>.json`.
 */
import { frameBody } from "../../src/container/frame.js";
import { encodeSnapshot } from "../../src/codec.js";
import { VALID_CASES } from "./v1-0-valid.js";
import { concat, raw, type RawField } from "./raw-protobuf.js";

/** An accepted vector: name, what it checks, the bytes. */
export interface AcceptedCase { name: string; checks: string; bytes: Uint8Array }

function bodyOf(name: string): Uint8Array {
  const c = VALID_CASES.find((v) => v.name === name)!;
  const file = encodeSnapshot(c.snapshot);
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
];
