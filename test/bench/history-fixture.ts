/**
 * A long incremental checkpoint history for the semantics benchmark: operators ×
 * subtasks backends, each holding a window of shared files. Every checkpoint
 * each backend uploads a few new shared files, a private file and a meta file,
 * and compaction drops as many randomly chosen old shared files, so most refs
 * are reused and origins reach far back. Deterministic; lists in canonical
 * order; sizes add up, so a valid history has no findings.
 */
import type { FileRef, IncrementalHandle, OperatorState, SharedFileRef, Snapshot } from "../../src/model.js";
import { mulberry32Uint32 } from "../../conformance/cases/mulberry32.js";

export interface HistoryShape {
  operators: number;
  subtasksPerOperator: number;
  /** Refs per checkpoint: shared + 1 private + 1 meta per handle. */
  refsPerCheckpoint: number;
  /** New shared files per backend per checkpoint (after the first, full one). */
  newPerBackend: number;
  seed: number;
}

export const DEFAULT_HISTORY_SHAPE: HistoryShape = {
  operators: 2, subtasksPerOperator: 4, refsPerCheckpoint: 1000, newPerBackend: 2, seed: 0x6b736e70,
};

/** One checkpoint: its metadata and the files its tasks uploaded for it. */
export interface GeneratedCheckpoint {
  snapshot: Snapshot;
  /** New shared files (origin = this checkpoint), private and meta files. */
  uploads: (FileRef | SharedFileRef)[];
}

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A random-looking 64-bit "hash" of (a, b). */
function fakeHash(a: number, b: number): bigint {
  return (BigInt(mix(a * 0x9e3779b1 + b)) << 32n) | BigInt(mix(b * 0x7feb352d + a + 1));
}

const pad8 = (n: number | bigint): string => String(n).padStart(8, "0");

interface Backend {
  id: string;
  operatorId: string;
  subtaskIndex: number;
  keyGroups: { start: number; count: number };
  /** Live shared files, ascending by file number (so by id). */
  live: SharedFileRef[];
  nextFile: number;
}

/** Yields checkpoints one by one; `next(id, base)` may skip ids (aborted attempts). */
export class HistoryGenerator {
  private readonly rand: () => number;
  private readonly backends: Backend[] = [];
  private readonly sharedPerHandle: number;
  readonly maxParallelism = 128;
  private first = true;

  constructor(readonly shape: HistoryShape = DEFAULT_HISTORY_SHAPE) {
    this.rand = mulberry32Uint32(shape.seed);
    const handles = shape.operators * shape.subtasksPerOperator;
    this.sharedPerHandle = Math.floor(shape.refsPerCheckpoint / handles) - 2;
    if (this.sharedPerHandle < shape.newPerBackend) throw new Error("too few refs per checkpoint for this shape");
    const per = this.maxParallelism / shape.subtasksPerOperator;
    for (let o = 0; o < shape.operators; o++) {
      for (let s = 0; s < shape.subtasksPerOperator; s++) {
        const no = this.backends.length;
        this.backends.push({
          id: `${(mix(no + shape.seed) >>> 0).toString(16).padStart(8, "0")}-backend-${no}`, operatorId: `op-${String.fromCharCode(97 + o)}`,
          subtaskIndex: s, keyGroups: { start: s * per, count: per }, live: [], nextFile: 1,
        });
      }
    }
  }

  /** Refs per checkpoint actually generated. */
  get refsPerCheckpoint(): number {
    return this.backends.length * (this.sharedPerHandle + 2);
  }

  private sharedFile(b: Backend, no: number, origin: bigint): SharedFileRef {
    const n = pad8(b.nextFile++);
    return {
      id: `${b.id}/${n}`, path: `shared/${b.id}-${n}.sst`,
      size: BigInt(48 * 1024 * 1024 + (mix(no * 131 + b.nextFile) % (32 * 1024 * 1024))), xxh64: fakeHash(no, b.nextFile), originCheckpointId: origin,
    };
  }

