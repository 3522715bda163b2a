/**
 * Valid cases of format 1.0: each is a snapshot whose canonical encoding and
 * JSON form become `valid/<name>.ksnap` and `valid/<name>.json`.
 */
import type { Snapshot } from "../../src/model.js";
import { base, fakeHash, incrementalHandle, savepointHandle, sharedSst } from "./fixtures.js";

/** A valid vector: name, what it checks, the snapshot. */
export interface ValidCase { name: string; checks: string; snapshot: Snapshot }

const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;
const SAVEPOINT = { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" } as const;
const OP_A = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
const OP_B = "f0e1d2c3b4a5968778695a4b3c2d1e0f";

function chainHead(): Snapshot {
  const b0 = "4b3c9a0e-1d2f-4e5a-8b6c-7d8e9f0a1b2c";
  const b1 = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
  const handle = (backend: string, start: number, sub: number) => incrementalHandle({
    backend, checkpoint: 3n, base: 2n, start, count: 64, folder: `chk-3/${OP_A}-${sub}`,
    shared: [sharedSst(backend, 1, 1n), sharedSst(backend, 2, 1n), sharedSst(backend, 5, 2n), sharedSst(backend, 9, 3n)],
    privates: [10, 11],
  });
  return base({
    snapshotId: 3n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-3",
    jobId: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", timestampMillis: 1_795_000_000_000n,
    operators: [{ operatorId: OP_A, name: "Window(TumblingEventTimeWindows)", parallelism: 2, subtasks: [
      { subtaskIndex: 0, handles: [handle(b0, 0, 0)] },
      { subtaskIndex: 1, handles: [handle(b1, 64, 1)] },
    ] }],
  });
}

function fullCheckpoint(): Snapshot {
  return base({
    snapshotId: 7n, kind: "checkpoint", snapshotDir: "chk-7",
    properties: { incremental: false, keyGroupAware: true, sharing: "forward", ownership: "system" },
    operators: [{ operatorId: OP_B, name: "", parallelism: 2, subtasks: [
      { subtaskIndex: 0, handles: [savepointHandle("chk-7/kg-0", "chk-7/kg-0.bin", 0, 64, 100n)] },
      { subtaskIndex: 1, handles: [savepointHandle("chk-7/kg-1", "chk-7/kg-1.bin", 64, 64, 100n)] },
    ] }],
  });
}

function savepoint(): Snapshot {
  const subtasks = [0, 1, 2, 3].map((i) => ({
    subtaskIndex: i,
    handles: [savepointHandle(`sp-12/op-b-${i}`, `op-b-${i}.kgdata`, i * 32, 32, BigInt(1000 + i))],
  }));
  return base({
    snapshotId: 12n, kind: "savepoint", properties: SAVEPOINT, snapshotDir: "",
    operators: [
      { operatorId: OP_B, name: "KeyedProcess", parallelism: 4, subtasks },
      { operatorId: OP_A, name: "Map", parallelism: 1, subtasks: [
        { subtaskIndex: 0, handles: [savepointHandle("sp-12/op-a-0", "op-a-0.kgdata", 0, 128, 10n)] },
      ] },
    ],
  });
}

function maxKeyGroups(): Snapshot {
  return base({
    snapshotId: 2n, kind: "savepoint", properties: SAVEPOINT, maxParallelism: 32768,
    operators: [{ operatorId: OP_A, name: "", parallelism: 1, subtasks: [
      { subtaskIndex: 0, handles: [savepointHandle("all", "all.kgdata", 0, 32768, 3n)] },
    ] }],
  });
}

function largeValues(): Snapshot {
  const max = (1n << 64n) - 1n;
  const big = (1n << 53n) + 1n;
  const h = incrementalHandle({
    backend: "b", checkpoint: max, base: max - 1n, start: 0, count: 1, folder: "chk-max/0",
    shared: [
      { id: "b/huge", path: "shared/huge.sst", size: max, xxh64: max, originCheckpointId: max },
      { id: "b/just-over-2^53", path: "shared/big.sst", size: big, xxh64: 0n, originCheckpointId: 1n },
    ],
    privates: [],
  });
  const sp = savepointHandle("sp/data", "sp/data.kgdata", 1, 3, 1n);
  sp.dataFile = { ...sp.dataFile, size: max };
  sp.offsets = [0n, big, max - 1n];
  return base({
    snapshotId: max, kind: "checkpoint", properties: { ...CHECKPOINT, keyGroupAware: true }, maxParallelism: 4,
    snapshotDir: "chk-max", timestampMillis: max,
    operators: [{ operatorId: "op", name: "", parallelism: 4294967295, subtasks: [
      { subtaskIndex: 4294967295, handles: [{ ...h, stateSize: max, checkpointedSize: max }, sp] },
    ] }],
  });
}

function unicode(): Snapshot {
  // U+E000 sorts before U+1F600 by code point, but after it in UTF-16 code units: the order test.
  const names = ["\u{1F600}-grin", "\uE000-private", "caf\u00E9", "\u65E5\u672C", "plain"];
  const shared = names.map((n, i) => ({ id: n, path: `shared/${n}/\u00FCber ${i}.sst`, size: BigInt(i + 1), xxh64: fakeHash(i), originCheckpointId: 1n }));
  shared.sort((a, b) => (a.id < b.id ? -1 : 1)); // UTF-16 order on purpose: the encoder must re-sort.
  return base({
    snapshotId: 1n, kind: "checkpoint", properties: CHECKPOINT, snapshotDir: "chk-1",
    jobId: "job-\u00E9t\u00E9", maxParallelism: 1,
    operators: [
      { operatorId: "\u{1F600}", name: "\u540D\u524D", parallelism: 1, subtasks: [] },
      { operatorId: "\uE000", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [incrementalHandle({
        backend: "b\u00E9", checkpoint: 1n, base: 0n, start: 0, count: 1, folder: "chk-1/\u00E9t\u00E9",
        shared, privates: [1],
      })] }] },
    ],
  });
}

/** The valid cases, in README order. */
export const VALID_CASES: ValidCase[] = [
  { name: "empty-checkpoint", checks: "only the required fields: no operators, every optional field absent", snapshot: base({ kind: "checkpoint", properties: CHECKPOINT }) },
  { name: "incremental-chain-head", checks: "an incremental checkpoint (3, built on 2) reusing shared files from checkpoints 1 and 2; two subtasks, private and meta files, job id, timestamp", snapshot: chainHead() },
  { name: "full-checkpoint-key-groups", checks: "a full (non-incremental, sharing forward) checkpoint with key-group-aware handles", snapshot: fullCheckpoint() },
  { name: "savepoint-two-operators", checks: "a savepoint: two operators given out of canonical order (encoder sorts), four subtasks, one offset per key group", snapshot: savepoint() },
  { name: "savepoint-32768-key-groups", checks: "max parallelism 32768 and a handle with 32768 packed offsets (the limit)", snapshot: maxKeyGroups() },
  { name: "values-above-2-53", checks: "64-bit values at 2^53+1 and 2^64-1 (ids, sizes, offsets, timestamp, hashes incl. 0), uint32 at 2^32-1, two handle kinds in one subtask", snapshot: largeValues() },
  { name: "unicode-paths", checks: "non-ASCII ids, paths and names; canonical order by code point (U+E000 before U+1F600), unlike UTF-16 order", snapshot: unicode() },
];
