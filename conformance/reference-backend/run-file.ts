/**
 * Sorted run files ("SSTs") of the reference store: immutable JSON-lines files,
 * a header line then one record per line in canonical entry order, tombstones
 * included. JSON lines keep the format trivially inspectable; the store is a
 * test backend, and the conformance scenarios hold a few thousand entries.
 */
import { readFileSync } from "node:fs";
import { KsnapError, xxh64 } from "../../src/index.js";
import { writeAtomic } from "./atomic-write.js";
import { sortKey, type EntryKey, type RecordOp, type StoredRecord } from "./records.js";
import type { StateContext } from "./state-context.js";

const FORMAT = "ksnap-reference-run";

/** A run's identity in the checkpoint root: the FileRef id and its path relative to the root. */
export interface RunIdentity {
  id: string;
  path: string;
}

/** One immutable run: its local file, its identity, its content and whether a checkpoint uploaded it. */
export interface Run extends RunIdentity {
  localPath: string;
  size: bigint;
  xxh64: bigint;
  /** The checkpoint that uploaded the file to the root; undefined while only local. */
  origin: bigint | undefined;
  /** By sort key. */
  records: Map<string, StoredRecord>;
}

type Line = [number, string, string, string, string | null, RecordOp["t"], string | string[] | null];

/** Writes `records` (in canonical order) as a new run file at `localPath`. */
export function writeRun(localPath: string, identity: RunIdentity, records: StoredRecord[]): Run {
  const lines = [JSON.stringify({ format: FORMAT, version: 1, records: records.length })];
  for (const r of records) lines.push(JSON.stringify(toLine(r)));
  const bytes = Buffer.from(lines.join("\n") + "\n", "utf8");
  writeAtomic(localPath, bytes);
  return {
    ...identity, localPath, size: BigInt(bytes.length), xxh64: xxh64(bytes), origin: undefined,
    records: new Map(records.map((r) => [r.sk, r])),
  };
}

/**
 * The records of the run file at `path`. When `expected` is given the file must
 * have that size and xxh64 (CHECKSUM_MISMATCH otherwise): a restore never
 * trusts a file its metadata does not vouch for.
 */
export function readRunRecords(path: string, ctx: StateContext, expected?: { size: bigint; xxh64: bigint }): Map<string, StoredRecord> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new KsnapError("IO_ERROR", `cannot read run file: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  if (expected !== undefined && (BigInt(bytes.length) !== expected.size || (expected.xxh64 !== 0n && xxh64(bytes) !== expected.xxh64))) {
    throw new KsnapError("CHECKSUM_MISMATCH", "the run file's size or xxh64 differs from its reference", { file: path });
  }
  const lines = bytes.toString("utf8").split("\n").filter((l) => l !== "");
  const header = parseJson(lines[0] ?? "", path) as { format?: unknown; records?: unknown };
  if (header.format !== FORMAT || header.records !== lines.length - 1) {
    throw new KsnapError("MALFORMED_BODY", "not a complete reference run file", { file: path });
  }
  const records = new Map<string, StoredRecord>();
  for (const text of lines.slice(1)) {
    const record = fromLine(parseJson(text, path) as Line, ctx);
    records.set(record.sk, record);
  }
  return records;
}

function toLine(r: StoredRecord): Line {
  const payload = r.op.t === "put" ? r.op.v : r.op.t === "del" ? null : r.op.elems;
  return [r.key.keyGroup, r.key.state, r.key.key, r.key.namespace, r.key.userKey ?? null, r.op.t, payload];
}

function fromLine(line: Line, ctx: StateContext): StoredRecord {
  const [keyGroup, state, key, namespace, userKey, t, payload] = line;
  const entryKey: EntryKey = { keyGroup, state, key, namespace };
  if (userKey !== null) entryKey.userKey = userKey;
  const op: RecordOp = t === "put" ? { t, v: payload as string } : t === "del" ? { t } : { t, elems: payload as string[] };
  return { sk: sortKey(entryKey, ctx.lookup(state).rank), key: entryKey, op };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KsnapError("MALFORMED_BODY", "a line of the run file is not JSON", { file });
  }
}
