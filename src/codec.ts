/**
 * The codec: a snapshot model to a canonical 1.0 file and back
 * ([spec](../spec/format-v1.md)).
 */
import { decodeBody } from "./body/decode-body.js";
import { encodeBody, estimateBodySize } from "./body/encode-body.js";
import { finishFrame, startFrame, unframe } from "./container/frame.js";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "./limits.js";
import type { FormatVersion, Snapshot } from "./model.js";

/** A decoded file: the snapshot and what the container declared. */
export interface DecodedFile {
  version: FormatVersion;
  requiredFeatures: number;
  snapshot: Snapshot;
}

/**
 * Encodes `snapshot` as a canonical format-1.0 file
 * ([spec](../spec/format-v1.md#canonical-encoding)).
 * @throws KsnapError MISSING_FIELD or INVALID_FIELD, naming the field.
 */
export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  return finishFrame(encodeBody(snapshot, startFrame(estimateBodySize(snapshot))));
}

/**
 * Decodes a KSNAP file of any 1.x version ([spec](../spec/format-v1.md#reading-a-file)).
 * @throws KsnapError and nothing else, whatever the input.
 */
export function decodeSnapshot(file: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Snapshot {
  return decodeFile(file, limits).snapshot;
}

/** Like {@link decodeSnapshot}, and also returns the container's version and feature flags. */
export function decodeFile(file: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedFile {
  const { version, requiredFeatures, body, bodyOffset } = unframe(file, limits);
  return { version, requiredFeatures, snapshot: decodeBody(body, bodyOffset) };
}
