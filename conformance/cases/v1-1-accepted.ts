/**
 * Accepted cases of format 1.1: encodings of 1.1 structures that are not canonical but that every 1.1 reader must
 * decode, to the snapshot in `accepted/<name>.json`.
 */
import type { Snapshot } from "../../src/model.js";
import { FEATURE_EXTERNAL_REFS, FEATURE_OPERATOR_STATE, FEATURE_SEGMENTS, FEATURE_STREAM_HANDLES } from "../../src/body/features.js";
import { base } from "./fixtures.js";
import { packedVarints, type RawField } from "./raw-protobuf.js";
import type { AcceptedCase } from "./v1-0-accepted.js";
import { file11, FILE, KG, operator, snapshotBody, subtaskBody } from "./v1-1-bodies.js";

const CHECKPOINT = { incremental: false, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

/** Unknown fields of every wire type, numbered from `first`: what a later minor might add to a 1.1 message. */
function unknowns(first: number): RawField[] {
  return [[first, "varint", 300], [first + 1, "fixed64", 0xfeedfacecafebeefn], [first + 2, "bytes", "added later"],
    [first + 3, "fixed32", 0xdeadbeef], [first + 4, "group", [[1, "varint", 2]]]];
}

/** One subtask of operator "op" with `subtask` fields, as the model. */
function oneSubtask(subtask: Partial<Snapshot["operators"][number]["subtasks"][number]>, over: Partial<Snapshot> = {}): Snapshot {
  return base({ kind: "checkpoint", properties: CHECKPOINT, ...over,
    operators: [{ operatorId: "op", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [], ...subtask }] }] });
}

const SEG = (offset: number): RawField[] => [[1, "bytes", "seg"], [2, "bytes", "shared/seg"], [3, "varint", offset], [4, "varint", 10], [5, "varint", 1]];

/** The accepted cases, in README order. */
export const ACCEPTED_CASES_1_1: AcceptedCase[] = [
  {
    name: "stream-lists-out-of-order",
    checks: "a stream_incremental handle whose private streams are external, inline, two segments (offset 20, then 0) and a file: reverse of stream order",
    bytes: file11(FEATURE_STREAM_HANDLES | FEATURE_SEGMENTS | FEATURE_EXTERNAL_REFS, subtaskBody([[2, "msg", [[10, "msg", [
      [1, "bytes", "b"], [2, "msg", KG], [4, "varint", 1],
      [7, "msg", [[4, "msg", [[1, "bytes", "s3://b/k"]]]]], [7, "msg", [[3, "msg", [[1, "bytes", "x"]]]]],
      [7, "msg", [[2, "msg", SEG(20)]]], [7, "msg", [[2, "msg", SEG(0)]]], [7, "msg", [[1, "msg", FILE("f", "chk-1/f")]]],
      [8, "msg", [[3, "msg", []]]],
    ]]]]])),
    expected: oneSubtask({ handles: [{
      type: "stream-incremental", backendId: "b", keyGroups: { start: 0, count: 1 }, folder: "", checkpointId: 1n, baseCheckpointId: 0n,
      sharedFiles: [], meta: { type: "inline", data: new Uint8Array(0) }, stateSize: 0n, checkpointedSize: 0n,
      privateFiles: [
        { type: "file", id: "f", path: "chk-1/f", size: 0n, xxh64: 0n },
        { type: "segment", id: "seg", path: "shared/seg", offset: 0n, length: 10n, scope: "exclusive", xxh64: 0n },
        { type: "segment", id: "seg", path: "shared/seg", offset: 20n, length: 10n, scope: "exclusive", xxh64: 0n },
        { type: "inline", data: bytes("x") },
        { type: "external", uri: "s3://b/k", size: 0n, xxh64: 0n },
      ],
    }] }),
  },
  {
    name: "unknown-fields-in-1-1-messages",
    checks: "unknown fields of every wire type inside StreamRef, InlineBytes, OperatorStateHandle, NamedOperatorState, MasterState and SourceInfo, and named states out of order with offsets unpacked",
    bytes: file11(FEATURE_OPERATOR_STATE | 1 << 5, snapshotBody([
      operator([[4, "msg", [[9, "msg", [
        [1, "msg", [...unknowns(6), [3, "msg", [[1, "bytes", "op state"], ...unknowns(3)]]]],
        [2, "msg", [[1, "bytes", "b"], [2, "varint", 2], [3, "varint", 5], [3, "varint", 7], ...unknowns(4)]],
        [2, "msg", [[1, "bytes", "a"], [2, "varint", 1], [3, "bytes", packedVarints([0, 3])]]],
        ...unknowns(3),
      ]]]]]),
      [15, "msg", [[1, "bytes", "hook"], [2, "varint", 1], ...unknowns(4)]],
      [16, "msg", [[1, "bytes", "apache-flink"], [2, "varint", 6], [3, "varint", 0], ...unknowns(4)]],
    ])),
    expected: oneSubtask({ managedOperatorState: {
      stream: { type: "inline", data: bytes("op state") },
      states: [{ name: "a", mode: "split-distribute", offsets: [0n, 3n] }, { name: "b", mode: "union", offsets: [5n, 7n] }],
    } }, { masterStates: [{ name: "hook", version: 1, payload: new Uint8Array(0) }], source: { system: "apache-flink", formatVersion: 6, checkpointId: 0n } }),
  },
  {
    name: "explicit-defaults-1-1",
    checks: "1.1 fields written with their defaults: finished false, uid \"\", local_name \"\", operator max_parallelism equal to the snapshot's (says nothing, needs no bit); the JSON shows none of them",
    bytes: file11(0, snapshotBody([operator([
      [4, "msg", [[13, "varint", 0], [2, "msg", [[2, "msg", [[1, "msg", KG], [2, "msg", [...FILE("d", "d.bin"), [11, "bytes", ""]]]]]]]]],
      [11, "varint", 128], [12, "bytes", ""], [14, "varint", 0],
    ])])),
    expected: oneSubtask({ handles: [{ type: "savepoint", keyGroups: { start: 0, count: 1 }, dataFile: { id: "d", path: "d.bin", size: 0n, xxh64: 0n }, offsets: [] }] }),
  },
  {
    name: "unused-feature-bit",
    checks: "bit 6 (EXTERNAL_REFS) set in a file that holds no external stream: a bit the reader knows is never an error; writers set only the bits they need",
    bytes: file11(FEATURE_EXTERNAL_REFS, snapshotBody([])),
    expected: base({ kind: "checkpoint", properties: CHECKPOINT }),
  },
];
