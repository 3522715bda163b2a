/**
 * JSON form → model ([spec](../../spec/format-v1.md#json-form)): checked against
 * the JSON Schema first, then converted; optional fields may be omitted.
 */
import { KsnapError } from "../errors.js";
import type { FileRef, KeyedStateHandle, SavepointHandle, SharedFileRef, Snapshot } from "../model.js";
import type { FileRefJson, HandleJson, SavepointHandleJson, SharedFileRefJson, SnapshotJson } from "./json-types.js";
import { escapeControls } from "../quote.js";
import { checkSnapshotJson } from "./schema.js";
import { decodeUtf8Strict } from "./strict-utf8.js";

const U64_MAX = (1n << 64n) - 1n;

/** Parses JSON bytes, which must be UTF-8 (invalid bytes are INVALID_JSON with their offset, never replaced), and converts them. */
export function snapshotFromJsonBytes(bytes: Uint8Array): Snapshot {
  const text = decodeUtf8Strict(bytes);
  return snapshotFromJsonText(text, (position) => utf8Length(text.slice(0, position)));
}

/**
 * Parses JSON text and converts it; syntax errors are INVALID_JSON too, at the
 * offset `offsetOf` gives for the parser's position (the character index by default).
 */
export function snapshotFromJsonText(text: string, offsetOf: (position: number) => number = (p) => p): Snapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw syntaxError(e, offsetOf);
  }
  return snapshotFromJson(doc);
}

/**
 * The parser's complaint without the excerpt of the input it quotes (which would
 * echo raw bytes, escape sequences included, to the terminal), at a byte offset.
 */
function syntaxError(e: unknown, offsetOf: (position: number) => number): KsnapError {
  const raw = e instanceof Error ? e.message : String(e);
  const position = /at position (\d+)/.exec(raw);
  const reason = raw.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
  const offset = position === null ? undefined : offsetOf(Number(position[1]));
  return new KsnapError("INVALID_JSON", `not JSON: ${escapeControls(reason)}`, offset === undefined ? {} : { offset });
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
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
