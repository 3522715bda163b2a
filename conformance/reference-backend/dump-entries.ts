/**
 * Store entries as dump entries ([spec](../../spec/conformance.md#dump-entries)),
 * the members of the logical dump in its order; a list yields one entry per
 * element, in list order.
 */
import type { SavepointEntry } from "../../src/index.js";
import type { ViewEntry } from "./merged-view.js";
import type { StateContext } from "./state-context.js";
import type { DumpEntry } from "../../src/conformance/state-model.js";

/** One dump entry: the runner's own type, so the two cannot drift apart. */
export type { DumpEntry } from "../../src/conformance/state-model.js";

/** The dump entries of a view, in its (canonical) order. */
export function dumpEntries(view: readonly ViewEntry[], ctx: StateContext): DumpEntry[] {
  const out: DumpEntry[] = [];
  for (const e of view) {
    const values = "value" in e.resolved ? [e.resolved.value] : e.resolved.elems;
    for (const value of values) out.push(dumpEntry(e, ctx.lookup(e.key.state).kind, value));
  }
  return out;
}

/** A data file's entry (as the library reads it) as a dump entry. */
export function dumpEntryOf(e: SavepointEntry): DumpEntry {
  return ordered(e.keyGroup, e.state, e.kind, hexOf(e.key), hexOf(e.namespace),
    e.kind === "map" ? hexOf(e.userKey ?? new Uint8Array(0)) : undefined, hexOf(e.value));
}

function dumpEntry(e: ViewEntry, kind: string, value: string): DumpEntry {
  return ordered(e.key.keyGroup, e.key.state, kind, e.key.key, e.key.namespace, kind === "map" ? e.key.userKey ?? "" : undefined, value);
}

/** Members are added in the dump's order, which JSON.stringify keeps, so a response reads like the logical dump. */
function ordered(keyGroup: number, state: string, kind: string, key: string, namespace: string, userKey: string | undefined,
  value: string): DumpEntry {
  const entry = { keyGroup, state, kind, key, namespace } as DumpEntry;
  if (userKey !== undefined) entry.userKey = userKey;
  entry.value = value;
  return entry;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}