  /** Checkpoint `id`, building on `base` (0n for none: the first one is a full upload). */
  next(id: bigint, base: bigint): GeneratedCheckpoint {
    const uploads: (FileRef | SharedFileRef)[] = [];
    const byOperator = new Map<string, OperatorState>();
    for (const [no, b] of this.backends.entries()) {
      // Compaction: drop as many random old files as are uploaded, then append the new ones (highest numbers).
      const fresh = this.first ? this.sharedPerHandle : this.shape.newPerBackend;
      for (let i = 0; i < fresh && !this.first; i++) b.live.splice(this.rand() % b.live.length, 1);
      for (let i = 0; i < fresh; i++) {
        const f = this.sharedFile(b, no, id);
        b.live.push(f);
        uploads.push(f);
      }
      const folder = `chk-${id}/${b.operatorId}/${b.subtaskIndex}`;
      const privateFile: FileRef = { id: `${b.id}/log-${pad8(id)}`, path: `${folder}/000001.log`, size: BigInt(4096 + (this.rand() % 100_000)), xxh64: fakeHash(no, Number(id) + 7e8) };
      const metaFile: FileRef = { id: `${b.id}/manifest-${pad8(id)}`, path: `${folder}/MANIFEST`, size: BigInt(512 + (this.rand() % 4096)), xxh64: fakeHash(no, Number(id) + 9e8) };
      uploads.push(privateFile, metaFile);
      let stateSize = privateFile.size + metaFile.size;
      let checkpointedSize = stateSize;
      for (const f of b.live) {
        stateSize += f.size;
        if (f.originCheckpointId === id) checkpointedSize += f.size;
      }
      const handle: IncrementalHandle = {
        type: "incremental", backendId: b.id, keyGroups: b.keyGroups, folder, checkpointId: id, baseCheckpointId: base,
        sharedFiles: [...b.live], privateFiles: [privateFile], metaFile, stateSize, checkpointedSize,
      };
      let op = byOperator.get(b.operatorId);
      if (op === undefined) {
        op = { operatorId: b.operatorId, name: `KeyedProcess(${b.operatorId})`, parallelism: this.shape.subtasksPerOperator, subtasks: [] };
        byOperator.set(b.operatorId, op);
      }
      op.subtasks.push({ subtaskIndex: b.subtaskIndex, handles: [handle] });
    }
    this.first = false;
    const snapshot: Snapshot = {
      snapshotId: id, kind: "checkpoint", snapshotDir: `chk-${id}`, jobId: "0123456789abcdef0123456789abcdef", timestampMillis: 1_795_000_000_000n + id * 60_000n,
      properties: { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" },
      maxParallelism: this.maxParallelism, operators: [...byOperator.values()],
    };
    return { snapshot, uploads };
  }

  /** Files a failed attempt `id` uploads before it is aborted (never referenced by any checkpoint). */
  abortedUploads(id: bigint): (FileRef | SharedFileRef)[] {
    return this.backends.flatMap((b, no): (FileRef | SharedFileRef)[] => {
      const folder = `chk-${id}/${b.operatorId}/${b.subtaskIndex}`;
      return [
        { id: `${b.id}/aborted-${pad8(id)}`, path: `shared/${b.id}-aborted-${pad8(id)}.sst`, size: 1_000_000n, xxh64: fakeHash(no, Number(id) + 5e8), originCheckpointId: id },
        { id: `${b.id}/log-${pad8(id)}`, path: `${folder}/000001.log`, size: 4096n, xxh64: fakeHash(no, Number(id) + 7e8) },
      ];
    });
  }
}

/** Number of file refs in `snapshot`. */
export function countRefs(snapshot: Snapshot): number {
  let n = 0;
  for (const op of snapshot.operators) {
    for (const st of op.subtasks) for (const h of st.handles) n += h.type === "incremental" ? h.sharedFiles.length + h.privateFiles.length + 1 : 1;
  }
  return n;
}
