/**
 * The states of a session and their canonical order: a state's rank is its
 * position among the descriptors sorted by name in code-point order, which is
 * the state index of savepoint data files
 * ([spec](../../spec/savepoint-data.md#state-descriptors)).
 */
import { compareCodePoints, KsnapError, type StateDescriptor, type StateKind } from "../../src/index.js";

/** A session's states, sorted by name, with each one's rank and kind. */
export class StateContext {
  /** The descriptors sorted by name. */
  readonly states: StateDescriptor[];
  private readonly byName = new Map<string, { rank: number; kind: StateKind }>();

  constructor(states: readonly StateDescriptor[]) {
    this.states = [...states].sort((a, b) => compareCodePoints(a.name, b.name));
    this.states.forEach((s, rank) => {
      if (this.byName.has(s.name)) throw new KsnapError("INVALID_FIELD", `state "${s.name}" is declared twice`, { field: "states" });
      this.byName.set(s.name, { rank, kind: s.kind });
    });
  }

  /** The rank and kind of state `name`; INVALID_FIELD when the session has no such state. */
  lookup(name: string): { rank: number; kind: StateKind } {
    const found = this.byName.get(name);
    if (found === undefined) throw new KsnapError("INVALID_FIELD", `the session has no state "${name}"`, { field: "state" });
    return found;
  }

  /** The state names in canonical order, as a manifest records them. */
  names(): string[] {
    return this.states.map((s) => s.name);
  }
}
