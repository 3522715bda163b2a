/**
 * The error codes of file ownership ([spec](../../spec/ownership.md#errors)).
 * They are KsnapErrors like every other failure a user can cause, so the CLI
 * prints them in the same one-line form.
 */
import { KsnapError, type ErrorLocation } from "../errors.js";

/** The codes of `ERROR_CODES` (src/errors.ts) that ownership uses. */
export const REGISTRY_ERROR_CODES = [
  /** Two different files under one id or one path, or one snapshot id with two different contents. */
  "FILE_CONFLICT",
  /** A snapshot refers to a file that is not available to it: never uploaded, planned for deletion, user-owned, missing. */
  "DANGLING_REFERENCE",
  /** An operation the registry does not allow in its current state or for this snapshot. */
  "INVALID_OPERATION",
] as const;

/** One of {@link REGISTRY_ERROR_CODES}. */
export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

/** A KsnapError with an ownership code ([spec](../../spec/ownership.md#errors)). */
export function registryError(code: RegistryErrorCode, message: string, where: ErrorLocation = {}): KsnapError {
  return new KsnapError(code, message, where);
}
