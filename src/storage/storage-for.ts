/**
 * The one place that chooses the storage for a location a user named
 * ([spec](../../spec/ownership.md#object-storage-s3)): `s3://bucket/prefix` is object storage through the S3 API,
 * anything else the local file system. Commands ask here and never look at the scheme themselves.
 */
import { LOCAL_STORAGE } from "./local-storage.js";
import { isS3Location } from "./s3-location.js";
import type { S3Client } from "@aws-sdk/client-s3";
import { s3Sdk } from "./s3-sdk.js";
import { s3ClientConfig, S3Storage } from "./s3-storage.js";
import type { Storage } from "./storage.js";

/** How to reach object storage: `--endpoint` for an S3-compatible server; otherwise the SDK's standard sources. */
export interface StorageChoice {
  endpoint?: string;
}

// One client per endpoint for the process, so connections are reused; but a new storage per call, so that what one
// command's listings said is never taken for true by the next command.
const clients = new Map<string, S3Client>();

/** The storage that holds `location`: a new {@link S3Storage} for `s3://`, {@link LOCAL_STORAGE} otherwise. */
export function storageFor(location: string, choice: StorageChoice = {}): Storage {
  if (!isS3Location(location)) return LOCAL_STORAGE;
  const key = choice.endpoint ?? "";
  let client = clients.get(key);
  if (client === undefined) {
    client = new (s3Sdk().S3Client)(s3ClientConfig(choice.endpoint));
    clients.set(key, client);
  }
  return new S3Storage({ client });
}
