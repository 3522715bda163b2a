/**
 * The RocksDB backend's own errors ([spec](../../../spec/conformance.md#requests-and-responses)):
 * failures of the engine or of its helper process, which have no format-v1
 * error code. Problems with a snapshot file stay KsnapErrors with their codes,
 * and problems with a request AdapterErrors.
 */

/** Codes of errors that are the RocksDB backend's own. */
export type RocksErrorCode =
  /** RocksDB returned a Status that is not ok; the message is the Status. */
  | "ENGINE_ERROR"
  /** The helper program cannot be built or started, or it exited. */
  | "HELPER_UNAVAILABLE"
  /** The helper answered something that is not a reply of its protocol. */
  | "HELPER_PROTOCOL";

/** A failure of the engine or of the helper process. */
export class RocksError extends Error {
  readonly code: RocksErrorCode;

  constructor(code: RocksErrorCode, message: string) {
    super(message);
    this.name = "RocksError";
    this.code = code;
  }
}
