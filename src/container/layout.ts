/**
 * Byte layout of the container ([spec](../../spec/format-v1.md#container)):
 *
 *     magic(8) | major u16le | minor u16le | required-features u32le | body-length u64le | body | xxh64 u64le
 */

/** `\x89KSNAP\r\n`: the high byte catches 7-bit transports, CR LF catches newline conversion. */
export const MAGIC = Uint8Array.of(0x89, 0x4b, 0x53, 0x4e, 0x41, 0x50, 0x0d, 0x0a);
export const OFFSET_MAJOR = 8;
export const OFFSET_MINOR = 10;
export const OFFSET_FEATURES = 12;
export const OFFSET_BODY_LENGTH = 16;
export const HEADER_SIZE = 24;
export const TRAILER_SIZE = 8;

/** The major version this library reads and writes; the minor it writes depends on the snapshot (body/features.ts). */
export const WRITE_MAJOR = 1;
/** The highest minor version this library reads and writes. */
export const LATEST_MINOR = 1;
/** Required-feature bits this reader understands: bits 0-8, defined in 1.1 (1.0 defines none). */
export const KNOWN_FEATURES = 0x1ff;
