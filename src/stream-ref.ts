/**
 * What restore plans, diffs and the tree `inspect` prints say about a stream
 * (a 1.1 [StreamRef](../spec/format-v1.md#streamref), or a 1.0 FileRef, which is
 * a whole file): its length, the bytes a restore fetches for it, and its summary
 * in the plans' and diffs' JSON form
 * ([spec](../spec/diff-and-restore.md#streams-in-plans-and-diffs)).
 */
import { hashToHex } from "./hash/xxh64.js";
import type { FileRefJson } from "./json/json-types.js";
import { fileToJson } from "./json/to-json.js";
import type { FileRef, StreamRef } from "./model.js";
import { refKind, streamLength } from "./snapshot-walk.js";

/**
 * Bytes a restore fetches for the stream ([spec](../spec/diff-and-restore.md#streams-in-plans-and-diffs)):
 * its length, except inline bytes, which are in the metadata file already and count 0.
 */
export function streamBytes(ref: FileRef | StreamRef): bigint {
  return refKind(ref) === "inline" ? 0n : streamLength(ref);
}

/** The sum of {@link streamBytes} over `refs`. */
export function streamsBytes(refs: Iterable<FileRef | StreamRef>): bigint {
  let sum = 0n;
  for (const r of refs) sum += streamBytes(r);
  return sum;
}

/** A whole file in the plans' JSON form: the snapshot's FileRef form, with `localName` when one is recorded. */
export function fileWithLocalNameToJson(f: FileRef): FileRefJson & { localName?: string } {
  return withLocalName(fileToJson(f), f.localName);
}

/**
 * A stream's summary in the JSON form of plans and diffs
 * ([spec](../spec/diff-and-restore.md#streams-in-plans-and-diffs)): its target
 * and `localName` when recorded; inline bytes by their size only.
 */
export function streamSummaryToJson(ref: FileRef | StreamRef): StreamSummaryJson {
  if (!("type" in ref) || ref.type === "file") return { type: "file", ...fileWithLocalNameToJson(ref) };
  switch (ref.type) {
    case "segment":
      return withLocalName({
        type: "segment", id: ref.id, path: ref.path, offset: String(ref.offset), length: String(ref.length), scope: ref.scope,
        xxh64: hashToHex(ref.xxh64),
      }, ref.localName);
    case "inline": return withLocalName({ type: "inline", size: String(ref.data.length) }, ref.localName);
    case "external": return withLocalName({ type: "external", uri: ref.uri, size: String(ref.size), xxh64: hashToHex(ref.xxh64) }, ref.localName);
  }
}

function withLocalName<T extends object>(json: T, localName: string | undefined): T & { localName?: string } {
  return localName === undefined || localName === "" ? json : { ...json, localName };
}

/** A stream in the JSON form of plans and diffs ([spec](../spec/diff-and-restore.md#streams-in-plans-and-diffs)). */
export type StreamSummaryJson = (
  | ({ type: "file" } & FileRefJson)
  | { type: "segment"; id: string; path: string; offset: string; length: string; scope: string; xxh64: string }
  | { type: "inline"; size: string }
  | { type: "external"; uri: string; size: string; xxh64: string }
) & { localName?: string };
