/**
 * 1.1's streams in the canonical body ([spec](../../spec/format-v1.md#streamref)): StreamRef with its four
 * targets, SharedStreamRef, and stream lists in stream order. Errors name the target like a handle's variant.
 */
import { FORMAT_LIMITS } from "../limits.js";
import type { ExternalStream, InlineStream, SegmentStream, SharedStreamRef, StreamRef } from "../model.js";
import { compareStreams } from "./canonical-order.js";
import {
  bytes, inContext, enumField, fixed64, invalid, list, message, optionalStr, present, required, str, u64,
} from "./encode-fields.js";
import { writeFileIn } from "./encode-files.js";
import { SEGMENT_SCOPE_NUMBERS } from "./enums.js";
import type { WireWriter as Writer } from "./wire-writer.js";

const { maxIdBytes, maxStringBytes, maxInlineBytes, maxLocalNameBytes } = FORMAT_LIMITS;

/** A required StreamRef field, with errors named under `name`. */
export function writeStreamField(w: Writer, field: number, s: StreamRef, name: string): void {
  inContext(name, () => {
    required(present(s), "", name, 1);
    message(w, field, () => writeStream(w, s));
  });
}

/** A list of streams in stream order, each a StreamRef field. */
export function writeStreamList(w: Writer, field: number, streams: readonly StreamRef[], name: string): void {
  list(streams, compareStreams, name, (s) => message(w, field, () => writeStream(w, s)));
}

/** A list of shared streams in stream order, each a SharedStreamRef {ref, origin_checkpoint_id}. */
export function writeSharedStreamList(w: Writer, field: number, streams: readonly SharedStreamRef[], name: string): void {
  list(streams, compareStreams, name, (s) => message(w, field, () => {
    message(w, 1, () => writeStream(w, s));
    const origin = present(s) ? s.originCheckpointId : undefined;
    required(typeof origin === "bigint" && origin !== 0n, "originCheckpointId", "origin_checkpoint_id", 1);
    u64(w, 2, origin!, "originCheckpointId");
  }));
}

function writeStream(w: Writer, s: StreamRef): void {
  if (typeof s !== "object" || s === null) throw invalid("", "stream is not an object");
  switch (s.type) {
    case "file": message(w, 1, () => writeFileIn(w, s, "file", "stream")); break;
    case "segment": message(w, 2, () => inContext("segment", () => writeSegment(w, s))); break;
    case "inline": message(w, 3, () => inContext("inline", () => writeInline(w, s))); break;
    case "external": message(w, 4, () => inContext("external", () => writeExternal(w, s))); break;
    default: throw invalid("type", `stream type "${String((s as { type: unknown }).type)}" is not file, segment, inline or external`);
  }
  optionalStr(w, 5, s.localName, maxLocalNameBytes, "localName");
}

function writeSegment(w: Writer, s: SegmentStream): void {
  required(typeof s.id === "string" && s.id !== "", "id", "segment id", 1);
  str(w, 1, s.id, maxIdBytes, "id");
  required(typeof s.path === "string" && s.path !== "", "path", "segment path", 1);
  str(w, 2, s.path, maxStringBytes, "path");
  u64(w, 3, s.offset, "offset");
  u64(w, 4, s.length, "length");
  required(present(s.scope), "scope", "segment scope", 1);
  enumField(w, 5, SEGMENT_SCOPE_NUMBERS, s.scope, "scope");
  fixed64(w, 6, s.xxh64, "xxh64");
  optionalStr(w, 7, s.logicalId, maxStringBytes, "logicalId");
}

function writeInline(w: Writer, s: InlineStream): void {
  bytes(w, 1, s.data, maxInlineBytes, "data");
  optionalStr(w, 2, s.name, maxStringBytes, "name");
}

function writeExternal(w: Writer, s: ExternalStream): void {
  required(typeof s.uri === "string" && s.uri !== "", "uri", "uri", 1);
  str(w, 1, s.uri, maxStringBytes, "uri");
  u64(w, 2, s.size, "size");
  fixed64(w, 3, s.xxh64, "xxh64");
}
