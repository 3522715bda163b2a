/**
 * The 1.1 parts of a diff that are not stored refs ([spec](../../spec/diff-and-restore.md#state-changes)):
 * operator state per subtask and state name, coordinator state, master states.
 */
import { compareCodePoints } from "../body/canonical-order.js";
import type { DistributionMode, MasterState, OperatorState, OperatorStateHandle, Snapshot, StreamRef, SubtaskState } from "../model.js";
import { refKind } from "../snapshot-walk.js";

/** How one piece of state differs from A to B; `unchanged` only where a report lists everything. */
export type StateChange = "added" | "dropped" | "changed" | "unchanged";

/** One named operator state in one snapshot: its mode and number of partitions. */
export interface NamedStateSummary {
  mode: DistributionMode;
  partitions: number;
}

/**
 * A named operator state of one subtask that differs between A and B
 * ([spec](../../spec/diff-and-restore.md#state-changes)): present in one only, or
 * with another mode or number of partitions. Offsets are not compared: every
 * checkpoint writes a new stream.
 */
export interface OperatorStateChange {
  list: "managed" | "raw";
  name: string;
  change: Exclude<StateChange, "unchanged">;
  /** null when the state is not in A. */
  a: NamedStateSummary | null;
  /** null when the state is not in B. */
  b: NamedStateSummary | null;
}

/** A master state that differs between A and B ([spec](../../spec/diff-and-restore.md#state-changes)). */
export interface MasterStateChange {
  name: string;
  change: Exclude<StateChange, "unchanged">;
}

/** The named operator states of a subtask that differ from A to B, managed then raw, each by name. */
export function operatorStateChanges(a: SubtaskState | undefined, b: SubtaskState | undefined): OperatorStateChange[] {
  return [
    ...namedChanges("managed", a?.managedOperatorState, b?.managedOperatorState),
    ...namedChanges("raw", a?.rawOperatorState, b?.rawOperatorState),
  ];
}

function namedChanges(list: "managed" | "raw", a: OperatorStateHandle | undefined, b: OperatorStateHandle | undefined): OperatorStateChange[] {
  const inA = summaries(a);
  const inB = summaries(b);
  const names = [...new Set([...inA.keys(), ...inB.keys()])].sort(compareCodePoints);
  const out: OperatorStateChange[] = [];
  for (const name of names) {
    const x = inA.get(name) ?? null;
    const y = inB.get(name) ?? null;
    const change = changeOf(x !== null, y !== null, x !== null && y !== null && (x.mode !== y.mode || x.partitions !== y.partitions));
    if (change !== "unchanged") out.push({ list, name, change, a: x, b: y });
  }
  return out;
}

function summaries(h: OperatorStateHandle | undefined): Map<string, NamedStateSummary> {
  return new Map((h?.states ?? []).map((s) => [s.name, { mode: s.mode, partitions: s.offsets.length }]));
}

function changeOf(inA: boolean, inB: boolean, differs: boolean): StateChange {
  if (!inA) return "added";
  if (!inB) return "dropped";
  return differs ? "changed" : "unchanged";
}

/** How the operator's coordinator state differs from A to B; null when neither has one. */
export function coordinatorChange(a: OperatorState | undefined, b: OperatorState | undefined): StateChange | null {
  const x = a?.coordinatorState;
  const y = b?.coordinatorState;
  if (x === undefined && y === undefined) return null;
  return changeOf(x !== undefined, y !== undefined, x !== undefined && y !== undefined && !sameStream(x, y));
}

/**
 * True when two streams are the same stored bytes: the same file (id, size, hash),
 * segment (physical id, range, hash), external file (URI, size, hash), or inline bytes.
 */
export function sameStream(a: StreamRef, b: StreamRef): boolean {
  if (refKind(a) !== refKind(b)) return false;
  if (a.type === "inline" && b.type === "inline") return Buffer.compare(a.data, b.data) === 0;
  const fields = (r: StreamRef): unknown[] => {
    switch (r.type) {
      case "file": return [r.id, r.size, r.xxh64];
      case "segment": return [r.id, r.offset, r.length, r.xxh64];
      case "external": return [r.uri, r.size, r.xxh64];
      case "inline": return [];
    }
  };
  const x = fields(a);
  const y = fields(b);
  return x.every((v, i) => v === y[i]);
}

/** Master states added, dropped or changed (version or payload) from A to B, by name. */
export function masterStateChanges(a: Snapshot, b: Snapshot): MasterStateChange[] {
  const inA = new Map((a.masterStates ?? []).map((m) => [m.name, m]));
  const inB = new Map((b.masterStates ?? []).map((m) => [m.name, m]));
  const names = [...new Set([...inA.keys(), ...inB.keys()])].sort(compareCodePoints);
  const out: MasterStateChange[] = [];
  for (const name of names) {
    const x = inA.get(name);
    const y = inB.get(name);
    const change = changeOf(x !== undefined, y !== undefined, x !== undefined && y !== undefined && !sameMaster(x, y));
    if (change !== "unchanged") out.push({ name, change });
  }
  return out;
}

function sameMaster(a: MasterState, b: MasterState): boolean {
  return a.version === b.version && Buffer.compare(a.payload, b.payload) === 0;
}
