/**
 * Operator state (non-keyed: list, union and broadcast state) at a new
 * parallelism ([spec](../../spec/diff-and-restore.md#operator-state)): the
 * assignment of Flink's RoundRobinOperatorStateRepartitioner, made deterministic
 * by taking split-distribute states in name order. Managed and raw operator state
 * are each assigned by {@link assignOperatorState} on their own.
 */
import { compareCodePoints } from "../body/canonical-order.js";
import { KsnapError } from "../errors.js";
import type { DistributionMode, OperatorStateHandle, StreamRef } from "../model.js";
import { quote } from "../quote.js";
import { streamBytes } from "../stream-ref.js";

/** One old subtask's operator state of one kind (managed or raw), with its field path for errors. */
export interface OldOperatorState {
  oldSubtaskIndex: number;
  handle: OperatorStateHandle;
  /** `operators[i].subtasks[j].managedOperatorState` (or `rawOperatorState`). */
  field: string;
}

/** The partitions of one named state a new subtask keeps from one stream ([spec](../../spec/diff-and-restore.md#operator-state)). */
export interface KeptState {
  name: string;
  mode: DistributionMode;
  /** Where each kept partition starts in the stream, in stream order; never empty. */
  offsets: readonly bigint[];
}

/**
 * Reading one old subtask's operator-state stream: every partition a new subtask
 * keeps from it, of every state, is one read ([spec](../../spec/diff-and-restore.md#operator-state)).
 */
export interface OperatorStateRead {
  oldSubtaskIndex: number;
  stream: StreamRef;
  /** By name (code point order). */
  states: KeptState[];
  /** The whole stream's bytes: partitions are self-delimiting, so no byte ranges are known. Inline: 0. */
  bytes: bigint;
}

/**
 * Most (entry, new subtask) pairs, each counted with its offsets, that union and
 * broadcast states may copy out in one operator's plan
 * ([spec](../../spec/diff-and-restore.md#operator-state)): 2^22.
 */
export const MAX_REPLICATED_OPERATOR_STATE = 4_194_304;

/** One state name's entries across old subtasks, in old subtask order. */
interface NamedEntries {
  name: string;
  mode: DistributionMode;
  entries: { old: OldOperatorState; offsets: readonly bigint[] }[];
}

/**
 * Assigns operator state of `oldParallelism` old subtasks (`old`, any order) to
 * `newParallelism` new subtasks ([spec](../../spec/diff-and-restore.md#operator-state)):
 * one list of reads per new subtask, by old subtask index. Throws INVALID_FIELD when a
 * state name has two modes, or when at the same parallelism an old subtask index is
 * not below it; LIMIT_EXCEEDED (field `where`) when union and broadcast state would
 * copy out more than {@link MAX_REPLICATED_OPERATOR_STATE} entries and offsets.
 */
export function assignOperatorState(old: readonly OldOperatorState[], oldParallelism: number, newParallelism: number,
  where: string): OperatorStateRead[][] {
  const byOld = [...old].sort((a, b) => a.oldSubtaskIndex - b.oldSubtaskIndex);
  const names = groupByName(byOld);
  checkReplication(names, newParallelism, where);
  const out = new Assignment(newParallelism);
  if (newParallelism === oldParallelism) {
    for (const o of byOld) {
      if (o.oldSubtaskIndex >= newParallelism) {
        throw new KsnapError("INVALID_FIELD",
          `subtask index ${o.oldSubtaskIndex} is not below the operator's parallelism ${oldParallelism}: the snapshot is invalid (run validate)`,
          { field: o.field });
      }
      for (const s of o.handle.states) if (s.mode !== "union") out.keep(o.oldSubtaskIndex, o, s.name, s.mode, s.offsets);
    }
  } else {
    let rotation = 0;
    for (const n of names) if (n.mode === "split-distribute") rotation = splitDistribute(n, rotation, out);
    for (const n of names) if (n.mode === "broadcast") broadcast(n, out);
  }
  for (const n of names) if (n.mode === "union") union(n, out);
  return out.reads();
}

/** States by name (code point order), each with its non-empty and empty entries in old subtask order. */
function groupByName(byOld: readonly OldOperatorState[]): NamedEntries[] {
  const byName = new Map<string, NamedEntries & { firstField: string }>();
  for (const old of byOld) {
    old.handle.states.forEach((s, k) => {
      const named = byName.get(s.name);
      if (named === undefined) {
        byName.set(s.name, { name: s.name, mode: s.mode, entries: [{ old, offsets: s.offsets }], firstField: `${old.field}.states[${k}]` });
      } else if (named.mode !== s.mode) {
        throw new KsnapError("INVALID_FIELD",
          `state ${quote(s.name)} is ${s.mode} here but ${named.mode} at ${named.firstField}: one name has one distribution mode`,
          { field: `${old.field}.states[${k}].mode` });
      } else {
        named.entries.push({ old, offsets: s.offsets });
      }
    });
  }
  return [...byName.values()].sort((a, b) => compareCodePoints(a.name, b.name));
}

