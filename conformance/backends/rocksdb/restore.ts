/**
 * Restoring a session ([spec](../../../spec/conformance.md#open), [README](README.md#restores))
 * from a savepoint of any backend or from one of this backend's checkpoints,
 * at any parallelism; each new subtask's instance holds exactly its key groups.
 *
 * * Savepoint: the library's rescaled restore reads the subtask's key groups
 *   from the old data files; the entries are written as WriteBatches.
 * * Own checkpoint, same key groups, same root: the handle's files are
 *   downloaded under their local names and the instance opened as it is;
 *   its SSTs are adopted as uploaded (same ids, origins and backend id), so the
 *   next checkpoint is incremental on top of them, as Flink's RocksDB backend does.
 * * Own checkpoint otherwise (rescaled, or another root): the old instance
 *   that overlaps most is downloaded and opened as the new one, DeleteRange
 *   drops the key groups outside the new range and a compaction cuts them out of
 *   the SSTs; every other overlapping instance is downloaded, opened read-only and
 *   its part of the range copied in (Flink's RocksDB rescaling does the same).
 *
 * Every downloaded file is checked against its ref's size and XXH64 first.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  KsnapError, readKeyGroups, resolveInRoot, restoreSubtask, xxh64, type FileRef, type IncrementalHandle,
  type KeyedStateHandle, type LocatedSnapshot, type SavepointEntry, type SavepointHandle,
} from "../../../src/index.js";
import { localNameProblem } from "../../../src/validate/index.js";
import { AdapterError } from "../../reference-backend/adapter-error.js";
import { loadRestoreSource, overlap, sameRange, sameRoot } from "../../reference-backend/restore.js";
import { MANIFEST_NAME, SST_NAME } from "./checkpoint.js";
import type { WriteOp } from "./helper-process.js";
import { ABOVE_ALL_KEYS, encodeKeyBytes, keyGroupPrefix, listElementBytes } from "./key-layout.js";
import type { RocksSession } from "./session.js";
import type { SubtaskDb } from "./subtask-db.js";

/** Entries written per WriteBatch while restoring from savepoint data. */
const BATCH_ENTRIES = 2000;

/** Opens every subtask's instance of `session` with the state of its operator in the snapshot at `metadataPath`. */
export async function restoreSession(session: RocksSession, metadataPath: string): Promise<void> {
  const { located, op } = await loadRestoreSource(session.spec, metadataPath);
  const handles = op === undefined ? [] : ownKinds(op.subtasks.flatMap((s) => s.handles), metadataPath);
  for (const db of session.dbs) {
    if (handles.every((h) => h.type === "savepoint")) {
      await db.open(true);
      if (op !== undefined) await writeEntries(session, db, restoreSubtask(located, session.spec.operatorId, session.spec.parallelism, db.index));
    } else {
      await restoreFromCheckpoint(session, located, handles, db);
    }
  }
}

/**
 * The handles this backend can read: savepoint data (any backend's) and its own
 * incremental handles (a MANIFEST meta file, SSTs under their local names). Any
 * other kind is refused by name rather than skipped, since skipping would
 * restore less state than the snapshot holds.
 */
function ownKinds(handles: KeyedStateHandle[], metadataPath: string): (IncrementalHandle | SavepointHandle)[] {
  for (const h of handles) {
    if (h.type === "savepoint") continue;
    if (h.type !== "incremental") throw new AdapterError("UNSUPPORTED", `${metadataPath} holds a ${h.type} handle, which the RocksDB backend cannot restore`);
    const ours = MANIFEST_NAME.test(h.metaFile.localName ?? "") && h.sharedFiles.every((f) => SST_NAME.test(f.localName ?? ""));
    if (!ours) {
      throw new AdapterError("UNSUPPORTED", `${metadataPath} holds an incremental handle that is not a RocksDB instance ` +
        "(no MANIFEST meta file, or shared files without SST local names): another backend wrote it");
    }
  }
  return handles as (IncrementalHandle | SavepointHandle)[];
}

