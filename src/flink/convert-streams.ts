/**
 * Flink stream handles (tags 1, 2, 6, 3-as-a-stream, 15, 16) to KSNAP StreamRefs
 * ([spec](../../spec/flink.md#stream-handles-by-tag)). A whole file under the root is a `file` whose id is its
 * root-relative path and whose xxh64 is 0 (the converter reads no data file).
 */
import { bytesToBase64 } from "../json/base64.js";
import { KsnapError } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { SegmentScope, StreamRef } from "../model.js";
import type { FlinkStreamHandle } from "./flink-model.js";
import type { FlinkPathResolver } from "./convert-paths.js";
import type { NoteList } from "./convert-notes.js";

/** What stream conversion needs: where paths resolve, and where notes go. */
export interface StreamContext {
  paths: FlinkPathResolver;
  notes: NoteList;
}

/** A required stream: MISSING_FIELD when Flink wrote null. */
export function requiredStream(ctx: StreamContext, h: FlinkStreamHandle | null, field: string, localName?: string): StreamRef {
  if (h === null) throw new KsnapError("MISSING_FIELD", "the stream handle is null (tag 0) where a stream is required", { field });
  return convertStream(ctx, h, field, localName);
}

/** One stream handle as a StreamRef; `localName` (Flink's localPath) is set when given and non-empty. */
export function convertStream(ctx: StreamContext, h: FlinkStreamHandle, field: string, localName?: string): StreamRef {
  const ref = streamOf(ctx, h, field);
  if (localName !== undefined && localName !== "") ref.localName = localName;
  return ref;
}

function streamOf(ctx: StreamContext, h: FlinkStreamHandle, field: string): StreamRef {
  switch (h.kind) {
    case "byte-stream":
      if (h.data.length > FORMAT_LIMITS.maxInlineBytes) {
        throw new KsnapError("LIMIT_EXCEEDED", `inline stream of ${h.data.length} bytes exceeds ${FORMAT_LIMITS.maxInlineBytes}`, { field });
      }
      return h.name === "" ? { type: "inline", data: h.data } : { type: "inline", data: h.data, name: h.name };
    case "relative-file": {
      const path = ctx.paths.relative(h.relativePath, `${field}.relativePath`);
      return { type: "file", id: path, path, size: h.size, xxh64: 0n };
    }
    case "file": {
      const at = ctx.paths.absolute(h.path, `${field}.path`);
      if (at.kind === "root") return { type: "file", id: at.path, path: at.path, size: h.size, xxh64: 0n };
      ctx.notes.add("external-path", `external path ${at.uri}: outside the snapshot root, kept as an external stream (never resolved or deleted)`, field);
      return { type: "external", uri: at.uri, size: h.size, xxh64: 0n };
    }
    case "segment": {
      const at = ctx.paths.absolute(h.physicalPath, `${field}.physicalPath`);
      if (at.kind !== "root") {
        throw new KsnapError("INVALID_FIELD", `segment's physical file ${at.uri} is outside the snapshot root: KSNAP has no external segment`, { field });
      }
      const scope: SegmentScope = h.scope === 0 ? "exclusive" : h.scope === 1 ? "shared" : badScope(h.scope, field);
      const ref: StreamRef = { type: "segment", id: at.path, path: at.path, offset: h.startPos, length: h.size, scope, xxh64: 0n };
      if (h.logicalFileId !== "") ref.logicalId = h.logicalFileId;
      return ref;
    }
    case "empty-segment":
      return { type: "inline", data: new Uint8Array(0) };
    case "key-groups":
      // Read as a stream, a key-groups handle reads its delegate whole: the offsets are not kept.
      return requiredStream(ctx, h.delegate, `${field}.delegate`);
  }
}

function badScope(scope: number, field: string): never {
  throw new KsnapError("INVALID_FIELD", `segment scope ${scope}: expected 0 (exclusive) or 1 (shared)`, { field: `${field}.scope` });
}

/** A key identifying one stream target, for de-duplicating file lists. */
export function streamKey(s: StreamRef): string {
  switch (s.type) {
    case "file": return `file\0${s.id}`;
    case "segment": return `segment\0${s.id}\0${s.offset}\0${s.length}`;
    case "external": return `external\0${s.uri}`;
    case "inline": return `inline\0${bytesToBase64(s.data)}`;
  }
}
