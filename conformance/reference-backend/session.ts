/**
 * One open job instance ([spec](../../spec/conformance.md#open)): a keyed
 * operator with one {@link SubtaskStore} per subtask, each owning Flink's
 * key-group range for its index, and the checkpoint root its checkpoints go to.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { KsnapError, keyGroupRangeForOperator, type StateDescriptor } from "../../src/index.js";
import { parseChange } from "./changes.js";
import { dumpEntries, type DumpEntry } from "./dump-entries.js";
import { StateContext } from "./state-context.js";
import type { RunIdentity } from "./run-file.js";
import { SubtaskStore } from "./subtask-store.js";

/** What `open` names. */
export interface SessionSpec {
  name: string;
  operatorId: string;
  maxParallelism: number;
  parallelism: number;
  states: StateDescriptor[];
  checkpointRoot: string;
}

/** An open session and its stores. */
export class Session {
  readonly ctx: StateContext;
  readonly stores: SubtaskStore[];
  /** The last checkpoint id this session took: ids must increase. */
  lastCheckpointId = 0n;
  /** How many checkpoints this session took (the fault modes count them). */
  checkpointsTaken = 0;
  /** A run identity an earlier checkpoint uploaded (or a restore adopted); only FAULT(reuse-file-id) uses it. */
  earlierUpload: RunIdentity | undefined;

  constructor(readonly spec: SessionSpec, readonly localDir: string) {
    if (spec.parallelism > spec.maxParallelism) {
      throw new KsnapError("INVALID_FIELD", `parallelism ${spec.parallelism} is above maxParallelism ${spec.maxParallelism}`,
        { field: "parallelism" });
    }
    this.ctx = new StateContext(spec.states);
    this.stores = Array.from({ length: spec.parallelism }, (_, i) => {
      const dir = join(localDir, String(i));
      mkdirSync(dir, { recursive: true });
      return new SubtaskStore(i, keyGroupRangeForOperator(spec.maxParallelism, spec.parallelism, i), dir);
    });
  }

  /** Applies `changes` in order; all are checked first, so a bad one applies none. */
  apply(changes: readonly unknown[]): void {
    const parsed = changes.map((c) => parseChange(c, this.ctx, this.spec.maxParallelism, this.spec.parallelism));
    for (const c of parsed) this.stores[c.subtask]!.apply(c.key, c.sk, c.op);
  }

  /** Flushes every store's memtable and merges its runs into one new run (the `compact` request). */
  compact(): void {
    for (const store of this.stores) {
      store.flush(() => store.freshIdentity());
      store.compact(() => store.freshIdentity());
    }
  }

  /** Subtask `subtask`'s entries in key-group and canonical order. */
  dump(subtask: number): DumpEntry[] {
    return dumpEntries(this.store(subtask).view(), this.ctx);
  }

  /** The store of subtask `subtask`; INVALID_FIELD when out of range. */
  store(subtask: number): SubtaskStore {
    const s = this.stores[subtask];
    if (s === undefined) throw new KsnapError("INVALID_FIELD", `subtask ${subtask} is not in 0..${this.stores.length - 1}`, { field: "subtask" });
    return s;
  }
}
