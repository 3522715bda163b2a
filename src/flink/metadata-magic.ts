/**
 * The first four bytes of every `_metadata` file ([spec](../../spec/flink.md#file-header-and-snapshot)), on their own
 * so that recognizing a Flink file does not load the reader: `ksnap inspect` of a KSNAP file asks, and reads none.
 */
export const FLINK_METADATA_MAGIC = 0x4960672d;
