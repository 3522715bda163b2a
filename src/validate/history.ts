/**
 * A history: the snapshots of one root, sorted by snapshot id
 * ([spec](../../spec/validation.md#history)).
 */
import { compareBigInts } from "../body/canonical-order.js";
import type { LocatedInput } from "./located-input.js";

/** The snapshots of one root. */
export interface History {
  root: string;
  /** Sorted by snapshot id; equal ids keep their input order. */
  snapshots: LocatedInput[];
  /** The first snapshot of each id. */
  byId: Map<bigint, LocatedInput>;
  /** The smallest snapshot id: references to older checkpoints are to ones not retained. */
  oldest: bigint;
}

/** Groups `located` by root; each group sorted by snapshot id. */
export function histories(located: readonly LocatedInput[]): History[] {
  const byRoot = new Map<string, LocatedInput[]>();
  for (const l of located) {
    const group = byRoot.get(l.root);
    if (group === undefined) byRoot.set(l.root, [l]);
    else group.push(l);
  }
  return [...byRoot].map(([root, group]) => {
    const snapshots = [...group].sort((a, b) => compareBigInts(a.snapshot.snapshotId, b.snapshot.snapshotId));
    const byId = new Map<bigint, LocatedInput>();
    for (const s of snapshots) if (!byId.has(s.snapshot.snapshotId)) byId.set(s.snapshot.snapshotId, s);
    return { root, snapshots, byId, oldest: snapshots[0]!.snapshot.snapshotId };
  });
}
