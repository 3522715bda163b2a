/**
 * 1.1's streams in the JSON form ([spec](../../spec/format-v1.md#json-form)): flat objects tagged by `type`;
 * ignorable names appear only when set.
 */
import { hashToHex } from "../hash/xxh64.js";
import type { FileRef, SharedStreamRef, StreamRef } from "../model.js";
import { bytesToBase64 } from "./base64.js";
import type { ExternalStreamJson, FileRefJson, SharedStreamJson, StreamJson } from "./json-types.js";

/**
 * A file ref in the snapshot's JSON form ([spec](../../spec/format-v1.md#json-form)),
 * which diffs and restore plans print their files in too
 * ([spec](../../spec/diff-and-restore.md#restore-plan-json)). `localName` only when set.
 */
export function fileToJson(f: FileRef): FileRefJson {
  const j: FileRefJson = { id: f.id, path: f.path, size: String(f.size), xxh64: hashToHex(f.xxh64) };
  return withLocalName(j, f.localName);
}

function withLocalName<T extends { localName?: string }>(j: T, localName: string | undefined): T {
  if (localName !== undefined && localName !== "") j.localName = localName;
  return j;
}

/** A stream: `{type, ...its target's fields, localName?}`. */
export function streamToJson(s: StreamRef): StreamJson {
  switch (s.type) {
    case "file": return { type: "file", ...fileToJson(s) };
    case "segment": {
      const j: StreamJson = {
        type: "segment", id: s.id, path: s.path, offset: String(s.offset), length: String(s.length), scope: s.scope,
        xxh64: hashToHex(s.xxh64),
      };
      if (s.logicalId !== undefined && s.logicalId !== "") j.logicalId = s.logicalId;
      return withLocalName(j, s.localName);
    }
    case "inline": {
      const j: StreamJson = { type: "inline", data: bytesToBase64(s.data) };
      if (s.name !== undefined && s.name !== "") j.name = s.name;
      return withLocalName(j, s.localName);
    }
    case "external":
      return withLocalName<ExternalStreamJson>({ type: "external", uri: s.uri, size: String(s.size), xxh64: hashToHex(s.xxh64) }, s.localName);
  }
}

/** A shared stream: the stream's members, then `originCheckpointId`. */
export function sharedStreamToJson(s: SharedStreamRef): SharedStreamJson {
  return { ...streamToJson(s), originCheckpointId: String(s.originCheckpointId) };
}
