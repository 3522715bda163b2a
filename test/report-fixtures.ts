/**
 * Checkpoint histories on disk for the report tests: a small root with two operators, skewed key groups, shared
 * files that live for a few checkpoints, an old orphan and a savepoint with real data files; the same with a broken
 * file; and large generated roots (1,000 checkpoints; 100,000 files) for the page's size budget. Every file is
 * written with its real size and xxh64, so validation finds only what a test breaks on purpose.
 */
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import { xxh64 } from "../src/hash/xxh64.js";
import { keyGroupRangeForOperator } from "../src/key-groups.js";
import type { FileRef, IncrementalHandle, OperatorState, SharedFileRef, Snapshot } from "../src/model.js";
import { SavepointDataWriter, type StateDescriptor } from "../src/savepoint/index.js";
import { METADATA_FILE } from "../src/storage/snapshot-root.js";

const DAY = 24 * 60 * 60 * 1000;
const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;
const SAVEPOINT = { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" } as const;
/** Key groups of the generated jobs. */
export const MAX_PARALLELISM = 128;

/** Writes `size` bytes at `root/path` (old enough for gc's grace period) and returns its FileRef. */
function putFile(root: string, path: string, size: number): FileRef {
  const bytes = Buffer.alloc(size, size % 251);
  const abs = join(root, ...path.split("/"));
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, bytes);
  const when = new Date(Date.now() - 10 * DAY);
  utimesSync(abs, when, when);
  return { id: `id:${path}`, path, size: BigInt(size), xxh64: xxh64(bytes) };
}

/** The shape of a generated history. */
export interface HistoryShape {
  checkpoints: number;
  /** Subtasks of the keyed operator. */
  parallelism: number;
  /** Shared files each subtask uploads per checkpoint. */
  newFilesPerSubtask: number;
  /** How many checkpoints a shared file is used by before compaction drops it. */
  fileLife: number;
  /** Bytes of a shared file (varied a little per file); subtask 0's are three times as large (skew). */
  fileBytes: number;
}

/** What a generated history holds, for the tests to compare the page with. */
export interface WrittenHistory {
  root: string;
  snapshots: Snapshot[];
}

/**
 * Writes a history of `shape.checkpoints` incremental checkpoints (ids 1..n) of a job with a source (operator state
 * only) and a keyed operator, each subtask of which uploads new shared files and reuses those of the last
 * `fileLife - 1` checkpoints.
 */
export function writeHistory(root: string, shape: HistoryShape): WrittenHistory {
  const snapshots: Snapshot[] = [];
  const uploaded = new Map<string, SharedFileRef>();
  for (let id = 1; id <= shape.checkpoints; id++) {
    const cp = BigInt(id);
    const keyedSubtasks = Array.from({ length: shape.parallelism }, (_, s) => {
      const folder = `chk-${id}/op-keyed-${s}`;
      const shared: SharedFileRef[] = [];
      for (let from = Math.max(1, id - shape.fileLife + 1); from <= id; from++) {
        for (let f = 0; f < shape.newFilesPerSubtask; f++) {
          const path = `shared/op-keyed-${s}/${from}-${f}.sst`;
          let ref = uploaded.get(path);
          if (ref === undefined) {
            const size = shape.fileBytes * (s === 0 ? 3 : 1) + ((from * 7 + f * 13) % 17);
            ref = { ...putFile(root, path, size), originCheckpointId: BigInt(from) };
            uploaded.set(path, ref);
          }
          shared.push(ref);
        }
      }
      const metaFile = putFile(root, `${folder}/MANIFEST`, 64);
      // state_size and checkpointed_size as a backend records them (KS-W073, KS-W074): all files, and those uploaded now.
      const stateSize = shared.reduce((n, f) => n + f.size, metaFile.size);
      const checkpointedSize = shared.filter((f) => f.originCheckpointId === cp).reduce((n, f) => n + f.size, metaFile.size);
      const handle: IncrementalHandle = {
        type: "incremental", backendId: `backend-${s}`, keyGroups: keyGroupRangeForOperator(MAX_PARALLELISM, shape.parallelism, s), folder,
        checkpointId: cp, baseCheckpointId: id === 1 ? 0n : cp - 1n, sharedFiles: shared.sort((a, b) => (a.id < b.id ? -1 : 1)),
        privateFiles: [], metaFile, stateSize, checkpointedSize,
      };
      return { subtaskIndex: s, handles: [handle] };
    });
    const source: OperatorState = { operatorId: "src", name: "Source: events", parallelism: 1, subtasks: [{
      subtaskIndex: 0, handles: [], managedOperatorState: { stream: { type: "file", ...putFile(root, `chk-${id}/src-0/offsets`, 200) }, states: [] },
    }] };
    const keyed: OperatorState = { operatorId: "keyed", name: "Window: count per user", uid: "count-per-user", parallelism: shape.parallelism, subtasks: keyedSubtasks };
    const snapshot: Snapshot = {
      snapshotId: cp, kind: "checkpoint", properties: { ...CHECKPOINT }, maxParallelism: MAX_PARALLELISM, snapshotDir: `chk-${id}`,
      jobId: "", timestampMillis: BigInt(1_700_000_000_000 + id * 60_000), operators: [source, keyed],
    };
    putMetadata(root, `chk-${id}/${METADATA_FILE}`, snapshot);
    snapshots.push(snapshot);
  }
  return { root, snapshots };
}

