/**
 * A KSNAP root for the hashing benches: one checkpoint `chk-1` whose one incremental handle lists the given storage
 * files as shared files, with the hashes `xxhsum -H1` printed for them, so that `ksnap validate ROOT` reads and
 * hashes every one of them, and a clean report proves that both tools agree on every file.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { encodeSnapshot } from "../../src/codec.js";
import { xxh64 } from "../../src/hash/xxh64.js";
import type { SharedFileRef, Snapshot } from "../../src/model.js";
import { METADATA_FILE } from "../../src/storage/snapshot-root.js";

/** One storage file of the root: its path relative to the root, its size and its XXH64. */
export interface HashedFile {
  path: string;
  size: bigint;
  xxh64: bigint;
}

/**
 * Writes `chk-1/op-a/0/MANIFEST` and `chk-1/_metadata.ksnap` under `root`, referring to `files` (already written
 * under `root`); returns the metadata file's path. The root then holds `files.length + 1` referenced files.
 */
export function writeHashRoot(root: string, files: readonly HashedFile[]): string {
  const folder = "chk-1/op-a/0";
  const meta = new TextEncoder().encode("MANIFEST of the hashing bench\n");
  mkdirSync(join(root, ...folder.split("/")), { recursive: true });
  writeFileSync(join(root, ...folder.split("/"), "MANIFEST"), meta);
  const sharedFiles: SharedFileRef[] = files.map((f, i) => ({
    id: `blob/${String(i).padStart(6, "0")}`, path: f.path, size: f.size, xxh64: f.xxh64, originCheckpointId: 1n,
  }));
  const metaFile = { id: "blob/meta", path: `${folder}/MANIFEST`, size: BigInt(meta.length), xxh64: xxh64(meta) };
  const total = files.reduce((n, f) => n + f.size, 0n) + metaFile.size;
  const snapshot: Snapshot = {
    snapshotId: 1n, kind: "checkpoint", snapshotDir: "chk-1", jobId: "", timestampMillis: 0n,
    properties: { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" },
    maxParallelism: 128, operators: [{ operatorId: "op-a", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [{
      type: "incremental", backendId: "blob", keyGroups: { start: 0, count: 128 }, folder, checkpointId: 1n, baseCheckpointId: 0n,
      sharedFiles, privateFiles: [], metaFile, stateSize: total, checkpointedSize: total,
    }] }] }],
  };
  const metadataPath = join(root, "chk-1", METADATA_FILE);
  writeFileSync(metadataPath, encodeSnapshot(snapshot));
  return metadataPath;
}
