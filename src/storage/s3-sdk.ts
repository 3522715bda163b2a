/**
 * The AWS SDK's S3 client, loaded on first use ([spec](../../spec/ownership.md#object-storage-s3)). Loading it takes
 * ~0.3 s, more than the rest of the CLI together, and only `s3://` locations need it: a command on local files must
 * not pay for it. The package is CommonJS (its `main`), so a synchronous `require` keeps every caller synchronous.
 */
import { createRequire } from "node:module";
import type * as S3Sdk from "@aws-sdk/client-s3";

let sdk: typeof S3Sdk | undefined;

/** The `@aws-sdk/client-s3` module, required the first time an S3 location is used. */
export function s3Sdk(): typeof S3Sdk {
  sdk ??= createRequire(import.meta.url)("@aws-sdk/client-s3") as typeof S3Sdk;
  return sdk;
}
