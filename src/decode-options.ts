/**
 * How a file is decoded ([spec](../spec/format-v1.md#reading-a-file)): the reader's limits, and which minor
 * version's reader to be.
 */
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "./limits.js";

/**
 * The minor version a reader implements. 1 (the default) reads every 1.1 field; 0 behaves exactly as the released
 * 1.0 reader: it knows no required-feature bit and skips every 1.1 field as unknown. That is how the project
 * shows that 1.0 readers read 1.1 files as promised.
 */
export type ReaderMinor = 0 | 1;

/** Options of decodeSnapshot and decodeFile: any {@link DecodeLimits} (defaults otherwise) and the reader's minor. */
export interface DecodeOptions extends Partial<DecodeLimits> {
  readerMinor?: ReaderMinor;
}

/** The options with every default filled in. */
export function resolveDecodeOptions(options: DecodeOptions = {}): DecodeLimits & { readerMinor: ReaderMinor } {
  return {
    maxFileBytes: options.maxFileBytes ?? DEFAULT_DECODE_LIMITS.maxFileBytes,
    readerMinor: options.readerMinor ?? 1,
  };
}
