/**
 * Key groups as Apache Flink assigns them ([spec](../spec/key-groups.md)): a key's
 * 32-bit hash picks its key group, and each of `parallelism` operator subtasks owns
 * one contiguous range of the `maxParallelism` key groups. The results are
 * bit-for-bit those of Flink's `KeyGroupRangeAssignment`, so a snapshot can
 * describe a Flink job's state.
 */
import { KsnapError } from "./errors.js";
import { FORMAT_LIMITS } from "./limits.js";
import type { KeyGroupRange } from "./model.js";

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
/** Flink's lower bound for a derived max parallelism, so that a small job can still scale up. */
const DEFAULT_MAX_PARALLELISM_FLOOR = 128;

/**
 * Flink's `MathUtils.murmurHash(int)`: Murmur3-32 (seed 0) of one 4-byte int,
 * made non-negative (`Integer.MIN_VALUE` becomes 0)
 * ([spec](../spec/key-groups.md#murmur-hash)).
 * `keyHash` is a Java `int` (a key's `hashCode()`): an integer in -2^31..2^31-1.
 */
export function murmurHash32(keyHash: number): number {
  requireInt32(keyHash, "keyHash");
  let k = Math.imul(keyHash, 0xcc9e2d51);
  k = rotateLeft(k, 15);
  k = Math.imul(k, 0x1b873593);
  let h = rotateLeft(k, 13);
  // Math.imul(h, 5) is an int32 and the constant is below 2^32, so the sum is exact
  // in a double; `| 0` then wraps it modulo 2^32 as Java's int addition does.
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  if (h >= 0) return h;
  // -MIN_VALUE overflows back to MIN_VALUE in Java; Flink maps it to 0 instead.
  return h === INT32_MIN ? 0 : -h;
}

/**
 * The key group of a key whose `hashCode()` is `keyHash`: `murmurHash32(keyHash) % maxParallelism`
 * ([spec](../spec/key-groups.md#key-group-of-a-key)).
 */
export function keyGroupForKeyHash(keyHash: number, maxParallelism: number): number {
  requireMaxParallelism(maxParallelism);
  return murmurHash32(keyHash) % maxParallelism;
}

/**
 * The key groups operator subtask `operatorIndex` of `parallelism` owns: from
 * `ceil(i·maxP/p)` to `floor(((i+1)·maxP − 1)/p)` inclusive, as `{start, count}`
 * ([spec](../spec/key-groups.md#key-group-range-of-a-subtask)).
 * The ranges of all subtasks are non-empty, disjoint, and cover `[0, maxParallelism)` in index order.
 */
export function keyGroupRangeForOperator(maxParallelism: number, parallelism: number, operatorIndex: number): KeyGroupRange {
  requireParallelism(maxParallelism, parallelism);
  requireIndex(operatorIndex, parallelism, "operatorIndex", "parallelism");
  // Every product is at most 32768 · 32768 = 2^30, far below 2^53, so double arithmetic
  // is exact and Math.floor is true integer division (Java's int division on non-negatives).
  const start = Math.floor((operatorIndex * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((operatorIndex + 1) * maxParallelism - 1) / parallelism);
  return { start, count: end - start + 1 };
}

/**
 * The operator subtask that owns `keyGroup`: `floor(keyGroup·parallelism / maxParallelism)`, the
 * inverse of {@link keyGroupRangeForOperator} ([spec](../spec/key-groups.md#subtask-of-a-key-group)).
 */
export function operatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  requireParallelism(maxParallelism, parallelism);
  requireIndex(keyGroup, maxParallelism, "keyGroup", "maxParallelism");
  // keyGroup · parallelism < 2^30: exact in a double (see keyGroupRangeForOperator).
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/**
 * The max parallelism Flink derives when a job sets none:
 * `min(max(roundUpToPowerOfTwo(p + floor(p/2)), 128), 32768)`
 * ([spec](../spec/key-groups.md#default-max-parallelism)).
 */
export function defaultMaxParallelism(parallelism: number): number {
  requireInRange(parallelism, 1, FORMAT_LIMITS.maxKeyGroups, "parallelism", `1..${FORMAT_LIMITS.maxKeyGroups}`);
  const wanted = parallelism + Math.floor(parallelism / 2);
  return Math.min(Math.max(roundUpToPowerOfTwo(wanted), DEFAULT_MAX_PARALLELISM_FLOOR), FORMAT_LIMITS.maxKeyGroups);
}

function rotateLeft(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}

/** Smallest power of two ≥ x, for 1 ≤ x ≤ 2^30 (x is at most 49152 here). */
function roundUpToPowerOfTwo(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

function requireInt32(value: number, name: string): void {
  if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw new KsnapError("INVALID_FIELD",
      `${name} ${value} is not a 32-bit signed integer (a Java int, -2147483648..2147483647); reinterpret an unsigned hash with \`hash | 0\``,
      { field: name });
  }
}

function requireMaxParallelism(maxParallelism: number): void {
  requireInRange(maxParallelism, 1, FORMAT_LIMITS.maxKeyGroups, "maxParallelism", `1..${FORMAT_LIMITS.maxKeyGroups}`);
}

/** 1 ≤ parallelism ≤ maxParallelism ≤ 32768. */
function requireParallelism(maxParallelism: number, parallelism: number): void {
  requireMaxParallelism(maxParallelism);
  requireInRange(parallelism, 1, maxParallelism, "parallelism", `1..maxParallelism (${maxParallelism})`);
}

/** 0 ≤ index < bound. */
function requireIndex(index: number, bound: number, name: string, boundName: string): void {
  requireInRange(index, 0, bound - 1, name, `0..${boundName} - 1 (${bound - 1})`);
}

function requireInRange(value: number, min: number, max: number, name: string, allowed: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KsnapError("INVALID_FIELD", `${name} ${value} is out of range: it must be an integer in ${allowed}`, { field: name });
  }
}
