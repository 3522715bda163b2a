/**
 * A large, realistic incremental checkpoint for benchmarks: operators ×
 * subtasks incremental handles whose shared files carry ids like
 * `<uuid>/<session>/<8-digit number>`, paths like `shared/<id-ish>.sst`,
 * sizes around 64 MiB (a few above 2^53), random-looking hashes and origin
 * checkpoint ids. Deterministic: the same arguments give the same snapshot.
 */
import type { FileRef, IncrementalHandle, OperatorState, SharedFileRef, Snapshot } from "../../src/model.js";
import { mulberry32Uint32 } from "../../conformance/cases/mulberry32.js";

/** Shape of the generated checkpoint. */
export interface CheckpointShape {
  /** File refs in total (shared + private + one meta file per handle). */
  totalRefs: number;
  operators: number;
  subtasks: number;
  /** Private files per handle (the rest of a handle's refs are shared). */
  privatePerHandle: number;
  seed: number;
}

export const DEFAULT_SHAPE: CheckpointShape = {
  totalRefs: 1_000_000, operators: 4, subtasks: 8, privatePerHandle: 16, seed: 0x6b736e70,
};

export const HEX = "0123456789abcdef";

/** `digits` hex digits, one draw each. */
export function hex(rand: () => number, digits: number): string {
  let s = "";
  for (let i = 0; i < digits; i++) s += HEX[rand() & 15];
  return s;
}

function uuid(rand: () => number): string {
  return `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-${HEX[8 + (rand() & 3)]}${hex(rand, 3)}-${hex(rand, 12)}`;
}

function u64(rand: () => number): bigint {
  return (BigInt(rand()) << 32n) | BigInt(rand());
}

const MIB64 = 64 * 1024 * 1024;

/** About 64 MiB; one file in 500 is above 2^53 (exercises the slow varint paths). */
function fileSize(rand: () => number): bigint {
  if (rand() % 500 === 0) return (1n << 53n) + BigInt(rand()) * 4096n;
  return BigInt(MIB64 - (MIB64 >>> 2) + (rand() % (MIB64 >>> 1)));
}

function pad8(n: number): string {
  return String(n).padStart(8, "0");
}

/** Builds the checkpoint; lists are generated in canonical order, as a decoder would return them. */
export function buildCheckpoint(shape: CheckpointShape = DEFAULT_SHAPE): Snapshot {
  const rand = mulberry32Uint32(shape.seed);
  const checkpointId = 4711n;
  const handles = shape.operators * shape.subtasks;
  const maxParallelism = 4096;
  const perSubtask = maxParallelism / shape.subtasks;
  const operators: OperatorState[] = [];
  let handleNo = 0;
  for (let o = 0; o < shape.operators; o++) {
    const operatorId = hex(rand, 32);
    const subtasks = [];
    for (let s = 0; s < shape.subtasks; s++) {
      // Spread the total over the handles; the first ones take the remainder.
      const refs = Math.floor(shape.totalRefs / handles) + (handleNo < shape.totalRefs % handles ? 1 : 0);
      handleNo++;
      const nShared = refs - 1 - shape.privatePerHandle;
      const backendId = uuid(rand);
      const folder = `chk-${checkpointId}/${operatorId}/${s}`;
      const sharedFiles: SharedFileRef[] = [];
      // Sessions (restarts of the backend) in order, file numbers increasing within each.
      let fileNo = 1 + (rand() % 1000);
      let session = 1;
      for (let i = 0; i < nShared; i++) {
        if (session < 9 && rand() % 20_000 === 0) { session++; fileNo = 1; }
        fileNo += 1 + (rand() & 3);
        const n = pad8(fileNo);
        sharedFiles.push({
          id: `${backendId}/${session}/${n}`,
          path: `shared/${backendId}-${session}-${n}.sst`,
          size: fileSize(rand),
          xxh64: u64(rand),
          originCheckpointId: checkpointId - BigInt(rand() % 400),
        });
      }
      const privateFiles: FileRef[] = [];
      for (let i = 0; i < shape.privatePerHandle; i++) {
        const n = pad8(i + 1);
        privateFiles.push({
          id: `${backendId}/private/${n}`, path: `${folder}/${n}.log`, size: BigInt(4096 + (rand() % 1_000_000)), xxh64: u64(rand),
        });
      }
      const metaFile: FileRef = { id: `${backendId}/meta`, path: `${folder}/MANIFEST-000001`, size: BigInt(512 + (rand() % 4096)), xxh64: u64(rand) };
      let stateSize = metaFile.size;
      let checkpointedSize = metaFile.size;
      for (const f of sharedFiles) {
        stateSize += f.size;
        if (f.originCheckpointId === checkpointId) checkpointedSize += f.size;
      }
      for (const f of privateFiles) { stateSize += f.size; checkpointedSize += f.size; }
      const handle: IncrementalHandle = {
        type: "incremental", backendId, keyGroups: { start: s * perSubtask, count: perSubtask }, folder,
        checkpointId, baseCheckpointId: checkpointId - 1n, sharedFiles, privateFiles, metaFile,
        // Sums of 64-bit sizes can pass 2^64; keep them in range.
        stateSize: stateSize & 0xffffffffffffffffn, checkpointedSize: checkpointedSize & 0xffffffffffffffffn,
      };
      subtasks.push({ subtaskIndex: s, handles: [handle] });
    }
    operators.push({ operatorId, name: `KeyedProcess(operator-${o})`, parallelism: shape.subtasks, subtasks });
  }
  operators.sort((a, b) => (a.operatorId < b.operatorId ? -1 : a.operatorId > b.operatorId ? 1 : 0));
  return {
    snapshotId: checkpointId, kind: "checkpoint",
    properties: { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" },
    maxParallelism, operators, snapshotDir: `chk-${checkpointId}`, jobId: hex(rand, 32), timestampMillis: 1_795_000_000_000n,
  };
}

/** Number of file refs in `snapshot` (shared, private, meta and data files). */
export function countFileRefs(snapshot: Snapshot): number {
  let n = 0;
  for (const op of snapshot.operators) {
    for (const st of op.subtasks) {
      for (const h of st.handles) n += h.type === "incremental" ? h.sharedFiles.length + h.privateFiles.length + 1 : 1;
    }
  }
  return n;
}
