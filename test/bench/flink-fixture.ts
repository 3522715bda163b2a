/**
 * A large Flink incremental checkpoint for the Flink reader bench: a V6 `_metadata` of operators × subtasks
 * incremental (tag 11) RocksDB handles, written by the test-only writer (test/flink-writer/metadata.ts). Some shared
 * files are tag 6 relative paths (`<uuid>`, in the checkpoint's folder: the converter refuses `..`), the others tag 2
 * absolute `file:/…/shared/<uuid>` paths under the job directory, each with a local name (`000123.sst`); private
 * files and the meta file are tag 6.
 * Deterministic: the same shape gives the same bytes.
 */
import { mulberry32Uint32 } from "../../conformance/cases/mulberry32.js";
import type { FlinkConversionOptions } from "../../src/flink/convert.js";
import type { FlinkMetadata, FlinkNamedHandle, FlinkOperator, FlinkStreamHandle } from "../flink-writer/metadata.js";
import { writeFlinkMetadata } from "../flink-writer/metadata.js";
import { HEX, hex } from "./checkpoint-fixture.js";

export interface FlinkCheckpointShape {
  /** File refs in total (shared + private + one meta file per handle). */
  totalRefs: number;
  operators: number;
  subtasks: number;
  privatePerHandle: number;
  /** About one shared file in this many is tag 6 relative; the others are tag 2 absolute. */
  relativeEvery: number;
  seed: number;
}

export const DEFAULT_FLINK_SHAPE: FlinkCheckpointShape = {
  totalRefs: 1_000_000, operators: 4, subtasks: 8, privatePerHandle: 16, relativeEvery: 4, seed: 0x666c6e6b,
};

export const FLINK_BENCH_CHECKPOINT_ID = 4711;
/** The job directory (absolute, as Flink prints a local path) and the checkpoint's folder under it. */
export const FLINK_BENCH_JOB_DIR = "file:/flink/checkpoints/8c3f0a9e2d5b4c7f9a1e6d3b0c8f2a5e";
export const FLINK_BENCH_SNAPSHOT_DIR = `chk-${FLINK_BENCH_CHECKPOINT_ID}`;
/** How the bench converts the checkpoint: from its job directory and folder. */
export const FLINK_BENCH_OPTIONS: FlinkConversionOptions = { jobDir: FLINK_BENCH_JOB_DIR, snapshotDir: FLINK_BENCH_SNAPSHOT_DIR };

/** Eight hex digits of one draw. */
function hex8(rand: () => number): string {
  return rand().toString(16).padStart(8, "0");
}

/** A random-looking UUID-shaped name, four draws. */
function uuid(rand: () => number): string {
  const a = hex8(rand), b = hex8(rand), c = hex8(rand), d = hex8(rand);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-${HEX[8 + (c.charCodeAt(0) & 3)]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

const MIB64 = 64 * 1024 * 1024;

/** The `_metadata` model (for {@link writeFlinkMetadata}). */
export function buildFlinkCheckpoint(shape: FlinkCheckpointShape = DEFAULT_FLINK_SHAPE): FlinkMetadata {
  const rand = mulberry32Uint32(shape.seed);
  const handles = shape.operators * shape.subtasks;
  const maxParallelism = 4096;
  const perSubtask = maxParallelism / shape.subtasks;
  const operators: FlinkOperator[] = [];
  let handleNo = 0;
  for (let o = 0; o < shape.operators; o++) {
    const subtasks = [];
    for (let s = 0; s < shape.subtasks; s++) {
      const refs = Math.floor(shape.totalRefs / handles) + (handleNo < shape.totalRefs % handles ? 1 : 0);
      handleNo++;
      const nShared = refs - 1 - shape.privatePerHandle;
      const shared: FlinkNamedHandle[] = [];
      let fileNo = 1 + (rand() % 1000);
      for (let i = 0; i < nShared; i++) {
        fileNo += 1 + (rand() & 3);
        const name = uuid(rand);
        const size = MIB64 - (MIB64 >>> 2) + (rand() % (MIB64 >>> 1));
        const handle: FlinkStreamHandle = rand() % shape.relativeEvery === 0
          ? { kind: "relative", relativePath: name, size }
          : { kind: "file", path: `${FLINK_BENCH_JOB_DIR}/shared/${name}`, size };
        shared.push({ localPath: `${String(fileNo).padStart(6, "0")}.sst`, handle });
      }
      const priv: FlinkNamedHandle[] = [];
      for (let i = 0; i < shape.privatePerHandle; i++) {
        priv.push({
          localPath: i === 0 ? "CURRENT" : `OPTIONS-${String(i).padStart(6, "0")}`,
          handle: { kind: "relative", relativePath: uuid(rand), size: 4096 + (rand() % 1_000_000) },
        });
      }
      subtasks.push({
        index: s,
        managedKeyedState: {
          kind: "incremental" as const, checkpointId: FLINK_BENCH_CHECKPOINT_ID, backendId: uuid(rand),
          keyGroups: { start: s * perSubtask, count: perSubtask }, checkpointedSize: 1 + (rand() % 1_000_000_000),
          meta: { kind: "relative" as const, relativePath: uuid(rand), size: 512 + (rand() % 4096) },
          shared, private: priv, stateHandleId: uuid(rand),
        },
      });
    }
    operators.push({
      name: `KeyedProcess(operator-${o})`, uid: `keyed-${o}`, id: hex(rand, 32), parallelism: shape.subtasks, maxParallelism, subtasks,
    });
  }
  return { version: 6, checkpointId: FLINK_BENCH_CHECKPOINT_ID, operators, properties: "checkpoint" };
}

/** The `_metadata` bytes of {@link buildFlinkCheckpoint}. */
export function buildFlinkMetadataBytes(shape: FlinkCheckpointShape = DEFAULT_FLINK_SHAPE): Uint8Array {
  return writeFlinkMetadata(buildFlinkCheckpoint(shape));
}
