/**
 * JSON form → model ([spec](../../spec/format-v1.md#json-form)): checked against
 * the JSON Schema first, then converted; optional fields may be omitted.
 */
import { KsnapError } from "../errors.js";
import type { FileRef, KeyedStateHandle, SavepointHandle, SharedFileRef, Snapshot } from "../model.js";
import type { FileRefJson, HandleJson, SavepointHandleJson, SharedFileRefJson, SnapshotJson } from "./json-types.js";
import { checkSnapshotJson } from "./schema.js";

const U64_MAX = (1n << 64n) - 1n;

/** Parses JSON text and converts it; syntax errors are INVALID_JSON too. */
export function snapshotFromJsonText(text: string): Snapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new KsnapError("INVALID_JSON", `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return snapshotFromJson(doc);
}

/** Converts a parsed JSON document, which must match schemas/ksnap-v1.schema.json. */
export function snapshotFromJson(doc: unknown): Snapshot {
  checkSnapshotJson(doc);
  const j = doc as SnapshotJson;
  const minor = Number(j.formatVersion.split(".")[1]);
  if (minor > 0xffff) throw new KsnapError("INVALID_JSON", `minor version ${minor} exceeds 65535`, { field: "formatVersion" });
  return {
    snapshotId: u64(j.snapshotId, "snapshotId"),
    kind: j.kind,
    properties: {
      incremental: j.properties.incremental ?? false,
      keyGroupAware: j.properties.keyGroupAware ?? false,
      sharing: j.properties.sharing,
      ownership: j.properties.ownership,
    },
    maxParallelism: j.maxParallelism,
    snapshotDir: j.snapshotDir ?? "",
    jobId: j.jobId ?? "",
    timestampMillis: u64(j.timestampMillis ?? "0", "timestampMillis"),
    operators: (j.operators ?? []).map((op, i) => ({
      operatorId: op.operatorId,
      name: op.name ?? "",
      parallelism: op.parallelism,
      subtasks: (op.subtasks ?? []).map((st, k) => ({
        subtaskIndex: st.subtaskIndex ?? 0,
        handles: (st.handles ?? []).map((h, n) => handleFromJson(h, `operators[${i}].subtasks[${k}].handles[${n}]`)),
      })),
    })),
  };
}

function handleFromJson(h: HandleJson, at: string): KeyedStateHandle {
  if (h.type === "savepoint") return savepointHandleFromJson(h, at);
  return {
    type: "incremental",
    backendId: h.backendId,
    keyGroups: { start: h.keyGroups.start, count: h.keyGroups.count },
    folder: h.folder,
    checkpointId: u64(h.checkpointId, `${at}.checkpointId`),
    baseCheckpointId: u64(h.baseCheckpointId ?? "0", `${at}.baseCheckpointId`),
    sharedFiles: (h.sharedFiles ?? []).map((f, i) => sharedFromJson(f, `${at}.sharedFiles[${i}]`)),
    privateFiles: (h.privateFiles ?? []).map((f, i) => fileFromJson(f, `${at}.privateFiles[${i}]`)),
    metaFile: fileFromJson(h.metaFile, `${at}.metaFile`),
    stateSize: u64(h.stateSize ?? "0", `${at}.stateSize`),
    checkpointedSize: u64(h.checkpointedSize ?? "0", `${at}.checkpointedSize`),
  };
}

/**
 * The inverse of `savepointHandleToJson` ([spec](../../spec/format-v1.md#json-form)),
 * for a handle checked already (inside a snapshot) or trusted (a vector's
 * `.handle.json`): no schema check of its own, but 64-bit values are still
 * range-checked, and errors name fields under `at`. `type` may be omitted.
 */
export function savepointHandleFromJson(h: Omit<SavepointHandleJson, "type">, at = "handle"): SavepointHandle {
  return {
    type: "savepoint",
    keyGroups: { start: h.keyGroups.start, count: h.keyGroups.count },
    dataFile: fileFromJson(h.dataFile, `${at}.dataFile`),
    offsets: (h.offsets ?? []).map((o, i) => u64(o, `${at}.offsets[${i}]`)),
  };
}

function fileFromJson(f: FileRefJson, at: string): FileRef {
  return { id: f.id, path: f.path, size: u64(f.size ?? "0", `${at}.size`), xxh64: BigInt(`0x${f.xxh64 ?? "0"}`) };
}

function sharedFromJson(f: SharedFileRefJson, at: string): SharedFileRef {
  return { ...fileFromJson(f, at), originCheckpointId: u64(f.originCheckpointId, `${at}.originCheckpointId`) };
}

/** The schema guarantees decimal digits; the range needs a bigint comparison. */
function u64(text: string, field: string): bigint {
  const v = BigInt(text);
  if (v > U64_MAX) throw new KsnapError("INVALID_JSON", `${text} exceeds the largest 64-bit value ${U64_MAX}`, { field });
  return v;
}
