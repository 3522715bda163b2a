/**
 * The adapter's own errors ([spec](../../spec/conformance.md#requests-and-responses)):
 * problems with a request rather than with a snapshot file, which have no
 * format-v1 error code. Errors about files stay KsnapErrors with their codes.
 */
import { isKsnapError } from "../../src/index.js";

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

/** An error class whose instances carry a protocol error code (AdapterError, a backend's own). */
export type CodedErrorClass = new (...args: never[]) => Error & { code: string };

/**
 * The response error of `e`: a KsnapError's code and message (the code is a field of its own, so the message says
 * where and what, not the code again), the code of an adapter's own error, or INTERNAL with the stack.
 */
export function errorOf(e: unknown, ...coded: readonly CodedErrorClass[]): { code: string; message: string } {
  if (isKsnapError(e)) return { code: e.code, message: e.describe(false) };
  if (e instanceof AdapterError || coded.some((c) => e instanceof c)) {
    const err = e as Error & { code: string };
    return { code: err.code, message: err.message };
  }
  return { code: "INTERNAL", message: e instanceof Error ? e.stack ?? e.message : String(e) };
}
