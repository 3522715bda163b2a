/**
 * One open job instance of the RocksDB backend ([spec](../../../spec/conformance.md#open)):
 * a keyed operator with one RocksDB instance per subtask, each owning Flink's
 * key-group range for its index. Changes become one WriteBatch per subtask;
 * a dump is a scan of the subtask's instance, already in canonical order.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { KsnapError, keyGroupRangeForOperator } from "../../../src/index.js";
import { parseChange } from "../../reference-backend/changes.js";
import type { DumpEntry } from "../../reference-backend/dump-entries.js";
import type { SessionSpec } from "../../reference-backend/session.js";
import { StateContext } from "../../reference-backend/state-context.js";
import type { HelperProcess, WriteOp } from "./helper-process.js";
import { decodeKey, encodeKey, listElement, listElements } from "./key-layout.js";
import { SubtaskDb } from "./subtask-db.js";

export type { SessionSpec } from "../../reference-backend/session.js";

/** An open session: its spec, states and subtask instances. */
export class RocksSession {
  readonly ctx: StateContext;
  /** One per subtask, in subtask order; opened by the backend (empty) or by a restore. */
  readonly dbs: SubtaskDb[];
  /** The last checkpoint id this session took: ids must increase. */
  lastCheckpointId = 0n;

  /** `number` makes the helper's names of the instances unique in the adapter process. */
  constructor(readonly spec: SessionSpec, readonly localDir: string, readonly helper: HelperProcess, number: number) {
    if (spec.parallelism > spec.maxParallelism) {
      throw new KsnapError("INVALID_FIELD", `parallelism ${spec.parallelism} is above maxParallelism ${spec.maxParallelism}`,
        { field: "parallelism" });
    }
    this.ctx = new StateContext(spec.states);
    mkdirSync(localDir, { recursive: true });
    this.dbs = Array.from({ length: spec.parallelism }, (_, i) =>
      new SubtaskDb(helper, `s${number}-${i}`, join(localDir, `db-${i}`), i, keyGroupRangeForOperator(spec.maxParallelism, spec.parallelism, i)));
  }

  /** Applies `changes` in order, one WriteBatch per subtask; all are checked first, so a bad one applies none. */
  async apply(changes: readonly unknown[]): Promise<void> {
    const parsed = changes.map((c) => parseChange(c, this.ctx, this.spec.maxParallelism, this.spec.parallelism));
    const batches = this.dbs.map((): WriteOp[] => []);
    for (const c of parsed) {
      const key = encodeKey(c.key, this.spec.maxParallelism);
      const ops = batches[c.subtask]!;
      if (c.op.t === "put") ops.push({ op: "p", key, value: Buffer.from(c.op.v, "hex") });
      else if (c.op.t === "del") ops.push({ op: "d", key });
      else if (c.op.t === "append") for (const e of c.op.elems) ops.push({ op: "m", key, value: listElement(e) });
    }
    for (const [i, ops] of batches.entries()) await this.helper.write(this.dbs[i]!.name, ops);
  }

  /** Subtask `subtask`'s entries in key-group and canonical order. */
  async dump(subtask: number): Promise<DumpEntry[]> {
    return this.entries(await this.helper.scan(this.db(subtask).name));
  }

  /** Dump entries of scanned key-value pairs (in key order): a list yields one entry per element. */
  entries(pairs: readonly [Buffer, Buffer][]): DumpEntry[] {
    const out: DumpEntry[] = [];
    for (const [k, v] of pairs) {
      const key = decodeKey(k, this.spec.maxParallelism, (s) => this.ctx.lookup(s).kind === "map");
      const kind = this.ctx.lookup(key.state).kind;
      const values = kind === "list" ? listElements(v) : [v];
      for (const value of values) {
        const entry = { keyGroup: key.keyGroup, state: key.state, kind, key: key.key, namespace: key.namespace } as DumpEntry;
        if (kind === "map") entry.userKey = key.userKey ?? "";
        entry.value = value.toString("hex");
        out.push(entry);
      }
    }
    return out;
  }

  /** Flushes and compacts every subtask's instance (the `compact` request). */
  async compact(): Promise<void> {
    for (const db of this.dbs) await this.helper.command("compact", db.name);
  }

  /** The instance of subtask `subtask`; INVALID_FIELD when out of range. */
  db(subtask: number): SubtaskDb {
    const d = this.dbs[subtask];
    if (d === undefined) throw new KsnapError("INVALID_FIELD", `subtask ${subtask} is not in 0..${this.dbs.length - 1}`, { field: "subtask" });
    return d;
  }
}
