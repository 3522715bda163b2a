/**
 * Snapshot identity: the id and the folder the storage layout gives it
 * ([KS-E010](../../spec/validation.md#ks-e010), [KS-W011](../../spec/validation.md#ks-w011)).
 */
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { quote } from "./text.js";

/** Checks KS-E010 and KS-W011. */
export function checkIdentity(s: Snapshot, report: Report): void {
  // The decoder already rejects 0; a snapshot built in memory has not been through it.
  if (s.snapshotId < 1n) report("KS-E010", { field: "snapshotId" }, `snapshot_id is ${s.snapshotId}; ids start at 1`);
  const expected = expectedSnapshotDir(s);
  if (s.snapshotDir !== expected) {
    const why = s.kind === "checkpoint"
      ? `the storage layout puts checkpoint ${s.snapshotId} in ${quote(expected)}`
      : "a savepoint's folder is its own root (snapshot_dir \"\"), so that it can be moved on its own";
    report("KS-W011", { field: "snapshotDir" }, `${s.kind} ${s.snapshotId} has snapshot_dir ${quote(s.snapshotDir)}; ${why}`);
  }
}

/** `chk-<id>` for a checkpoint, `""` for a savepoint ([spec](../../spec/format-v1.md#storage-layout)). */
export function expectedSnapshotDir(s: Snapshot): string {
  return s.kind === "checkpoint" ? `chk-${s.snapshotId}` : "";
}
