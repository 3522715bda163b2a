/**
 * Retention ([spec](../../spec/ownership.md#subsumption-and-retention)): which
 * completed checkpoints stay and which are subsumed. The latest completed
 * checkpoint is never subsumed: it is what a job restores from and what the
 * next incremental checkpoint builds on.
 */
import { registryError } from "./registry-error.js";

/** Keep the `keepLatest` newest completed checkpoints, or every one whose id is at least `keepFrom`. */
export type Retention = { keepLatest: number } | { keepFrom: bigint };

/**
 * The ids of `retained` (ascending) that `retention` subsumes, ascending.
 * INVALID_OPERATION for `keepLatest` below 1 or not an integer, and for a
 * `keepFrom` above the latest retained checkpoint.
 */
export function subsumedBy(retained: readonly bigint[], retention: Retention): bigint[] {
  if ("keepLatest" in retention) {
    const n = retention.keepLatest;
    if (!Number.isSafeInteger(n) || n < 1) {
      throw registryError("INVALID_OPERATION", `keepLatest must be a whole number of at least 1, not ${n}: the latest checkpoint is always kept`);
    }
    return retained.slice(0, Math.max(0, retained.length - n));
  }
  const latest = retained[retained.length - 1];
  if (latest !== undefined && retention.keepFrom > latest) {
    throw registryError("INVALID_OPERATION",
      `keepFrom ${retention.keepFrom} would subsume the latest completed checkpoint ${latest}, which is always kept`);
  }
  return retained.filter((id) => id < retention.keepFrom);
}
