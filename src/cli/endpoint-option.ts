/**
 * `--endpoint URL` of every command that reads or cleans snapshots (README, "Object storage";
 * [spec](../../spec/ownership.md#object-storage-s3)): the URL of an S3-compatible server for `s3://` locations.
 * Credentials and region come from the AWS SDK's standard sources (environment, shared config and credentials files).
 */
import type { Command } from "commander";
import type { StorageChoice } from "../storage/storage-for.js";

/** Adds `--endpoint <url>` to `cmd`. */
export function addEndpointOption(cmd: Command): Command {
  return cmd.option("--endpoint <url>", "for s3:// locations: the URL of an S3-compatible server (path-style addressing); " +
    "default: the SDK's (AWS_ENDPOINT_URL_S3, or AWS itself)");
}

/** The storage choice out of a command's parsed options. */
export function storageChoice(opts: { endpoint?: string }): StorageChoice {
  return opts.endpoint === undefined ? {} : { endpoint: opts.endpoint };
}
