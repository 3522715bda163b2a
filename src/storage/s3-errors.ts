/**
 * What an S3 failure says to a user ([spec](../../spec/ownership.md#object-storage-s3)): one IO_ERROR naming the
 * object and the S3 error code (`NoSuchBucket`, `AccessDenied`, `SlowDown`), or the network error when the endpoint
 * could not be reached, after the SDK's retries.
 */
import { KsnapError } from "../errors.js";

/** The S3 error code of an SDK error (`NoSuchKey`, `AccessDenied`), or the network error code (`ECONNREFUSED`). */
export function s3ErrorCode(e: unknown): string {
  const err = e as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = err?.$metadata?.httpStatusCode;
  // A HEAD response has no body, so the SDK names its error after the status: say the S3 code it stands for.
  if (err?.name === "NotFound" || (err?.name === "Unknown" && status === 404)) return "NotFound";
  if (err?.name === "Forbidden" || (err?.name === "Unknown" && status === 403)) return "AccessDenied";
  return err?.Code ?? err?.code ?? (err?.name !== undefined && err.name !== "Error" ? err.name : status !== undefined ? `HTTP ${status}` : "unknown");
}

/** True when S3 answered that the object (or the bucket) is not there. */
export function isNotFound(e: unknown): boolean {
  const code = s3ErrorCode(e);
  return code === "NotFound" || code === "NoSuchKey";
}

/** The IO_ERROR for a failed S3 request about `location`: `<doing>: S3 <code>: <message>`. */
export function s3Error(e: unknown, doing: string, location: string): KsnapError {
  if (e instanceof KsnapError) return e;
  const code = s3ErrorCode(e);
  const raw = e instanceof Error ? e.message : String(e);
  const message = raw === "" || raw === code || raw === "UnknownError" ? "" : `: ${raw.split("\n")[0]}`;
  return new KsnapError("IO_ERROR", `${doing}: S3 ${code}${message}`, { file: location });
}
