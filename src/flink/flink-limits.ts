/**
 * Limits of the Flink `_metadata` reader ([spec](../../spec/flink.md#reading-_metadata-errors-and-limits)).
 * Allocation is bounded by these and by the bytes left in the input, never by a count read from the input alone.
 */

/** Limits a caller of `readFlinkMetadata` may tighten or loosen. ([spec](../../spec/flink.md#reading-_metadata-errors-and-limits)) */
export interface FlinkReadLimits {
  /** Largest `_metadata` accepted, in bytes (as the KSNAP decoder's `maxFileBytes`: 1 GiB by default). */
  maxFileBytes: number;
  /** Deepest nesting of handles (a changelog handle holds keyed handles; a key-groups stream holds a stream). */
  maxHandleDepth: number;
  /** Most objects, strings and class descriptors in the Java serialization of CheckpointProperties. */
  maxJavaObjects: number;
  /** Deepest nesting of objects in the Java serialization of CheckpointProperties. */
  maxJavaDepth: number;
}

/** The defaults used when a caller passes none. ([spec](../../spec/flink.md#reading-_metadata-errors-and-limits)) */
export const DEFAULT_FLINK_READ_LIMITS: FlinkReadLimits = {
  maxFileBytes: 1024 * 1024 * 1024,
  maxHandleDepth: 16,
  maxJavaObjects: 256,
  maxJavaDepth: 8,
};
