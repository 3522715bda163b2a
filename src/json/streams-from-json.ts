/**
 * JSON form → model for file refs and 1.1's streams ([spec](../../spec/format-v1.md#json-form)), on a document the
 * JSON Schema has checked: 64-bit values are range-checked here, base64 is checked to be canonical, and errors
 * name the member under `at`.
 */
import { KsnapError } from "../errors.js";
import type { FileRef, SharedFileRef, SharedStreamRef, StreamRef } from "../model.js";
import { base64ToBytes } from "./base64.js";
import type { FileRefJson, SharedFileRefJson, SharedStreamJson, StreamJson } from "./json-types.js";

const U64_MAX = (1n << 64n) - 1n;

/** The schema guarantees decimal digits; the range needs a bigint comparison. */
export function u64(text: string, field: string): bigint {
  const v = BigInt(text);
  if (v > U64_MAX) throw new KsnapError("INVALID_JSON", `${text} exceeds the largest 64-bit value ${U64_MAX}`, { field });
  return v;
}

/** An optional 64-bit member ("0" when omitted). */
export const optionalU64 = (text: string | undefined, field: string): bigint => u64(text ?? "0", field);

/** The schema guarantees 16 hex digits when present. */
export const hash = (text: string | undefined): bigint => BigInt(`0x${text ?? "0"}`);

/** Copies `localName` (and other optional names) only when set: absent and "" are the same to the codec. */
function withName<T extends object, K extends string>(o: T, key: K, v: string | undefined): T {
  if (v !== undefined && v !== "") (o as Record<string, unknown>)[key] = v;
  return o;
}

/** A file ref of a 1.0 handle (with its optional local name). */
export function fileFromJson(f: FileRefJson, at: string): FileRef {
  return withName({ id: f.id, path: f.path, size: optionalU64(f.size, `${at}.size`), xxh64: hash(f.xxh64) }, "localName", f.localName);
}

/** A shared file ref of a 1.0 incremental handle. */
export function sharedFromJson(f: SharedFileRefJson, at: string): SharedFileRef {
  return { ...fileFromJson(f, at), originCheckpointId: u64(f.originCheckpointId, `${at}.originCheckpointId`) };
}

/** A stream, by its `type`. */
export function streamFromJson(s: StreamJson, at: string): StreamRef {
  switch (s.type) {
    case "file": return { type: "file", ...fileFromJson(s, at) };
    case "segment": {
      const seg = {
        type: "segment" as const, id: s.id, path: s.path, offset: optionalU64(s.offset, `${at}.offset`),
        length: optionalU64(s.length, `${at}.length`), scope: s.scope, xxh64: hash(s.xxh64),
      };
      return withName(withName(seg, "logicalId", s.logicalId), "localName", s.localName);
    }
    case "inline": {
      const inline = { type: "inline" as const, data: base64ToBytes(s.data ?? "", `${at}.data`) };
      return withName(withName(inline, "name", s.name), "localName", s.localName);
    }
    case "external":
      return withName({ type: "external", uri: s.uri, size: optionalU64(s.size, `${at}.size`), xxh64: hash(s.xxh64) }, "localName", s.localName);
  }
}

/** A shared stream: the stream and its origin. */
export function sharedStreamFromJson(s: SharedStreamJson, at: string): SharedStreamRef {
  return { ...streamFromJson(s, at), originCheckpointId: u64(s.originCheckpointId, `${at}.originCheckpointId`) };
}

/** The items of an optional list member, converted with their paths `at[i]`. */
export function listFromJson<J, T>(items: readonly J[] | undefined, at: string, convert: (item: J, at: string) => T): T[] {
  return (items ?? []).map((item, i) => convert(item, `${at}[${i}]`));
}
