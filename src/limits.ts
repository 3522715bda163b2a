/**
 * Decoder limits ([spec](../spec/format-v1.md#limits)). Allocation is bounded by
 * these, never by a length read from the input alone.
 */

/** Hard limits fixed by the format; a file beyond them is invalid everywhere. */
export const FORMAT_LIMITS = {
  /** Largest max_parallelism, and so the largest number of key groups. */
  maxKeyGroups: 32768,
  /** Longest id (operator, backend, file), in UTF-8 bytes. */
  maxIdBytes: 256,
  /** Longest path or other string, in UTF-8 bytes. */
  maxStringBytes: 4096,
  /** 1.1: largest InlineBytes.data, OpaqueHandle.payload or MasterState.payload (1 MiB), in bytes. */
  maxInlineBytes: 1024 * 1024,
  /** 1.1: longest local name, in UTF-8 bytes (a file name on common file systems). */
  maxLocalNameBytes: 255,
  /** 1.1: most offsets of one NamedOperatorState (2^24: partitions of a list state, not key groups). */
  maxOperatorStateOffsets: 1 << 24,
} as const;

/** Limits a reader chooses; these defaults suit a metadata file of a few million file refs. */
export interface DecodeLimits {
  /** Largest metadata file accepted, in bytes. */
  maxFileBytes: number;
}

/** The defaults used when a caller passes none. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxFileBytes: 1024 * 1024 * 1024,
};

/**
 * Largest JSON form `encode` reads, in bytes ([spec](../spec/format-v1.md#limits)):
 * refused (LIMIT_EXCEEDED) before a byte is read. The JSON text becomes one
 * string and one parsed document, several times its size in memory, and V8
 * cannot make a string of more than about 2^29 characters; 256 MiB holds the
 * JSON form of a metadata file of about a million file refs.
 */
export const MAX_JSON_INPUT_BYTES = 256 * 1024 * 1024;
