/**
 * The adapter's own errors ([spec](../../spec/conformance.md#requests-and-responses)):
 * problems with a request rather than with a snapshot file, which have no
 * format-v1 error code. Errors about files stay KsnapErrors with their codes.
 */

/** Codes of errors that are the adapter's own, not format-v1's. */
export type AdapterErrorCode = "BAD_REQUEST" | "UNKNOWN_SESSION" | "UNSUPPORTED" | "INTERNAL";

/** A request the adapter refuses for a reason of its own (a missing parameter, an unknown session). */
export class AdapterError extends Error {
  readonly code: AdapterErrorCode;

  constructor(code: AdapterErrorCode, message: string) {
    super(message);
    this.name = "AdapterError";
    this.code = code;
  }
}