async function restoreFromCheckpoint(session: RocksSession, located: LocatedSnapshot, handles: (IncrementalHandle | SavepointHandle)[],
  db: SubtaskDb): Promise<void> {
  const overlapping = handles.filter((h) => overlap(h.keyGroups, db.keyGroups) !== undefined);
  const only = overlapping.length === 1 ? overlapping[0] : undefined;
  if (only?.type === "incremental" && sameRange(only.keyGroups, db.keyGroups) && sameRoot(located.root, session.spec.checkpointRoot)) {
    download(located.root, only, db.dir);
    await db.open(false);
    db.backendId = only.backendId;
    db.lineage = [located.snapshot.snapshotId];
    for (const f of only.sharedFiles) db.uploaded.set(f.localName!, f);
    return;
  }
  const incremental = overlapping.filter((h): h is IncrementalHandle => h.type === "incremental");
  const base = incremental.sort((a, b) => overlap(b.keyGroups, db.keyGroups)!.count - overlap(a.keyGroups, db.keyGroups)!.count)[0];
  const { maxParallelism } = session.spec;
  const range = db.keyGroups;
  if (base === undefined) {
    await db.open(true);
  } else {
    download(located.root, base, db.dir);
    await db.open(false);
    const lo = keyGroupPrefix(range.start, maxParallelism);
    const hi = keyGroupPrefix(range.start + range.count, maxParallelism);
    if (range.start > 0) await db.helper.command("delete-range", db.name, "x", "x" + lo.toString("hex"));
    await db.helper.command("delete-range", db.name, "x" + hi.toString("hex"), "x" + ABOVE_ALL_KEYS.toString("hex"));
    await db.helper.command("compact", db.name);
  }
  for (const [i, h] of overlapping.entries()) {
    if (h === base) continue;
    const part = overlap(h.keyGroups, range)!;
    if (h.type === "savepoint") {
      await writeEntries(session, db, readKeyGroups(resolveInRoot(located.root, h.dataFile.path), h, part));
      continue;
    }
    const tmp = join(session.localDir, `restore-${db.index}-${i}`);
    try {
      download(located.root, h, tmp);
      await db.helper.command("copy-range", db.name, tmp, "x" + keyGroupPrefix(part.start, maxParallelism).toString("hex"),
        "x" + keyGroupPrefix(part.start + part.count, maxParallelism).toString("hex"));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

/** Copies every file of `h` from the root into `dir` under its local name, checking its size and XXH64. */
function download(root: string, h: IncrementalHandle, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const taken = new Set<string>();
  const refs: [FileRef, string][] = [
    ...h.sharedFiles.map((f, i): [FileRef, string] => [f, `sharedFiles[${i}]`]),
    ...h.privateFiles.map((f, i): [FileRef, string] => [f, `privateFiles[${i}]`]),
    [h.metaFile, "metaFile"],
  ];
  for (const [ref, field] of refs) {
    const name = ref.localName ?? "";
    const problem = name === "" ? "is not recorded" : localNameProblem(name);
    if (problem !== undefined) {
      throw new KsnapError("INVALID_FIELD", `the local name ${JSON.stringify(name)} of ${ref.path} ${problem}: a RocksDB instance ` +
        "needs its files under the names its MANIFEST knows", { field: `${field}.localName` });
    }
    if (taken.has(name)) throw new KsnapError("INVALID_FIELD", `two files of the handle have the local name ${JSON.stringify(name)}`, { field });
    taken.add(name);
    const from = resolveInRoot(root, ref.path);
    let bytes: Buffer;
    try {
      bytes = readFileSync(from);
    } catch (e) {
      throw new KsnapError("IO_ERROR", `cannot read ${ref.path}: ${e instanceof Error ? e.message : String(e)}`, { file: from });
    }
    if (BigInt(bytes.length) !== ref.size || (ref.xxh64 !== 0n && xxh64(bytes) !== ref.xxh64)) {
      throw new KsnapError("CHECKSUM_MISMATCH", `${ref.path}'s size or xxh64 differs from its reference`, { file: from });
    }
    writeFileSync(join(dir, name), bytes);
  }
}

/** Writes restored entries (in canonical order) to `db`: a value or map entry as a put, a list element as a merge. */
async function writeEntries(session: RocksSession, db: SubtaskDb, entries: AsyncIterable<SavepointEntry>): Promise<void> {
  const { maxParallelism } = session.spec;
  let ops: WriteOp[] = [];
  for await (const e of entries) {
    const key = encodeKeyBytes(e.keyGroup, e.state, e.key, e.namespace, e.kind === "map" ? e.userKey ?? new Uint8Array(0) : undefined, maxParallelism);
    ops.push(e.kind === "list" ? { op: "m", key, value: listElementBytes(e.value) }
      : { op: "p", key, value: Buffer.from(e.value.buffer, e.value.byteOffset, e.value.length) });
    if (ops.length >= BATCH_ENTRIES) {
      await db.helper.write(db.name, ops);
      ops = [];
    }
  }
  await db.helper.write(db.name, ops);
}

