/**
 * Enum numbers of the body ([schema](../../schemas/ksnap/v1/snapshot.proto)),
 * in one table per enum so that decoding and encoding cannot drift apart.
 */
import type { DistributionMode, FileOwnership, FileSharing, SegmentScope, SnapshotKind } from "../model.js";

/** Wire number of each snapshot kind. */
export const KIND_NUMBERS: Readonly<Record<SnapshotKind, number>> = { checkpoint: 1, savepoint: 2 };
/** Wire number of each sharing mode. */
export const SHARING_NUMBERS: Readonly<Record<FileSharing, number>> = { none: 1, forward: 2, "forward-backward": 3 };
/** Wire number of each ownership. */
export const OWNERSHIP_NUMBERS: Readonly<Record<FileOwnership, number>> = { system: 1, user: 2 };
/** 1.1: wire number of each segment scope. */
export const SEGMENT_SCOPE_NUMBERS: Readonly<Record<SegmentScope, number>> = { exclusive: 1, shared: 2 };
/** 1.1: wire number of each distribution mode of operator state. */
export const DISTRIBUTION_MODE_NUMBERS: Readonly<Record<DistributionMode, number>> = { "split-distribute": 1, union: 2, broadcast: 3 };

/** Inverts a number table: wire number → name. */
export function byNumber<T extends string>(table: Readonly<Record<T, number>>): ReadonlyMap<number, T> {
  return new Map(Object.entries(table).map(([name, n]) => [n as number, name as T]));
}
