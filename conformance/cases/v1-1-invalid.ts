/**
 * Invalid cases of format 1.1: bytes every 1.1 reader must reject, with the error code it must report (and, for
 * container errors, the byte offset).
 */
import { frameBody } from "../../src/container/frame.js";
import {
  FEATURE_COORDINATOR_AND_MASTER_STATE, FEATURE_EXTERNAL_REFS, FEATURE_FINISHED_MARKERS, FEATURE_OPAQUE_HANDLES,
  FEATURE_OPERATOR_MAX_PARALLELISM, FEATURE_OPERATOR_STATE, FEATURE_RAW_KEYED_STATE, FEATURE_SEGMENTS, FEATURE_STREAM_HANDLES,
} from "../../src/body/features.js";
import {
  FILE, FILE_STREAM, file11, PROPS, handleBody, INLINE_STREAM, KG, operator, snapshotBody, streamIncremental, subtaskBody,
} from "./v1-1-bodies.js";
import { raw, type RawField } from "./raw-protobuf.js";
import type { InvalidCase } from "./v1-0-invalid.js";

const ALL = 0x1ff;
const SEGMENT: RawField[] = [[1, "bytes", "seg"], [2, "bytes", "shared/seg"], [4, "varint", 10], [5, "varint", 2]];
const OP_STATE = (states: RawField[]): RawField[] => [[1, "msg", FILE_STREAM], ...states];
const MiB = 1024 * 1024;

/** One case per feature bit: the structure that needs the bit, in a file that sets every other bit. */
const WITHOUT_BIT: [string, number, Uint8Array][] = [
  ["operator-state", FEATURE_OPERATOR_STATE, subtaskBody([[9, "msg", OP_STATE([])]])],
  ["raw-keyed-handles", FEATURE_RAW_KEYED_STATE, subtaskBody([[11, "msg", [[2, "msg", [[1, "msg", KG], [2, "msg", FILE("d", "d.bin")]]]]]])],
  ["segment", FEATURE_SEGMENTS, handleBody(10, streamIncremental([[2, "msg", SEGMENT]]))],
  ["stream-incremental", FEATURE_STREAM_HANDLES, handleBody(10, streamIncremental(INLINE_STREAM))],
  ["opaque", FEATURE_OPAQUE_HANDLES, handleBody(12, [[1, "bytes", "k"], [2, "msg", KG]])],
  ["coordinator-state", FEATURE_COORDINATOR_AND_MASTER_STATE, snapshotBody([operator([[13, "msg", INLINE_STREAM]])])],
  ["external", FEATURE_EXTERNAL_REFS, handleBody(10, streamIncremental([[4, "msg", [[1, "bytes", "s3://b/k"]]]]))],
  ["finished", FEATURE_FINISHED_MARKERS, snapshotBody([operator([[14, "varint", 1]])])],
  ["operator-max-parallelism", FEATURE_OPERATOR_MAX_PARALLELISM, snapshotBody([operator([[11, "varint", 256]])])],
];