function putMetadata(root: string, path: string, snapshot: Snapshot): void {
  const abs = join(root, ...path.split("/"));
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, encodeSnapshot(snapshot));
}

/** The states of the savepoint {@link writeSavepoint} writes. */
export const SAVEPOINT_STATES: StateDescriptor[] = [
  { name: "clicks", kind: "map", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v", userKeySerializer: "u" },
  { name: "total", kind: "value", keySerializer: "k", namespaceSerializer: "n", valueSerializer: "v" },
];

/**
 * Writes savepoint 9 in `root/folder` (its own root): one operator at parallelism 2 over {@link MAX_PARALLELISM} key
 * groups; every key group has a `total` entry of 20 bytes (1 + 0 + 19), the even ones a `clicks` entry of 3 bytes too.
 */
export async function writeSavepoint(root: string, folder: string): Promise<Snapshot> {
  const dir = join(root, folder);
  mkdirSync(join(dir, "data"), { recursive: true });
  const subtasks = [];
  for (let s = 0; s < 2; s++) {
    const range = keyGroupRangeForOperator(MAX_PARALLELISM, 2, s);
    const w = SavepointDataWriter.open(join(dir, "data", `s${s}.ksvd`), { fileId: `s${s}`, filePath: `data/s${s}.ksvd`, states: SAVEPOINT_STATES, keyGroups: range });
    for (let kg = range.start; kg < range.start + range.count; kg++) {
      w.beginKeyGroup(kg);
      w.add({ state: "total", key: Uint8Array.of(kg), namespace: new Uint8Array(0), value: new Uint8Array(19).fill(kg) });
      if (kg % 2 === 0) w.add({ state: "clicks", key: Uint8Array.of(kg), namespace: new Uint8Array(0), userKey: Uint8Array.of(1), value: Uint8Array.of(3) });
      w.endKeyGroup();
    }
    subtasks.push({ subtaskIndex: s, handles: [w.finish().handle] });
  }
  const snapshot: Snapshot = {
    snapshotId: 9n, kind: "savepoint", snapshotDir: "", jobId: "", timestampMillis: 0n, properties: { ...SAVEPOINT },
    maxParallelism: MAX_PARALLELISM, operators: [{ operatorId: "keyed", name: "Window: count per user", parallelism: 2, subtasks }],
  };
  putMetadata(dir, METADATA_FILE, snapshot);
  return snapshot;
}

/** An orphan in shared/ older than gc's grace period, of `size` bytes. */
export function writeOrphan(root: string, path: string, size: number): void {
  putFile(root, path, size);
}
