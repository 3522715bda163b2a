/**
 * Restoring a session ([spec](../../spec/conformance.md#open)) from a savepoint
 * or from one of the backend's own checkpoints, at any parallelism: each new
 * subtask gets exactly the state of its own key groups.
 *
 * * A savepoint is read through the library's rescaled restore, which seeks to
 *   each kept key group's offset in the old data files.
 * * A checkpoint's incremental handles are read through their MANIFEST and run
 *   files; only the new subtask's key groups are kept. When the new subtask's
 *   range is exactly an old handle's in the same checkpoint root, the runs are
 *   adopted as already uploaded (same ids, origins and backend id), so the next
 *   checkpoint is incremental on top of them, as Flink does for a restore
 *   without rescaling. Otherwise the state is written as a fresh run.
 */
import { copyFileSync, existsSync, realpathSync } from "node:fs";
import {
  KsnapError, loadSnapshot, readKeyGroups, resolveInRoot, restoreSubtask, type IncrementalHandle, type KeyedStateHandle,
  type KeyGroupRange, type LocatedSnapshot, type OperatorState, type SavepointEntry, type SavepointHandle,
} from "../../src/index.js";
import { AdapterError } from "./adapter-error.js";
import type { Fault } from "./faults.js";
import { readManifest, type Manifest } from "./manifest.js";
import { mergedView } from "./merged-view.js";
import { recordFor, sortKey, type EntryKey, type StoredRecord } from "./records.js";
import { readRunRecords, type Run } from "./run-file.js";
import type { Session } from "./session.js";
import type { StateContext } from "./state-context.js";
import type { SubtaskStore } from "./subtask-store.js";

/** Fills `session`'s stores with the state of its operator in the snapshot at `metadataPath`. */
export async function restoreSession(session: Session, metadataPath: string, fault: Fault | undefined): Promise<void> {
  const { located, op } = await loadRestoreSource(session.spec, metadataPath);
  if (op === undefined) return; // A snapshot without the operator restores as empty.
  const handles = ownKinds(op.subtasks.flatMap((s) => s.handles), metadataPath);
  for (const store of session.stores) {
    if (handles.every((h) => h.type === "savepoint")) await restoreFromSavepoint(session, located, store);
    else await restoreFromCheckpoint(session, located, handles, store);
    // FAULT(wrong-restore-key-groups): each subtask loses the highest key group it restored state for.
    if (fault === "wrong-restore-key-groups") forgetLastKeyGroup(store);
  }
}

/**
 * The snapshot at `metadataPath` and the state of the session's operator in it (undefined when the snapshot has
 * none), once its max parallelism is the session's: key groups map only between equal max parallelisms. Every
 * backend of this suite opens a restore with this.
 */
export async function loadRestoreSource(spec: { maxParallelism: number; operatorId: string }, metadataPath: string,
): Promise<{ located: LocatedSnapshot; op: OperatorState | undefined }> {
  const located = await loadSnapshot(metadataPath);
  const { snapshot } = located;
  if (snapshot.maxParallelism !== spec.maxParallelism) {
    throw new KsnapError("INVALID_FIELD", `the snapshot has max parallelism ${snapshot.maxParallelism}, the session ` +
      `${spec.maxParallelism}: key groups cannot be mapped`, { field: "maxParallelism", file: metadataPath });
  }
  return { located, op: snapshot.operators.find((o) => o.operatorId === spec.operatorId) };
}

/**
 * The handles this backend can read: its own incremental runs and savepoint
 * data. A 1.1 kind (a foreign key-groups stream, an opaque or stream handle) is
 * refused by name rather than skipped, since skipping would restore less state
 * than the snapshot holds.
 */
function ownKinds(handles: KeyedStateHandle[], metadataPath: string): (IncrementalHandle | SavepointHandle)[] {
  const foreign = handles.find((h) => h.type !== "incremental" && h.type !== "savepoint");
  if (foreign !== undefined) throw new AdapterError("UNSUPPORTED", `${metadataPath} holds a ${foreign.type} handle, which the reference backend cannot restore`);
  return handles as (IncrementalHandle | SavepointHandle)[];
}

async function restoreFromSavepoint(session: Session, located: LocatedSnapshot, store: SubtaskStore): Promise<void> {
  const builder = new RecordBuilder(session.ctx);
  for await (const e of restoreSubtask(located, session.spec.operatorId, session.spec.parallelism, store.index)) builder.add(e);
  store.loadFresh(builder.records());
}

async function restoreFromCheckpoint(session: Session, located: LocatedSnapshot, handles: (IncrementalHandle | SavepointHandle)[],
  store: SubtaskStore): Promise<void> {
  const overlapping = handles.filter((h) => overlap(h.keyGroups, store.keyGroups) !== undefined);
  const only = overlapping.length === 1 ? overlapping[0] : undefined;
  if (only?.type === "incremental" && sameRange(only.keyGroups, store.keyGroups) && sameRoot(located.root, session.spec.checkpointRoot)) {
    const manifest = readManifest(resolveInRoot(located.root, only.metaFile.path), only.metaFile);
    if (sameNames(manifest.states, session.ctx.names())) {
      adopt(session, located, only, manifest, store);
      return;
    }
  }
  const builder = new RecordBuilder(session.ctx);
  for (const h of overlapping) {
    const range = overlap(h.keyGroups, store.keyGroups)!;
    if (h.type === "savepoint") {
      for await (const e of readKeyGroups(resolveInRoot(located.root, h.dataFile.path), h, range)) builder.add(e);
    } else {
      builder.addRecords(incrementalRecords(session.ctx, located.root, h, range));
    }
  }
  store.loadFresh(builder.records());
}

