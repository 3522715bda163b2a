/**
 * `s3://bucket/prefix` locations ([spec](../../spec/ownership.md#object-storage-s3)): the form in which a user names
 * an object or a prefix, and in which the S3 storage names everything it returns. A folder is a key prefix (without
 * its trailing '/'); the bucket alone is the top folder.
 */
import { KsnapError } from "../errors.js";

/** The scheme of object-storage locations. */
export const S3_SCHEME = "s3://";

/** A bucket and a key (or prefix), the key without a leading or trailing '/'. */
export interface S3Location {
  bucket: string;
  key: string;
}

/** True when `location` names object storage rather than a local path. */
export function isS3Location(location: string): boolean {
  return location.startsWith(S3_SCHEME);
}

/**
 * The bucket and key of `location`. A trailing '/' is dropped (`s3://b/p/` is the prefix `p`). UNSAFE_PATH when the
 * key has an empty, '.' or '..' segment: on S3 such a key is not a path, and ksnap never reads or deletes one.
 */
export function parseS3Location(location: string): S3Location {
  if (!isS3Location(location)) throw new KsnapError("INVALID_OPERATION", "not an s3:// location", { file: location });
  const rest = location.slice(S3_SCHEME.length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? "" : rest.slice(slash + 1).replace(/\/$/, "");
  if (bucket === "") throw new KsnapError("UNSAFE_PATH", "an s3:// location names no bucket", { file: location });
  const problem = keyProblem(key);
  if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `the key ${problem}; ksnap reads and deletes only keys that are paths`, { file: location });
  return { bucket, key };
}

/** `s3://bucket/key` (`s3://bucket` for the empty key). */
export function formatS3Location(bucket: string, key: string): string {
  return key === "" ? `${S3_SCHEME}${bucket}` : `${S3_SCHEME}${bucket}/${key}`;
}

/** Why `key` is not a '/'-separated path (an empty, '.' or '..' segment, NUL), or undefined; `""` is the bucket's top. */
export function keyProblem(key: string): string | undefined {
  if (key === "") return undefined;
  if (key.includes("\0")) return "contains NUL";
  for (const segment of key.split("/")) {
    if (segment === "") return "has an empty segment ('//' or a leading '/')";
    if (segment === "." || segment === "..") return `has a '${segment}' segment`;
  }
  return undefined;
}
