/**
 * The runner's model of a scenario's keyed state
 * ([spec](../../spec/conformance.md#scenarios)): what the changes applied so far
 * must leave in a backend, as dump entries in key-group and canonical order.
 */
import { compareCodePoints } from "../body/canonical-order.js";
import type { KeyGroupRange } from "../model.js";
import type { StateDescriptor, StateKind } from "../savepoint/data-format.js";
import { canonicalStates } from "../savepoint/states.js";

/** An entry of a dump or of `read-data` ([spec](../../spec/conformance.md#dump-entries)); bytes in lowercase hex. */
export interface DumpEntry {
  keyGroup: number;
  state: string;
  kind: StateKind;
  key: string;
  namespace: string;
  userKey?: string;
  value: string;
}

/** One change of an `apply` request ([spec](../../spec/conformance.md#apply)). */
export interface Change {
  op: "put" | "add" | "delete";
  state: string;
  keyGroup: number;
  key: string;
  namespace: string;
  userKey?: string;
  value?: string;
}

/** What one (state, key group, key, namespace) holds. */
type Cell = { kind: "value"; value: string } | { kind: "list"; values: string[] } | { kind: "map"; values: Map<string, string> };

interface Row {
  keyGroup: number;
  stateIndex: number;
  key: string;
  namespace: string;
  cell: Cell;
}

/** The state a sequence of changes produces. */
export class StateModel {
  private readonly states: StateDescriptor[];
  private readonly index: Map<string, number>;
  private rows = new Map<string, Row>();

  constructor(states: readonly StateDescriptor[]) {
    this.states = canonicalStates(states);
    this.index = new Map(this.states.map((s, i) => [s.name, i]));
  }

  /** Applies `change`; a change a scenario cannot contain (unknown state, wrong op for the kind) throws. */
  apply(change: Change): void {
    const stateIndex = this.index.get(change.state);
    if (stateIndex === undefined) throw new Error(`unknown state "${change.state}"`);
    const kind = this.states[stateIndex]!.kind;
    const id = `${stateIndex}\u0000${change.keyGroup}\u0000${change.key}\u0000${change.namespace}`;
    const row = this.rows.get(id);
    if (change.op === "delete") return this.remove(id, row, change);
    const cell = row?.cell ?? emptyCell(kind);
    writeCell(cell, change);
    if (row === undefined) this.rows.set(id, { keyGroup: change.keyGroup, stateIndex, key: change.key, namespace: change.namespace, cell });
  }

  /** A deep copy: what a snapshot taken now must hold, unaffected by later changes. */
  clone(): StateModel {
    const copy = new StateModel(this.states);
    for (const [id, r] of this.rows) copy.rows.set(id, { ...r, cell: cloneCell(r.cell) });
    return copy;
  }

  /** The entries of key groups `range` (default all), in key-group and canonical order. */
  entries(range?: KeyGroupRange): DumpEntry[] {
    const inRange = (kg: number) => range === undefined || (kg >= range.start && kg < range.start + range.count);
    const rows = [...this.rows.values()].filter((r) => inRange(r.keyGroup)).sort(compareRows);
    return rows.flatMap((r) => this.rowEntries(r));
  }

  private remove(id: string, row: Row | undefined, change: Change): void {
    if (row === undefined) return;
    if (row.cell.kind === "map") {
      if (change.userKey === undefined) throw new Error(`delete on map state "${change.state}" needs a userKey`);
      row.cell.values.delete(change.userKey);
      if (row.cell.values.size > 0) return;
    }
    this.rows.delete(id);
  }

  private rowEntries(r: Row): DumpEntry[] {
    const base = { keyGroup: r.keyGroup, state: this.states[r.stateIndex]!.name, kind: r.cell.kind, key: r.key, namespace: r.namespace };
    switch (r.cell.kind) {
      case "value": return [{ ...base, value: r.cell.value }];
      case "list": return r.cell.values.map((value) => ({ ...base, value }));
      case "map": return [...r.cell.values].sort(([a], [b]) => compareCodePoints(a, b)).map(([userKey, value]) => ({ ...base, userKey, value }));
    }
  }
}

function emptyCell(kind: StateKind): Cell {
  if (kind === "value") return { kind, value: "" };
  return kind === "list" ? { kind, values: [] } : { kind, values: new Map() };
}

function writeCell(cell: Cell, change: Change): void {
  const value = change.value ?? "";
  if (cell.kind === "list") {
    if (change.op !== "add") throw new Error(`list state "${change.state}" takes "add", not "${change.op}"`);
    cell.values.push(value);
    return;
  }
  if (change.op !== "put") throw new Error(`${cell.kind} state "${change.state}" takes "put", not "${change.op}"`);
  if (cell.kind === "value") cell.value = value;
  else {
    if (change.userKey === undefined) throw new Error(`put on map state "${change.state}" needs a userKey`);
    cell.values.set(change.userKey, value);
  }
}

function cloneCell(c: Cell): Cell {
  if (c.kind === "value") return { ...c };
  return c.kind === "list" ? { kind: "list", values: [...c.values] } : { kind: "map", values: new Map(c.values) };
}

/** Lowercase hex in code-point order is in the order of its bytes: two digits per byte, and '0'-'9' < 'a'-'f'. */
function compareRows(a: Row, b: Row): number {
  return a.keyGroup - b.keyGroup || a.stateIndex - b.stateIndex || compareCodePoints(a.key, b.key) || compareCodePoints(a.namespace, b.namespace);
}
