/**
 * The format-level operations ([spec](../../spec/conformance.md#decode)):
 * decode a metadata file to its JSON form, encode a JSON form canonically, and
 * read key groups of a savepoint data file. All through the library, so the
 * errors carry format-v1's codes.
 */
import { readFileSync, statSync } from "node:fs";
import {
  DEFAULT_DECODE_LIMITS, decodeFile, encodeSnapshot, KsnapError, readKeyGroups, snapshotFromJson, snapshotToJson,
  type HandleLocation, type KeyGroupRange, type ReaderMinor,
} from "../../src/index.js";
import { writeAtomic } from "./atomic-write.js";
import { dumpEntryOf, type DumpEntry } from "./dump-entries.js";
import { asObject, int, type Fields } from "./request-fields.js";

/**
 * The JSON form of the metadata file at `path`, read as a reader of format
 * 1.`readerMinor` reads it (the released 1.0 reader with 0).
 */
export function decodePath(path: string, readerMinor: ReaderMinor): unknown {
  const decoded = decodeFile(readBounded(path, DEFAULT_DECODE_LIMITS.maxFileBytes), { ...DEFAULT_DECODE_LIMITS, readerMinor });
  return snapshotToJson(decoded.snapshot, decoded.version);
}

/** Writes the canonical encoding of JSON form `json` to `out`. */
export function encodeTo(json: unknown, out: string): void {
  writeAtomic(out, encodeSnapshot(snapshotFromJson(json)));
}

/** The entries of key groups `keyGroups` (default: all the handle's) of the data file at `path`. */
export async function readData(path: string, handleJson: unknown, keyGroupsJson: unknown): Promise<DumpEntry[]> {
  const handle = handleOf(asObject(handleJson, "handle"));
  const range = keyGroupsJson === undefined ? undefined : rangeOf(asObject(keyGroupsJson, "keyGroups"));
  const out: DumpEntry[] = [];
  for await (const e of readKeyGroups(path, handle, range)) out.push(dumpEntryOf(e));
  return out;
}

function handleOf(f: Fields): HandleLocation {
  const offsets = f["offsets"];
  if (!Array.isArray(offsets) || !offsets.every((o) => typeof o === "string" && /^(0|[1-9][0-9]{0,19})$/.test(o))) {
    throw new KsnapError("INVALID_FIELD", "handle.offsets must be an array of decimal strings", { field: "handle.offsets" });
  }
  const handle: HandleLocation = { keyGroups: rangeOf(asObject(f["keyGroups"], "handle.keyGroups")), offsets: offsets.map(BigInt) };
  const size = f["dataFile"] === undefined ? undefined : asObject(f["dataFile"], "handle.dataFile")["size"];
  if (typeof size === "string" && /^(0|[1-9][0-9]{0,19})$/.test(size)) handle.dataFile = { size: BigInt(size) };
  return handle;
}

function rangeOf(f: Fields): KeyGroupRange {
  return { start: int(f, "start", 0, 0xffffffff), count: int(f, "count", 0, 0xffffffff) };
}

/** Reads `path` whole, checking its size against the limit before reading it, as a reader SHOULD. */
function readBounded(path: string, maxBytes: number): Uint8Array {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new KsnapError("IO_ERROR", `cannot read: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  if (size > maxBytes) throw new KsnapError("LIMIT_EXCEEDED", `file is ${size} bytes, over the limit of ${maxBytes}`, { file: path });
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new KsnapError("IO_ERROR", `cannot read: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
}
