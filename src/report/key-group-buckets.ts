/**
 * Per-key-group figures folded into at most {@link MAX_KEY_GROUP_BUCKETS} buckets of consecutive key groups, so an
 * operator with 32,768 key groups gives a map of bounded size; and the skew of such a map.
 */
import { MAX_KEY_GROUP_BUCKETS } from "./report-model.js";

/** The number of consecutive key groups per bucket for `keyGroups` key groups. */
export function bucketSizeFor(keyGroups: number): number {
  return Math.max(1, Math.ceil(keyGroups / MAX_KEY_GROUP_BUCKETS));
}

/** `perKeyGroup` summed in buckets of `bucketSize`, rounded to whole numbers. */
export function bucketed(perKeyGroup: ArrayLike<number>, bucketSize: number): number[] {
  const out = new Array<number>(Math.ceil(perKeyGroup.length / bucketSize)).fill(0);
  for (let k = 0; k < perKeyGroup.length; k++) out[Math.floor(k / bucketSize)]! += perKeyGroup[k]!;
  return out.map((v) => Math.round(v));
}

/** The largest bucket over the mean of the non-empty ones (1: even); 0 when every bucket is empty. */
export function skewOf(buckets: readonly number[]): number {
  const used = buckets.filter((b) => b > 0);
  if (used.length === 0) return 0;
  const mean = used.reduce((a, b) => a + b, 0) / used.length;
  return Math.round((Math.max(...used) / mean) * 100) / 100;
}
