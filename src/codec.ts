/**
 * The codec: a snapshot model to a canonical file and back ([spec](../spec/format-v1.md)). A snapshot is written
 * in the lowest version that holds it: 1.0 when it uses nothing of 1.1, else 1.1 with the fewest feature bits.
 */
import { decodeBody } from "./body/decode-body.js";
import { encodeBody, estimateBodySize } from "./body/encode-body.js";
import { formatVersionOf } from "./body/features.js";
import { finishFrame, startFrame, unframe } from "./container/frame.js";
import { resolveDecodeOptions, type DecodeOptions } from "./decode-options.js";
import type { FormatVersion, Snapshot } from "./model.js";

/** A decoded file: the snapshot and what the container declared. */
export interface DecodedFile {
  version: FormatVersion;
  requiredFeatures: number;
  snapshot: Snapshot;
}

/**
 * Encodes `snapshot` as its canonical file ([spec](../spec/format-v1.md#canonical-encoding)): format 1.0 when it
 * uses nothing of 1.1, otherwise 1.1 with exactly the required-feature bits of what it holds.
 * @throws KsnapError MISSING_FIELD or INVALID_FIELD, naming the field.
 */
export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const body = encodeBody(snapshot, startFrame(estimateBodySize(snapshot)));
  return finishFrame(body, formatVersionOf(snapshot));
}

/**
 * Decodes a KSNAP file of any 1.x version ([spec](../spec/format-v1.md#reading-a-file)), as a 1.1 reader unless
 * `options.readerMinor` is 0 (then exactly as the released 1.0 reader).
 * @throws KsnapError and nothing else, whatever the input.
 */
export function decodeSnapshot(file: Uint8Array, options: DecodeOptions = {}): Snapshot {
  return decodeFile(file, options).snapshot;
}

/** Like {@link decodeSnapshot}, and also returns the container's version and feature flags. */
export function decodeFile(file: Uint8Array, options: DecodeOptions = {}): DecodedFile {
  const resolved = resolveDecodeOptions(options);
  const { version, requiredFeatures, body, bodyOffset } = unframe(file, resolved);
  const snapshot = decodeBody(body, bodyOffset, { readerMinor: resolved.readerMinor, features: requiredFeatures });
  return { version, requiredFeatures, snapshot };
}