/**
 * Split-distribute: `T` partitions (every offset of every entry, in old subtask
 * order) in contiguous chunks; new subtask `(i + s) % p'` takes the i-th chunk,
 * `T / p'` partitions plus one for the first `T % p'` chunks. Returns the next rotation.
 */
function splitDistribute(n: NamedEntries, rotation: number, out: Assignment): number {
  const p = out.parallelism;
  const total = n.entries.reduce((sum, e) => sum + e.offsets.length, 0);
  const base = Math.floor(total / p);
  const rem = total % p;
  let entry = 0;
  let offset = 0;
  for (let i = 0; i < p; i++) {
    const target = (i + rotation) % p;
    let take = base + (i < rem ? 1 : 0);
    while (take > 0) {
      const e = n.entries[entry]!;
      const part = Math.min(take, e.offsets.length - offset);
      if (part > 0) out.keep(target, e.old, n.name, n.mode, e.offsets.slice(offset, offset + part));
      take -= part;
      offset += part;
      if (offset === e.offsets.length) { entry++; offset = 0; }
    }
  }
  return (rotation + rem) % p;
}

/** Union: every new subtask keeps every entry of the name, whole. */
function union(n: NamedEntries, out: Assignment): void {
  for (let i = 0; i < out.parallelism; i++) for (const e of n.entries) out.keep(i, e.old, n.name, n.mode, e.offsets);
}

/** Broadcast: new subtask `i` keeps entry `i mod c` whole, `c` being the number of old entries of the name. */
function broadcast(n: NamedEntries, out: Assignment): void {
  for (let i = 0; i < out.parallelism; i++) {
    const e = n.entries[i % n.entries.length]!;
    out.keep(i, e.old, n.name, n.mode, e.offsets);
  }
}

/**
 * Refuses, before anything is built, a plan whose union and broadcast states copy
 * out more than {@link MAX_REPLICATED_OPERATOR_STATE} (entry, new subtask) pairs
 * counted with their offsets. Counted per name in one step per entry.
 */
function checkReplication(names: readonly NamedEntries[], newParallelism: number, where: string): void {
  let copies = 0;
  for (const n of names) {
    if (n.mode === "split-distribute") continue;
    const weights = n.entries.map((e) => 1 + e.offsets.length);
    const all = weights.reduce((a, b) => a + b, 0);
    if (n.mode === "union") {
      copies += newParallelism * all;
    } else {
      const c = weights.length;
      copies += Math.floor(newParallelism / c) * all + weights.slice(0, newParallelism % c).reduce((a, b) => a + b, 0);
    }
  }
  if (copies > MAX_REPLICATED_OPERATOR_STATE) {
    throw new KsnapError("LIMIT_EXCEEDED",
      `union and broadcast operator state copied to ${newParallelism} new subtasks would list ${copies} entries and offsets, ` +
      `more than the ${MAX_REPLICATED_OPERATOR_STATE} a plan lists; plan fewer subtasks or this operator apart`,
      { field: where });
  }
}

/** The reads of each new subtask, merged per old stream. */
class Assignment {
  private readonly bySubtask: Map<OldOperatorState, Map<string, KeptState>>[];

  constructor(readonly parallelism: number) {
    this.bySubtask = Array.from({ length: parallelism }, () => new Map());
  }

  /** New subtask `target` keeps `offsets` of state `name` from `old`'s stream; nothing when `offsets` is empty. */
  keep(target: number, old: OldOperatorState, name: string, mode: DistributionMode, offsets: readonly bigint[]): void {
    if (offsets.length === 0) return;
    const reads = this.bySubtask[target]!;
    let states = reads.get(old);
    if (states === undefined) reads.set(old, states = new Map());
    // One name has one mode and a new subtask takes one contiguous chunk of a split-distribute state, so a name
    // comes once per stream; were it to come again, its offsets are joined rather than lost.
    const kept = states.get(name);
    states.set(name, { name, mode, offsets: kept === undefined ? offsets : [...kept.offsets, ...offsets] });
  }

  reads(): OperatorStateRead[][] {
    return this.bySubtask.map((reads) => [...reads]
      .sort(([a], [b]) => a.oldSubtaskIndex - b.oldSubtaskIndex)
      .map(([old, states]) => ({
        oldSubtaskIndex: old.oldSubtaskIndex,
        stream: old.handle.stream,
        states: [...states.values()].sort((a, b) => compareCodePoints(a.name, b.name)),
        bytes: streamBytes(old.handle.stream),
      })));
  }
}
