/**
 * Building blocks for test-vector snapshots: deterministic ids, sizes and
 * hashes (no randomness, so regeneration is byte-identical).
 */
import { xxh64 } from "../../src/hash/xxh64.js";
import type { FileRef, IncrementalHandle, SavepointHandle, SharedFileRef, Snapshot } from "../../src/model.js";

/** A deterministic 64-bit "hash" (SplitMix64 of `n`), standing in for real content hashes. */
export function fakeHash(n: number): bigint {
  let z = (BigInt(n) + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
  return z ^ (z >> 31n);
}

/** A file ref named after `backend` and a local file number. */
export function file(backend: string, n: number, path: string, size: bigint): FileRef {
  return { id: `${backend}/${String(n).padStart(6, "0")}`, path, size, xxh64: fakeHash(n) };
}

/** A shared SST file uploaded by checkpoint `origin`. */
export function sharedSst(backend: string, n: number, origin: bigint): SharedFileRef {
  const f = file(backend, n, `shared/${backend}-${String(n).padStart(6, "0")}.sst`, BigInt(1_000_000 + n * 4096));
  return { ...f, originCheckpointId: origin };
}

/** An incremental handle whose sizes are consistent with its files. */
export function incrementalHandle(opts: {
  backend: string; checkpoint: bigint; base: bigint; start: number; count: number;
  shared: SharedFileRef[]; privates: number[]; folder: string;
}): IncrementalHandle {
  const privateFiles = opts.privates.map((n) => file(opts.backend, n, `${opts.folder}/${String(n).padStart(6, "0")}.log`, BigInt(4096 + n)));
  const metaFile = file(opts.backend, 999_000 + Number(opts.checkpoint), `${opts.folder}/MANIFEST`, 512n);
  const all = [...opts.shared, ...privateFiles, metaFile];
  const uploaded = [...opts.shared.filter((f) => f.originCheckpointId === opts.checkpoint), ...privateFiles, metaFile];
  return {
    type: "incremental", backendId: opts.backend, keyGroups: { start: opts.start, count: opts.count },
    folder: opts.folder, checkpointId: opts.checkpoint, baseCheckpointId: opts.base,
    sharedFiles: opts.shared, privateFiles, metaFile,
    stateSize: all.reduce((s, f) => s + f.size, 0n),
    checkpointedSize: uploaded.reduce((s, f) => s + f.size, 0n),
  };
}

/** A key-group-aware handle with `count` groups of `groupBytes` bytes each, after a 16-byte file header. */
export function savepointHandle(id: string, path: string, start: number, count: number, groupBytes: bigint): SavepointHandle {
  const offsets = Array.from({ length: count }, (_, i) => 16n + BigInt(i) * groupBytes);
  return {
    type: "savepoint", keyGroups: { start, count },
    dataFile: { id, path, size: 16n + BigInt(count) * groupBytes, xxh64: fakeHash(count * 7 + start) },
    offsets,
  };
}

/** Fields every test snapshot starts from. */
export function base(over: Partial<Snapshot> & Pick<Snapshot, "kind" | "properties">): Snapshot {
  return { snapshotId: 1n, maxParallelism: 128, operators: [], snapshotDir: "", jobId: "", timestampMillis: 0n, ...over };
}

/**
 * `file` with its header's version set to `major.minor` and its checksum
 * recomputed: a file as a writer of that version would frame it, so a reader
 * gets past the checksum and judges the version alone.
 */
export function withVersion(file: Uint8Array, major: number, minor: number): Uint8Array {
  const out = new Uint8Array(file);
  const view = new DataView(out.buffer);
  view.setUint16(8, major, true);
  view.setUint16(10, minor, true);
  view.setBigUint64(out.length - 8, xxh64(out.subarray(0, out.length - 8)), true);
  return out;
}
