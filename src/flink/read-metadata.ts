/**
 * `readFlinkMetadata`: an Apache Flink `_metadata` file (format versions V2 to V6) to its AST
 * ([spec/flink.md](../../spec/flink.md#reading-_metadata-errors-and-limits)).
 */
import { KsnapError, withContext } from "../errors.js";
import { DataInput } from "./data-input.js";
import { readCheckpointProperties } from "./checkpoint-properties.js";
import { DEFAULT_FLINK_READ_LIMITS, type FlinkReadLimits } from "./flink-limits.js";
import type { FlinkMasterState, FlinkMetadata, FlinkMetadataVersion, FlinkOperatorState } from "./flink-model.js";
import { MIN_OPERATOR_BYTES, readOperator } from "./read-operator.js";

import { FLINK_METADATA_MAGIC } from "./metadata-magic.js";

export { FLINK_METADATA_MAGIC };
const MASTER_STATE_MAGIC = 0xc96b1696 | 0;

/**
 * Reads a Flink `_metadata` file to its last byte. Every failure is a {@link KsnapError} with the byte offset:
 * TRUNCATED, BAD_MAGIC, UNSUPPORTED_VERSION (V1 and V7+), MALFORMED_BODY (an unknown handle type, a Java stream that is
 * not CheckpointProperties), INVALID_FIELD (a value Flink never writes, a string with an unpaired surrogate),
 * LIMIT_EXCEEDED and TRAILING_BYTES ([spec](../../spec/flink.md#reading-_metadata-errors-and-limits)).
 */
export function readFlinkMetadata(bytes: Uint8Array, limits: Partial<FlinkReadLimits> = {}): FlinkMetadata {
  const lim: FlinkReadLimits = { ...DEFAULT_FLINK_READ_LIMITS, ...limits };
  if (bytes.length > lim.maxFileBytes) {
    throw new KsnapError("LIMIT_EXCEEDED", `_metadata of ${bytes.length} bytes exceeds maxFileBytes ${lim.maxFileBytes}`);
  }
  const r = new DataInput(bytes, lim);
  const magic = r.i32("magic");
  if (magic !== FLINK_METADATA_MAGIC) {
    throw new KsnapError("BAD_MAGIC", `magic 0x${(magic >>> 0).toString(16).padStart(8, "0")}, expected 0x4960672d (Flink _metadata)`, { offset: 0 });
  }
  const version = r.i32("version");
  if (version < 2 || version > 6) {
    throw new KsnapError("UNSUPPORTED_VERSION", `_metadata format version ${version}: this reader reads V2 to V6`, { offset: 4 });
  }
  const md: FlinkMetadata = {
    version: version as FlinkMetadataVersion,
    checkpointId: r.i64("checkpoint id"),
    masterStates: readMasterStates(r),
    operators: readOperators(r, version),
  };
  if (version >= 4) {
    try {
      md.properties = readCheckpointProperties(r);
    } catch (e) {
      withContext(e, "properties");
    }
  }
  if (r.remaining !== 0) {
    throw new KsnapError("TRAILING_BYTES", `${r.remaining} bytes after the end of the _metadata`, { offset: r.pos });
  }
  return md;
}

function readMasterStates(r: DataInput): FlinkMasterState[] {
  const n = r.count("master state count", 8);
  const out: FlinkMasterState[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(readMasterState(r));
    } catch (e) {
      withContext(e, `masterStates[${i}]`);
    }
  }
  return out;
}

/** `{i32 magic; i32 len; len bytes = {i32 version; utf name; i32 n; n bytes}}`: the frame must hold exactly that. */
function readMasterState(r: DataInput): FlinkMasterState {
  const at = r.pos;
  const magic = r.i32("master state magic");
  if (magic !== MASTER_STATE_MAGIC) {
    throw new KsnapError("MALFORMED_BODY", `master state magic 0x${(magic >>> 0).toString(16)}, expected 0xc96b1696`, { offset: at });
  }
  const len = r.count("master state length", 1);
  r.need(len, "master state");
  const end = r.pos + len;
  const version = r.i32("master state version");
  const name = r.utf("master state name");
  const payload = r.lengthPrefixed("master state payload");
  if (r.pos !== end) {
    throw new KsnapError("MALFORMED_BODY", `master state ${JSON.stringify(name)} takes ${r.pos - end + len} bytes, its frame says ${len}`, { offset: at });
  }
  return { version, name, payload };
}

function readOperators(r: DataInput, version: number): FlinkOperatorState[] {
  const n = r.count("operator count", MIN_OPERATOR_BYTES);
  const out: FlinkOperatorState[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(readOperator(r, version));
    } catch (e) {
      withContext(e, `operators[${i}]`);
    }
  }
  return out;
}
