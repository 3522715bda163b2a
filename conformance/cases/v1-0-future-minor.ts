/**
 * Files as a hypothetical later 1.x writer would write them: format version 1.9
 * in the header and fields 1.0 does not know, in every message. A 1.0 reader
 * must skip those fields and read the rest as the snapshot built here.
 */
import { frameBody } from "../../src/container/frame.js";
import type { Snapshot } from "../../src/model.js";
import { base, fakeHash, withVersion } from "./fixtures.js";
import { packedVarints, raw, type RawField } from "./raw-protobuf.js";

const SHARED = { id: "b-future/000001", path: "shared/b-future-000001.sst", size: 4096n, xxh64: fakeHash(1), originCheckpointId: 20n };
const PRIVATE = { id: "b-future/000002", path: "chk-21/op-future-0/000002.log", size: 100n, xxh64: fakeHash(2) };
const META = { id: "b-future/MANIFEST-21", path: "chk-21/op-future-0/MANIFEST", size: 50n, xxh64: fakeHash(3) };
const DATA = { id: "chk-21/kg-4", path: "chk-21/kg-4.ksvd", size: 1000n, xxh64: fakeHash(4) };
const OFFSETS = [36n, 100n, 200n, 300n];

/** The fields a 1.0 reader knows: what the 1.9 file must decode to. */
export const FUTURE_MINOR_KNOWN: Snapshot = base({
  snapshotId: 21n, kind: "checkpoint", maxParallelism: 8, snapshotDir: "chk-21", jobId: "future-job",
  timestampMillis: 1_900_000_000_000n,
  properties: { incremental: true, keyGroupAware: true, sharing: "forward-backward", ownership: "system" },
  operators: [{ operatorId: "op-future", name: "written by 1.9", parallelism: 2, subtasks: [
    { subtaskIndex: 0, handles: [{
      type: "incremental", backendId: "b-future", keyGroups: { start: 0, count: 4 }, folder: "chk-21/op-future-0",
      checkpointId: 21n, baseCheckpointId: 20n, sharedFiles: [SHARED], privateFiles: [PRIVATE], metaFile: META,
      stateSize: 4246n, checkpointedSize: 150n,
    }] },
    { subtaskIndex: 1, handles: [{ type: "savepoint", keyGroups: { start: 4, count: 4 }, dataFile: DATA, offsets: OFFSETS }] },
  ] }],
});

/** A FileRef's four known fields. */
function fileFields(f: { id: string; path: string; size: bigint; xxh64: bigint }): RawField[] {
  return [[1, "bytes", f.id], [2, "bytes", f.path], [3, "varint", f.size], [4, "fixed64", f.xxh64]];
}

/** Unknown fields of every wire type, numbered from `first`: what a later minor might add to a message. */
function unknowns(first: number): RawField[] {
  return [
    [first, "varint", 300], [first + 1, "fixed64", 0xfeedfacecafebeefn], [first + 2, "bytes", "added in 1.9"],
    [first + 3, "fixed32", 0xdeadbeef], [first + 4, "msg", [[1, "varint", 1], [2, "bytes", "nested"]]],
    [first + 5, "group", [[1, "varint", 2], [2, "fixed64", 3n]]],
  ];
}

const INCREMENTAL: RawField = [1, "msg", [
  [1, "bytes", "b-future"],
  // An unknown field inside the key-group range, between the known ones.
  [2, "msg", [[1, "varint", 0], [3, "varint", 99], [2, "varint", 4]]],
  [3, "bytes", "chk-21/op-future-0"], [4, "varint", 21], [5, "varint", 20],
  // Field 5 is SharedFileRef's origin; 6 and up are unknown there.
  [6, "msg", [...fileFields(SHARED), [5, "varint", 20], ...unknowns(6)]],
  // Field 5 is known in SharedFileRef but unknown in FileRef: a reader must skip it here.
  [7, "msg", [[5, "varint", 77], ...fileFields(PRIVATE), [6, "bytes", "x"]]],
  [8, "msg", [...fileFields(META), ...unknowns(20)]],
  [9, "varint", 4246], [10, "varint", 150], ...unknowns(11),
]];

const SAVEPOINT: RawField = [2, "msg", [
  [1, "msg", [[1, "varint", 4], [2, "varint", 4], ...unknowns(3)]],
  [2, "msg", [...unknowns(5), ...fileFields(DATA)]],
  [3, "bytes", packedVarints(OFFSETS)],
  ...unknowns(4),
]];

const BODY = raw([
  ...unknowns(9),
  [1, "varint", 21], [2, "varint", 1],
  [3, "msg", [[1, "varint", 1], [2, "varint", 1], ...unknowns(5), [3, "varint", 3], [4, "varint", 1]]],
  [4, "varint", 8],
  [5, "msg", [
    [1, "bytes", "op-future"], [2, "bytes", "written by 1.9"], ...unknowns(5), [3, "varint", 2],
    [4, "msg", [[1, "varint", 0], ...unknowns(3), [2, "msg", [INCREMENTAL, ...unknowns(3)]]]],
    // An unknown field beside the known variant of a handle: allowed, it is not a second variant.
    [4, "msg", [[1, "varint", 1], [2, "msg", [[3, "bytes", "a 1.9 handle detail"], SAVEPOINT, [7, "fixed32", 1]]]]],
  ]],
  [6, "bytes", "chk-21"], [7, "bytes", "future-job"], [8, "varint", 1_900_000_000_000n],
  // The largest field number protobuf allows (2^29 - 1), as an optional field a much later minor might add.
  [536_870_911, "varint", 1], [536_870_910, "bytes", "far future"],
]);

/** The 1.9 file: the body above in a container whose header says 1.9. */
export const FUTURE_MINOR_FILE: Uint8Array = withVersion(frameBody(BODY), 1, 9);
