/**
 * Which metadata format versions an adapter reads and writes
 * ([spec](../../spec/conformance.md#format-versions)), and what that means for
 * a vector of a version it does not read: a file that sets a required-feature
 * bit the adapter's version does not define must still be refused with
 * `UNKNOWN_REQUIRED_FEATURE` (that refusal is what keeps an older reader, and
 * an older gc, from acting on state it cannot see); anything else is
 * UNSUPPORTED.
 */
import { knownFeatures } from "../container/frame.js";
import { MAGIC, OFFSET_FEATURES, OFFSET_MAJOR, OFFSET_MINOR } from "../container/layout.js";

/** A `major.minor` metadata format version. */
export interface FormatVersionText {
  major: number;
  minor: number;
}

/** What an adapter declared in `hello`; `1.0` for both when it declared nothing (adapters older than 1.1). */
export interface AdapterFormats {
  read: FormatVersionText;
  write: FormatVersionText;
}

/** The formats of an adapter that does not declare any. */
export const DEFAULT_FORMATS: AdapterFormats = { read: { major: 1, minor: 0 }, write: { major: 1, minor: 0 } };

/** Parses `"1.1"`; undefined when it is not `major.minor`. */
export function parseFormatVersion(text: unknown): FormatVersionText | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})$/.exec(text);
  if (m === null) return undefined;
  const major = Number(m[1]), minor = Number(m[2]);
  return major <= 0xffff && minor <= 0xffff ? { major, minor } : undefined;
}

/** The version of a vector folder name (`v1.1`). */
export function folderVersion(folder: string): FormatVersionText | undefined {
  return parseFormatVersion(folder.replace(/^v/, ""));
}

/** True when an adapter of version `has` reads or writes files of version `needs` (same major, minor at most its own). */
export function covers(has: FormatVersionText, needs: FormatVersionText): boolean {
  return has.major === needs.major && has.minor >= needs.minor;
}

/** `"1.1"` */
export function versionText(v: FormatVersionText): string {
  return `${v.major}.${v.minor}`;
}

/**
 * The required-feature bits of a metadata file's header that a reader of
 * version `reads` does not define; 0 when the file is too short to hold the
 * field or its magic or major already decide the outcome.
 */
export function unknownFeatureBits(file: Uint8Array, reads: FormatVersionText): number {
  if (file.length < OFFSET_FEATURES + 4 || MAGIC.some((b, i) => file[i] !== b)) return 0;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint16(OFFSET_MAJOR, true) !== reads.major) return 0;
  const bits = view.getUint32(OFFSET_FEATURES, true);
  // The reader's own rule: the newest minor the library reads stands for every later one the adapter may declare.
  const known = knownFeatures(reads.minor >= 1 ? 1 : 0, view.getUint16(OFFSET_MINOR, true));
  return (bits & ~known) >>> 0;
}