/** The invalid cases, in README order. */
export const INVALID_CASES_1_1: InvalidCase[] = [
  ...WITHOUT_BIT.map(([what, bit, body]): InvalidCase => ({
    name: `${what}-without-bit-${Math.log2(bit)}`,
    checks: `${what.replace(/-/g, " ")} in a 1.1 file that sets every feature bit but ${Math.log2(bit)}: a 1.0 reader would skip it silently`,
    bytes: file11(ALL & ~bit, body), code: "INVALID_FIELD",
  })),
  { name: "unknown-feature-bit-9", checks: "required-feature bit 9: not defined in 1.1", bytes: file11(1 << 9, snapshotBody([])), code: "UNKNOWN_REQUIRED_FEATURE", offset: 12 },
  { name: "feature-bit-in-1-0-file", checks: "bit 0 in a file that says format 1.0, which defines no bit: unknown to every reader", bytes: frameBody(subtaskBody([[9, "msg", OP_STATE([])]]), { minor: 0, requiredFeatures: 1 }), code: "UNKNOWN_REQUIRED_FEATURE", offset: 12 },
  { name: "snapshot-id-0", checks: "snapshot_id 0 with a source: still invalid in 1.1 (source.checkpoint_id holds a source's 0)", bytes: file11(0, raw([[2, "varint", 1], PROPS, [4, "varint", 128], [16, "msg", [[1, "bytes", "apache-flink"]]]])), code: "MISSING_FIELD" },
  { name: "stream-no-target", checks: "a StreamRef with only a local name", bytes: file11(ALL, snapshotBody([operator([[13, "msg", [[5, "bytes", "x"]]]])])), code: "MISSING_FIELD" },
  { name: "stream-two-targets", checks: "a StreamRef with a file and inline bytes", bytes: file11(ALL, snapshotBody([operator([[13, "msg", [...FILE_STREAM, ...INLINE_STREAM]]])])), code: "INVALID_FIELD" },
  { name: "stream-target-twice", checks: "a StreamRef with inline bytes twice (protobuf would merge; a oneof target occurs once)", bytes: file11(ALL, snapshotBody([operator([[13, "msg", [...INLINE_STREAM, ...INLINE_STREAM]]])])), code: "INVALID_FIELD" },
  { name: "stream-file-with-local-name", checks: "a FileRef inside a StreamRef with a local_name (it belongs on the StreamRef)", bytes: file11(ALL, snapshotBody([operator([[13, "msg", [[1, "msg", [...FILE("f", "f"), [11, "bytes", "000001.sst"]]]]]])])), code: "INVALID_FIELD" },
  { name: "handle-two-1-1-variants", checks: "a handle with stream_incremental and opaque set", bytes: file11(ALL, subtaskBody([[2, "msg", [[10, "msg", streamIncremental(INLINE_STREAM)], [12, "msg", [[1, "bytes", "k"], [2, "msg", KG]]]]]])), code: "INVALID_FIELD" },
  { name: "duplicate-coordinator-state", checks: "a singular message field of 1.1 (coordinator_state) twice", bytes: file11(ALL, snapshotBody([operator([[13, "msg", INLINE_STREAM], [13, "msg", INLINE_STREAM]])])), code: "MALFORMED_BODY" },
  { name: "segment-missing-scope", checks: "a SegmentRef without scope", bytes: file11(ALL, handleBody(10, streamIncremental([[2, "msg", SEGMENT.slice(0, 3)]]))), code: "MISSING_FIELD" },
  { name: "segment-unknown-scope", checks: "SegmentScope 3 is not defined", bytes: file11(ALL, handleBody(10, streamIncremental([[2, "msg", [...SEGMENT.slice(0, 3), [5, "varint", 3]]]]))), code: "INVALID_FIELD" },
  { name: "segment-missing-path", checks: "a SegmentRef without the physical file's path", bytes: file11(ALL, handleBody(10, streamIncremental([[2, "msg", [SEGMENT[0]!, SEGMENT[3]!]]]))), code: "MISSING_FIELD" },
  { name: "external-missing-uri", checks: "an ExternalRef without uri", bytes: file11(ALL, handleBody(10, streamIncremental([[4, "msg", [[2, "varint", 5]]]]))), code: "MISSING_FIELD" },
  { name: "shared-stream-without-origin", checks: "a SharedStreamRef without origin_checkpoint_id", bytes: file11(ALL, handleBody(10, streamIncremental(INLINE_STREAM, [[6, "msg", [[1, "msg", INLINE_STREAM]]]]))), code: "MISSING_FIELD" },
  { name: "shared-stream-without-ref", checks: "a SharedStreamRef without its stream", bytes: file11(ALL, handleBody(10, streamIncremental(INLINE_STREAM, [[6, "msg", [[2, "varint", 1]]]]))), code: "MISSING_FIELD" },
  { name: "stream-incremental-missing-meta", checks: "a stream_incremental handle without meta", bytes: file11(ALL, handleBody(10, [[1, "bytes", "b"], [2, "msg", KG], [4, "varint", 1]])), code: "MISSING_FIELD" },
  { name: "key-groups-stream-missing-data-format", checks: "a key_groups_stream handle without data_format", bytes: file11(ALL, handleBody(11, [[1, "msg", KG], [2, "msg", INLINE_STREAM], [3, "bytes", Uint8Array.of(0)]])), code: "MISSING_FIELD" },
  { name: "key-groups-stream-offsets-over-32768", checks: "32769 packed offsets in a key_groups_stream handle", bytes: file11(ALL, handleBody(11, [[1, "msg", KG], [2, "msg", INLINE_STREAM], [3, "bytes", new Uint8Array(32769)], [4, "bytes", "f"]])), code: "INVALID_FIELD" },
  { name: "opaque-missing-kind", checks: "an opaque handle without kind", bytes: file11(ALL, handleBody(12, [[2, "msg", KG]])), code: "MISSING_FIELD" },
  { name: "opaque-keyed-without-key-groups", checks: "an opaque keyed handle without key_groups", bytes: file11(ALL, handleBody(12, [[1, "bytes", "k"]])), code: "MISSING_FIELD" },
  { name: "opaque-channel-with-key-groups", checks: "an opaque handle in channel_state with key_groups (channel data belongs to no key group)", bytes: file11(ALL, subtaskBody([[12, "msg", [[1, "bytes", "k"], [2, "msg", KG]]]])), code: "INVALID_FIELD" },
  { name: "opaque-payload-over-1-mib", checks: "an opaque payload of 1 MiB + 1 byte", bytes: file11(ALL, handleBody(12, [[1, "bytes", "k"], [2, "msg", KG], [5, "bytes", new Uint8Array(MiB + 1)]])), code: "INVALID_FIELD" },
  { name: "inline-over-1-mib", checks: "inline bytes of 1 MiB + 1 byte", bytes: file11(ALL, snapshotBody([operator([[13, "msg", [[3, "msg", [[1, "bytes", new Uint8Array(MiB + 1)]]]]]])])), code: "INVALID_FIELD" },
  { name: "local-name-over-255-bytes", checks: "a FileRef local_name of 256 bytes", bytes: file11(0, handleBody(2, [[1, "msg", KG], [2, "msg", [...FILE("d", "d.bin"), [11, "bytes", "n".repeat(256)]]]])), code: "INVALID_FIELD" },
  { name: "stream-local-name-over-255-bytes", checks: "a StreamRef local_name of 128 two-byte characters (256 bytes)", bytes: file11(ALL, snapshotBody([operator([[13, "msg", [...INLINE_STREAM, [5, "bytes", "\u00e9".repeat(128)]]]])])), code: "INVALID_FIELD" },
  { name: "operator-state-missing-stream", checks: "an OperatorStateHandle without its stream", bytes: file11(ALL, subtaskBody([[9, "msg", [[2, "msg", [[1, "bytes", "s"], [2, "varint", 1]]]]]])), code: "MISSING_FIELD" },
  { name: "named-state-missing-mode", checks: "a NamedOperatorState without mode", bytes: file11(ALL, subtaskBody([[10, "msg", OP_STATE([[2, "msg", [[1, "bytes", "s"]]]])]])), code: "MISSING_FIELD" },
  { name: "named-state-unknown-mode", checks: "DistributionMode 4 is not defined", bytes: file11(ALL, subtaskBody([[9, "msg", OP_STATE([[2, "msg", [[1, "bytes", "s"], [2, "varint", 4]]]])]])), code: "INVALID_FIELD" },
  { name: "named-state-missing-name", checks: "a NamedOperatorState without name", bytes: file11(ALL, subtaskBody([[9, "msg", OP_STATE([[2, "msg", [[2, "varint", 2]]]])]])), code: "MISSING_FIELD" },
  { name: "master-state-missing-name", checks: "a MasterState without name", bytes: file11(ALL, snapshotBody([[15, "msg", [[2, "varint", 1]]]])), code: "MISSING_FIELD" },
  { name: "master-payload-over-1-mib", checks: "a MasterState payload of 1 MiB + 1 byte", bytes: file11(ALL, snapshotBody([[15, "msg", [[1, "bytes", "h"], [3, "bytes", new Uint8Array(MiB + 1)]]]])), code: "INVALID_FIELD" },
  { name: "source-missing-system", checks: "a SourceInfo without system", bytes: file11(0, snapshotBody([[16, "msg", [[2, "varint", 6]]]])), code: "MISSING_FIELD" },
  { name: "operator-max-parallelism-over-limit", checks: "an operator max_parallelism of 32769", bytes: file11(ALL, snapshotBody([operator([[11, "varint", 32769]])])), code: "INVALID_FIELD" },
];