/** The state of key groups `range` of incremental handle `h`: its runs merged, as records. */
function incrementalRecords(ctx: StateContext, root: string, h: IncrementalHandle, range: KeyGroupRange): StoredRecord[] {
  const manifest = readManifest(resolveInRoot(root, h.metaFile.path), h.metaFile);
  const layers = manifest.runs.map((r) => readRunRecords(resolveInRoot(root, r.path), ctx, refOf(h, r.id))).reverse();
  return mergedView(layers)
    .filter((e) => e.key.keyGroup >= range.start && e.key.keyGroup < range.start + range.count)
    .map((e) => ({ sk: e.sk, key: e.key, op: recordFor(e.resolved)! }));
}

/** Takes over the handle's runs as uploaded: downloaded to the local folder, checked against their refs. */
function adopt(session: Session, located: LocatedSnapshot, h: IncrementalHandle, manifest: Manifest, store: SubtaskStore): void {
  const taken = new Set<string>();
  const runs: Run[] = manifest.runs.map((r) => {
    const ref = refOf(h, r.id);
    // Downloaded under its recorded local name, as a RocksDB restore must (its MANIFEST names its files).
    const localPath = store.localPathNamed(ref.localName, `sharedFiles[${h.sharedFiles.indexOf(ref)}]`);
    if (taken.has(localPath)) throw new KsnapError("INVALID_FIELD", `two files of the handle have the local name ${JSON.stringify(ref.localName)}`, { field: "sharedFiles" });
    taken.add(localPath);
    copyFileSync(resolveInRoot(located.root, r.path), localPath);
    const records = readRunRecords(localPath, session.ctx, ref);
    return { id: r.id, path: r.path, localPath, size: ref.size, xxh64: ref.xxh64, origin: ref.originCheckpointId, records };
  });
  store.adopt(runs, h.backendId, [located.snapshot.snapshotId]);
  session.earlierUpload ??= runs[0] === undefined ? undefined : { id: runs[0].id, path: runs[0].path };
}

/** The handle's own reference to run `id`: the metadata, not the manifest, vouches for a file. */
function refOf(h: IncrementalHandle, id: string): IncrementalHandle["sharedFiles"][number] {
  const ref = h.sharedFiles.find((f) => f.id === id);
  if (ref === undefined) {
    throw new KsnapError("INVALID_FIELD", `the handle's MANIFEST lists run "${id}", which its shared files do not`, { field: "sharedFiles" });
  }
  return ref;
}

function forgetLastKeyGroup(store: SubtaskStore): void {
  const view = store.view();
  const last = view.at(-1)?.key.keyGroup;
  for (const e of view) if (e.key.keyGroup === last) store.apply(e.key, e.sk, { t: "del" });
}

/** Collects restored entries as records: a value per key, a list's elements in order. */
class RecordBuilder {
  private readonly bySortKey = new Map<string, StoredRecord>();

  constructor(private readonly ctx: StateContext) {}

  add(e: SavepointEntry): void {
    const key: EntryKey = { keyGroup: e.keyGroup, state: e.state, key: hex(e.key), namespace: hex(e.namespace) };
    if (e.userKey !== undefined) key.userKey = hex(e.userKey);
    const sk = sortKey(key, this.ctx.lookup(e.state).rank);
    const value = hex(e.value);
    const existing = this.bySortKey.get(sk);
    if (e.kind === "list" && existing?.op.t === "set") existing.op.elems.push(value);
    else this.bySortKey.set(sk, { sk, key, op: e.kind === "list" ? { t: "set", elems: [value] } : { t: "put", v: value } });
  }

  addRecords(records: StoredRecord[]): void {
    for (const r of records) this.bySortKey.set(r.sk, r);
  }

  records(): StoredRecord[] {
    return [...this.bySortKey.values()].sort((a, b) => (a.sk < b.sk ? -1 : 1));
  }
}

/** The key groups two ranges share, or undefined when none. */
export function overlap(a: KeyGroupRange, b: KeyGroupRange): KeyGroupRange | undefined {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.start + a.count, b.start + b.count);
  return end > start ? { start, count: end - start } : undefined;
}

/** True when two ranges are the same key groups. */
export function sameRange(a: KeyGroupRange, b: KeyGroupRange): boolean {
  return a.start === b.start && a.count === b.count;
}

/** True when two existing folders are one (by real path): a restore into the root its checkpoint came from. */
export function sameRoot(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && realpathSync(a) === realpathSync(b);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}
