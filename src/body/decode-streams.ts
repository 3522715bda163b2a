/**
 * 1.1's streams ([spec](../../spec/format-v1.md#streamref)): StreamRef and its four targets, and SharedStreamRef.
 * Field paths name the target like a handle's variant: `meta.segment.scope`.
 */
import { KsnapError, withContext } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { ExternalStream, InlineStream, SegmentScope, SegmentStream, SharedStreamRef, StreamRef } from "../model.js";
import {
  closeMessage, enumValue, fieldNumber, missing, once, readBytes, requireFeature, skip, type BodyReader,
} from "./decode-fields.js";
import { readFileRefAt } from "./decode-files.js";
import { byNumber, SEGMENT_SCOPE_NUMBERS } from "./enums.js";
import { FEATURE_EXTERNAL_REFS, FEATURE_SEGMENTS } from "./features.js";
import {
  expectWireType, readFixed64, readLengthEnd, readString, readTag, readUint64, WT_I64, WT_LEN, WT_VARINT,
} from "./wire.js";

const SCOPES = byNumber(SEGMENT_SCOPE_NUMBERS);
const { maxIdBytes, maxStringBytes, maxInlineBytes, maxLocalNameBytes } = FORMAT_LIMITS;
const TARGETS = ["", "file", "segment", "inline", "external"] as const;

/** A StreamRef message whose tag has been read; errors are named under `field` (e.g. `meta`, `files[2]`). */
export function readStreamAt(r: BodyReader, parentEnd: number, field: string): StreamRef {
  try {
    return readStream(r, readLengthEnd(r, parentEnd));
  } catch (e) {
    return withContext(e, field);
  }
}

/** A SharedStreamRef message whose tag has been read, as `list[index]`. */
export function readSharedStreamAt(r: BodyReader, parentEnd: number, list: string, index: number): SharedStreamRef {
  try {
    const end = readLengthEnd(r, parentEnd);
    let ref: StreamRef | undefined;
    let origin = 0n;
    while (r.pos < end) {
      const tag = readTag(r);
      switch (fieldNumber(r, tag)) {
        case 1: expectWireType(r, tag, WT_LEN, "SharedStreamRef"); once(r, ref, "ref"); ref = readStream(r, readLengthEnd(r, end)); break;
        case 2: expectWireType(r, tag, WT_VARINT, "SharedStreamRef"); origin = readUint64(r); break;
        default: skip(r, tag);
      }
    }
    closeMessage(r, end, "SharedStreamRef");
    if (ref === undefined) throw missing(r, "ref", "ref", 1);
    if (origin === 0n) throw missing(r, "origin_checkpoint_id", "originCheckpointId", 1);
    return { ...ref, originCheckpointId: origin };
  } catch (e) {
    return withContext(e, `${list}[${index}]`);
  }
}

/** Exactly one target (as for a handle's oneof: none is MISSING_FIELD, a second or repeated one INVALID_FIELD). */
function readStream(r: BodyReader, end: number): StreamRef {
  let stream: StreamRef | undefined;
  let localName = "";
  while (r.pos < end) {
    const tag = readTag(r);
    const n = fieldNumber(r, tag);
    if (n >= 1 && n <= 4) {
      expectWireType(r, tag, WT_LEN, "StreamRef");
      if (stream !== undefined) {
        throw new KsnapError("INVALID_FIELD", `more than one target of the stream oneof is set (${stream.type}, then ${TARGETS[n]})`, { offset: r.pos });
      }
      stream = readTarget(r, n, end);
    } else if (n === 5) {
      expectWireType(r, tag, WT_LEN, "StreamRef");
      localName = readString(r, end, maxLocalNameBytes, "local_name", "localName");
    } else skip(r, tag);
  }
  closeMessage(r, end, "StreamRef");
  if (stream === undefined) {
    throw new KsnapError("MISSING_FIELD", "the stream sets no target (file, segment, inline or external)", { offset: r.pos });
  }
  if (localName !== "") stream.localName = localName;
  return stream;
}

function readTarget(r: BodyReader, n: number, end: number): StreamRef {
  if (n === 1) return { type: "file", ...readFileRefAt(r, end, "file", -1, "stream") };
  if (n === 2) requireFeature(r, FEATURE_SEGMENTS, "a segment stream", "segment");
  if (n === 4) requireFeature(r, FEATURE_EXTERNAL_REFS, "an external stream", "external");
  const name = TARGETS[n]!;
  try {
    const stop = readLengthEnd(r, end);
    return n === 2 ? readSegment(r, stop) : n === 3 ? readInline(r, stop) : readExternal(r, stop);
  } catch (e) {
    return withContext(e, name);
  }
}

function readSegment(r: BodyReader, end: number): SegmentStream {
  let id = "", path = "", offset = 0n, length = 0n, xxh64 = 0n, logicalId = "";
  let scope: SegmentScope | undefined;
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_LEN, "SegmentRef"); id = readString(r, end, maxIdBytes, "segment id", "id"); break;
      case 2: expectWireType(r, tag, WT_LEN, "SegmentRef"); path = readString(r, end, maxStringBytes, "segment path", "path"); break;
      case 3: expectWireType(r, tag, WT_VARINT, "SegmentRef"); offset = readUint64(r); break;
      case 4: expectWireType(r, tag, WT_VARINT, "SegmentRef"); length = readUint64(r); break;
      case 5: expectWireType(r, tag, WT_VARINT, "SegmentRef"); scope = enumValue(r, end, SCOPES, "segment scope", "scope"); break;
      case 6: expectWireType(r, tag, WT_I64, "SegmentRef"); xxh64 = readFixed64(r); break;
      case 7: expectWireType(r, tag, WT_LEN, "SegmentRef"); logicalId = readString(r, end, maxStringBytes, "logical_id", "logicalId"); break;
      default: skip(r, tag);
    }
  }
  closeMessage(r, end, "SegmentRef");
  if (id === "") throw missing(r, "segment id", "id", 1);
  if (path === "") throw missing(r, "segment path", "path", 1);
  if (scope === undefined) throw missing(r, "segment scope", "scope", 1);
  // A segment of 0 bytes is allowed: Flink writes empty segments.
  const s: SegmentStream = { type: "segment", id, path, offset, length, scope, xxh64 };
  if (logicalId !== "") s.logicalId = logicalId;
  return s;
}

function readInline(r: BodyReader, end: number): InlineStream {
  let data: Uint8Array = new Uint8Array(0);
  let name = "";
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_LEN, "InlineBytes"); data = readBytes(r, end, maxInlineBytes, "inline data", "data"); break;
      case 2: expectWireType(r, tag, WT_LEN, "InlineBytes"); name = readString(r, end, maxStringBytes, "inline name", "name"); break;
      default: skip(r, tag);
    }
  }
  closeMessage(r, end, "InlineBytes");
  const s: InlineStream = { type: "inline", data };
  if (name !== "") s.name = name;
  return s;
}

function readExternal(r: BodyReader, end: number): ExternalStream {
  let uri = "", size = 0n, xxh64 = 0n;
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_LEN, "ExternalRef"); uri = readString(r, end, maxStringBytes, "uri", "uri"); break;
      case 2: expectWireType(r, tag, WT_VARINT, "ExternalRef"); size = readUint64(r); break;
      case 3: expectWireType(r, tag, WT_I64, "ExternalRef"); xxh64 = readFixed64(r); break;
      default: skip(r, tag);
    }
  }
  closeMessage(r, end, "ExternalRef");
  if (uri === "") throw missing(r, "uri", "uri", 1);
  return { type: "external", uri, size, xxh64 };
}
