/**
 * Constants and types of the savepoint data file ([spec](../../spec/savepoint-data.md)):
 * the layout's fixed sizes, the format limits, and the logical model (state
 * descriptors and entries) that writers take and readers return.
 */
import type { KeyGroupRange } from "../model.js";

/** `"\x89KSVD\r\n\x1a"` ([spec](../../spec/savepoint-data.md#header)); differs from the metadata magic at byte 3. */
export const DATA_MAGIC = Uint8Array.of(0x89, 0x4b, 0x53, 0x56, 0x44, 0x0d, 0x0a, 0x1a);
/** `"KSVD-END"`, the last 8 bytes of a complete file ([spec](../../spec/savepoint-data.md#trailer)). */
export const END_MAGIC = Uint8Array.of(0x4b, 0x53, 0x56, 0x44, 0x2d, 0x45, 0x4e, 0x44);

/** The major version this code reads and writes. */
export const DATA_MAJOR = 1;
/** The minor version this code writes. */
export const DATA_MINOR = 0;

/** Bytes of the header before `meta`: magic, major, minor, features, start, count, meta_length. */
export const HEADER_FIXED_BYTES = 28;
/** Bytes after `meta`: the header checksum. */
export const HEADER_CHECKSUM_BYTES = 8;
/** Bytes of a frame header: uncompressed_length, stored_length, xxh64. */
export const FRAME_HEADER_BYTES = 16;
/** Bytes of the footer: start, count, entry_count, trailer_xxh64, end_magic. */
export const FOOTER_BYTES = 32;
/** Bytes per index entry. */
export const INDEX_ENTRY_BYTES = 8;

/** Format limits: a file beyond them is invalid everywhere ([spec](../../spec/savepoint-data.md#blocks)). */
export const DATA_FORMAT_LIMITS = {
  /** Largest `uncompressed_length` of a block: what a reader may have to allocate for one block. */
  maxBlockBytes: 1024 * 1024,
  /** Largest `meta_length`. */
  maxMetaBytes: 1024 * 1024,
  /** Most state descriptors in one file. */
  maxStates: 4096,
  /** Longest state name or serializer id, in UTF-8 bytes. */
  maxStringBytes: 4096,
  /** Most key groups in one file (the format-wide maximum of max_parallelism). */
  maxKeyGroups: 32768,
} as const;

/** The block size canonical writers cut at ([spec](../../spec/savepoint-data.md#block-size)). */
export const CANONICAL_BLOCK_BYTES = 128 * 1024;

/** Limits a reader chooses ([spec](../../spec/savepoint-data.md#entries)). */
export interface DataReadLimits {
  /** Largest sum of an entry's key, namespace, user-key and value lengths. */
  maxEntryBytes: number;
}

/** The reference reader's defaults. */
export const DEFAULT_DATA_READ_LIMITS: DataReadLimits = { maxEntryBytes: 16 * 1024 * 1024 };

/** How a state's entries are shaped ([spec](../../spec/savepoint-data.md#entries)). */
export type StateKind = "value" | "list" | "map";

/** The u8 `kind` of each state kind in the descriptors. */
export const STATE_KIND_CODES: Readonly<Record<StateKind, number>> = { value: 1, list: 2, map: 3 };

/** A named state and the ids of its serializers ([spec](../../spec/savepoint-data.md#state-descriptors)). */
export interface StateDescriptor {
  /** Unique in the file, 1..4096 bytes of UTF-8. */
  name: string;
  kind: StateKind;
  /** Opaque serializer ids; the format does not interpret them. */
  keySerializer: string;
  namespaceSerializer: string;
  valueSerializer: string;
  /** Map state only; "" (or absent) for value and list state. */
  userKeySerializer?: string;
}

/** One entry as a writer takes it: its key group is the one begun last ([spec](../../spec/savepoint-data.md#entries)). */
export interface StateEntry {
  /** The state's name, one of the descriptors'. */
  state: string;
  key: Uint8Array;
  namespace: Uint8Array;
  /** Required for map state, forbidden otherwise. */
  userKey?: Uint8Array;
  /** For list state, one element. */
  value: Uint8Array;
}

/** One entry as a reader returns it. */
export interface SavepointEntry extends StateEntry {
  keyGroup: number;
  kind: StateKind;
}

/** What a data file's header and trailer say ([spec](../../spec/savepoint-data.md#layout)). */
export interface DataFileInfo {
  formatVersion: { major: number; minor: number };
  keyGroups: KeyGroupRange;
  /** Sorted by name; a state's index is its position. */
  states: StateDescriptor[];
  /** Offset of each key group's first block, from the trailer's index. */
  offsets: bigint[];
  entryCount: bigint;
  size: bigint;
}

/** The exclusive end of a key-group range. */
export function rangeEnd(range: KeyGroupRange): number {
  return range.start + range.count;
}
