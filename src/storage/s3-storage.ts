/**
 * Object storage behind the storage seam, through the S3 API ([spec](../../spec/ownership.md#object-storage-s3)).
 * Locations are `s3://bucket/key`; a folder is a key prefix, listed once in full, page by page, into a compact
 * {@link KeyListing}. S3 has no
 * links, so nothing here is ever followed, but a key with an empty, '.' or '..' segment is not a path: a listing
 * that holds one is refused (UNSAFE_PATH) rather than read around. Sizes and modification times come from the
 * listings (one request per 1,000 objects) and are remembered for the run; a read or a delete asks HEAD again,
 * so it sees the object as it is now. Deletes go by DeleteObjects in batches of at most 1,000 keys, each key checked
 * by HEAD first against what gc planned and sent with the ETag that HEAD saw: a store that supports conditional
 * deletes (Amazon S3 does) then deletes it only if it is still that version, answering PreconditionFailed otherwise.
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { s3Sdk } from "./s3-sdk.js";
import { KsnapError } from "../errors.js";
import { forEachLimited } from "../validate/run-limited.js";
import { changedSincePlanned, failedDelete } from "./delete-check.js";
import { pathProblem } from "./paths.js";
import { readWhole } from "./read-whole.js";
import { KeyListing, wholeSeconds } from "./s3-listing.js";
import { isNotFound, s3Error } from "./s3-errors.js";
import { formatS3Location, keyProblem, parseS3Location, type S3Location } from "./s3-location.js";
import { type OpenedBody, s3ReadHandle } from "./s3-read-handle.js";
import type { AtomicWriter, DeleteRequest, DeleteResult, Entry, EntryInfo, ReadHandle, ReadOptions, Resolution, Storage } from "./storage.js";

/** Most keys one DeleteObjects request may name (the S3 API's limit). */
export const MAX_DELETE_BATCH = 1000;
/** HEAD requests in flight at once while a delete batch is checked. */
const HEAD_CONCURRENCY = 16;
/** Attempts of each request, the first included: throttling (503 SlowDown) and resets are retried with backoff. */
const MAX_ATTEMPTS = 6;

/** How to reach the store: an endpoint of an S3-compatible server, or a client made elsewhere (tests, embedders). */
export interface S3StorageOptions {
  /** `--endpoint`: an S3-compatible server's URL; path-style addressing is used with it. */
  endpoint?: string;
  /** A configured client; `endpoint` is ignored when given. */
  client?: S3Client;
  /** Keys per listing page (MaxKeys); S3's default of 1,000 when undefined. Small pages are for tests. */
  pageSize?: number;
}

/** The S3 client configuration ksnap uses: credentials and region from the SDK's standard sources. */
export function s3ClientConfig(endpoint: string | undefined): S3ClientConfig {
  const custom = endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return {
    // Recent SDKs add CRC32 checksums and aws-chunked uploads to every request, which S3-compatible stores often reject.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: MAX_ATTEMPTS,
    ...(custom === undefined ? {} : {
      // A custom endpoint rarely has a DNS name per bucket; its region is whatever it answers to.
      endpoint: custom, forcePathStyle: true, region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    }),
  };
}

/** Storage on one S3 endpoint; one instance serves every bucket there. */
export class S3Storage implements Storage {
  readonly client: S3Client;
  /**
   * Folders listed in full, kept compact ({@link KeyListing}): validation and gc read sizes and times from here, and
   * the subfolders of a listed folder are known without another request.
   */
  private readonly listings: KeyListing[] = [];
  /** Objects written or deleted by this run: what a listing said of them is out of date, so HEAD is asked. */
  private readonly stale = new Set<string>();
  private readonly pageSize: number | undefined;

  constructor(options: S3StorageOptions = {}) {
    this.client = options.client ?? new (s3Sdk().S3Client)(s3ClientConfig(options.endpoint));
    this.pageSize = options.pageSize;
  }

  locate(root: string, rel: string): string {
    const problem = pathProblem(rel);
    if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `path "${rel}" ${problem}`);
    return this.child(root, rel);
  }

  child(folder: string, name: string): string {
    const { bucket, key } = parseS3Location(folder);
    return formatS3Location(bucket, key === "" ? name : `${key}/${name}`);
  }

  parent(location: string): string {
    const { bucket, key } = parseS3Location(location);
    return formatS3Location(bucket, key.slice(0, Math.max(0, key.lastIndexOf("/"))));
  }

  baseName(location: string): string {
    const { bucket, key } = parseS3Location(location);
    return key === "" ? bucket : key.slice(key.lastIndexOf("/") + 1);
  }

  relativeTo(root: string, location: string): string | undefined {
    if (!location.startsWith("s3://")) return undefined;
    const r = parseS3Location(root);
    const l = parseS3Location(location);
    if (r.bucket !== l.bucket) return undefined;
    if (l.key === r.key) return "";
    if (r.key === "") return l.key;
    return l.key.startsWith(`${r.key}/`) ? l.key.slice(r.key.length + 1) : undefined;
  }

  absolute(location: string): string {
    const { bucket, key } = parseS3Location(location);
    return formatS3Location(bucket, key);
  }

  async realRoot(root: string): Promise<string> {
    const real = this.absolute(root);
    if (await this.info(real) === undefined) throw new KsnapError("IO_ERROR", "cannot read: no such object or prefix", { file: root });
    return real;
  }

  async info(location: string): Promise<EntryInfo | undefined> {
    const at = parseS3Location(location);
    if (at.key === "") return this.bucketInfo(location, at.bucket);
    const covered = this.stale.has(formatS3Location(at.bucket, at.key)) ? undefined : this.covering(at);
    const listed = covered?.listing.lookup(covered.rel);
    if (listed?.kind === "file") return { kind: "file", size: BigInt(listed.size), modifiedMs: listed.modifiedMs };
    if (listed?.kind === "folder") return FOLDER;
    return (await this.head(location, at)) ?? (await this.isPrefix(location, at) ? FOLDER : undefined);
  }

  missing(location: string): KsnapError {
    return new KsnapError("IO_ERROR", "cannot read: S3 NoSuchKey: no object, and no object under it as a prefix", { file: location });
  }

  async infoFollowing(location: string): Promise<EntryInfo | undefined> {
    return this.info(location); // S3 has no links
  }

  async list(folder: string): Promise<Entry[]> {
    const at = parseS3Location(folder);
    let covered = this.covering(at);
    if (covered === undefined) {
      const listing = await KeyListing.read(this.client, at.bucket, at.key, folder, this.pageSize);
      this.listings.push(listing);
      covered = { listing, rel: "" };
    }
    return covered.listing.entries(covered.rel);
  }

  /** The listing that covers `at` (a folder listed in full, or one above it) and `at` relative to it. */
  private covering(at: S3Location): { listing: KeyListing; rel: string } | undefined {
    for (const listing of this.listings) {
      const rel = listing.relative(at.bucket, at.key);
      if (rel !== undefined) return { listing, rel };
    }
    return undefined;
  }

  async resolve(realRoot: string, rel: string): Promise<Resolution> {
    const location = this.locate(realRoot, rel);
    try {
      const info = await this.info(location);
      if (info === undefined) return { status: "missing", location, why: "does not exist" };
      return info.kind === "file" ? { status: "file", location, info } : { status: "not-file", location, info };
    } catch (e) {
      return { status: "error", location, why: `cannot be resolved: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  async read(location: string, maxBytes: number): Promise<Uint8Array> {
    return readWhole(await this.open(location, { sequential: true }), location, maxBytes);
  }

  async open(location: string, options: ReadOptions = {}): Promise<ReadHandle> {
    const at = parseS3Location(location);
    // Read from the first byte on: one GET, whose headers say what HEAD would (half the requests of validate).
    const object = at.key === "" ? undefined : options.sequential === true ? await this.getWithTag(location, at) : await this.headWithTag(location, at);
    if (object === undefined) {
      if (at.key === "" || await this.isPrefix(location, at)) throw new KsnapError("IO_ERROR", "cannot read: a prefix (a folder), not an object", { file: location });
      throw new KsnapError("IO_ERROR", "cannot read: S3 NoSuchKey: no such object", { file: location });
    }
    return s3ReadHandle(this.client, { location, ...at, ...object });
  }

  async write(location: string, bytes: Uint8Array): Promise<void> {
    const { bucket, key } = parseS3Location(location);
    // A PUT is atomic on S3: readers see the old object or the whole new one, never a part.
    try {
      await this.client.send(new (s3Sdk().PutObjectCommand)({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
    } catch (e) {
      throw s3Error(e, "cannot write", location);
    }
    this.stale.add(formatS3Location(bucket, key));
  }

  writer(location: string): AtomicWriter {
    throw new KsnapError("INVALID_OPERATION", "this command writes local files only, not to object storage", { file: location });
  }

  async makeFolder(): Promise<void> {
    // A prefix exists as soon as an object under it does.
  }

  async makeTempFolder(prefix: string): Promise<string> {
    throw new KsnapError("INVALID_OPERATION", "scratch folders are local only", { file: prefix });
  }

  async removeTree(location: string): Promise<void> {
    throw new KsnapError("INVALID_OPERATION", "ksnap removes whole trees only from its own local scratch folders", { file: location });
  }

  async deleteFile(realRoot: string, rel: string, expected: Omit<DeleteRequest, "path"> = {}): Promise<boolean> {
    const [result] = await this.deleteFiles(realRoot, [{ path: rel, ...expected }]);
    if (result!.status === "failed" || result!.status === "refused") throw result!.error;
    return result!.status === "deleted";
  }

  async deleteFiles(realRoot: string, requests: readonly DeleteRequest[]): Promise<DeleteResult[]> {
    const out: DeleteResult[] = [];
    for (let i = 0; i < requests.length; i += MAX_DELETE_BATCH) {
      const batch = requests.slice(i, i + MAX_DELETE_BATCH);
      // A path breaking the path rules is refused before any request, and nothing after it is tried.
      const refused = batch.findIndex((r) => pathProblem(r.path) !== undefined);
      const safe = refused < 0 ? batch : batch.slice(0, refused);
      out.push(...await this.deleteBatch(realRoot, safe));
      if (refused >= 0) {
        out.push(failedDelete(batch[refused]!.path, new KsnapError("UNSAFE_PATH", `refused to delete "${batch[refused]!.path}": ${pathProblem(batch[refused]!.path)}`)));
        break;
      }
    }
    return out;
  }

  async removeEmptyFolder(): Promise<boolean> {
    return false; // S3 has no folders: a prefix is gone with its last object
  }

  /** One DeleteObjects request for the keys of `batch` that HEAD finds unchanged since they were planned. */
  private async deleteBatch(realRoot: string, batch: readonly DeleteRequest[]): Promise<DeleteResult[]> {
    const results: (DeleteResult | undefined)[] = new Array(batch.length);
    const keys = new Map<string, number>();
    // The ETag HEAD saw, sent with the key: S3 then deletes the object only if it is still that version (a
    // conditional delete), which closes the window between this check and the delete where the store honours it.
    const etags = new Map<string, string>();
    const root = parseS3Location(realRoot);
    await forEachLimited(batch, HEAD_CONCURRENCY, async ({ path, ...expected }, i) => {
      const location = this.locate(realRoot, path);
      const at = parseS3Location(location);
      try {
        const now = await this.headWithTag(location, at);
        if (now === undefined) {
          results[i] = { path, status: "gone" };
          return;
        }
        const changed = changedSincePlanned(expected, now.info);
        if (changed !== undefined) throw new KsnapError("IO_ERROR", changed, { file: location });
        keys.set(at.key, i);
        if (now.etag !== undefined) etags.set(at.key, now.etag);
      } catch (e) {
        results[i] = failedDelete(path, s3Error(e, "cannot delete", location));
      }
    });
    if (keys.size > 0) {
      try {
        const out = await this.client.send(new (s3Sdk().DeleteObjectsCommand)({
          Bucket: root.bucket, Delete: { Objects: [...keys.keys()].map((Key) => (etags.has(Key) ? { Key, ETag: etags.get(Key)! } : { Key })), Quiet: false },
        }));
        for (const d of out.Deleted ?? []) {
          const i = keys.get(d.Key!);
          if (i !== undefined) results[i] = { path: batch[i]!.path, status: "deleted" };
        }
        for (const err of out.Errors ?? []) {
          const i = keys.get(err.Key!);
          if (i === undefined) continue;
          const location = formatS3Location(root.bucket, err.Key!);
          const why = err.Code === "PreconditionFailed"
            ? "not deleted: the object changed after it was checked (S3 PreconditionFailed on its ETag)"
            : `cannot delete: S3 ${err.Code ?? "unknown"}${err.Message ? `: ${err.Message}` : ""}`;
          results[i] = { path: batch[i]!.path, status: "failed", error: new KsnapError("IO_ERROR", why, { file: location }) };
        }
      } catch (e) {
        for (const [key, i] of keys) results[i] = failedDelete(batch[i]!.path, s3Error(e, "cannot delete", formatS3Location(root.bucket, key)));
      }
      for (const [key, i] of keys) {
        this.stale.add(formatS3Location(root.bucket, key));
        // A key DeleteObjects named in neither list: say so rather than count it deleted.
        results[i] ??= { path: batch[i]!.path, status: "failed", error: new KsnapError("IO_ERROR", "cannot delete: S3 answered nothing for this key", { file: formatS3Location(root.bucket, key) }) };
      }
    }
    return results.map((r) => r!);
  }

  /** HEAD of an object now (never from a listing); undefined when there is none. */
  private async head(location: string, at: S3Location): Promise<EntryInfo | undefined> {
    return (await this.headWithTag(location, at))?.info;
  }

  private async headWithTag(location: string, at: S3Location): Promise<{ info: EntryInfo; etag: string | undefined } | undefined> {
    try {
      const out = await this.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: at.bucket, Key: at.key }));
      return { info: { kind: "file", size: BigInt(out.ContentLength ?? 0), modifiedMs: wholeSeconds(out.LastModified) }, etag: out.ETag };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw s3Error(e, "cannot read", location);
    }
  }

  /** A GET of the whole object, its body left unread for the handle; undefined when there is none. */
  private async getWithTag(location: string, at: S3Location): Promise<{ info: EntryInfo; etag: string | undefined; body: OpenedBody } | undefined> {
    try {
      const out = await this.client.send(new (s3Sdk().GetObjectCommand)({ Bucket: at.bucket, Key: at.key }));
      const body = out.Body as OpenedBody | undefined;
      if (body === undefined) throw new KsnapError("IO_ERROR", "cannot read: the GET returned no body", { file: location });
      return { info: { kind: "file", size: BigInt(out.ContentLength ?? 0), modifiedMs: wholeSeconds(out.LastModified) }, etag: out.ETag, body };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw s3Error(e, "cannot read", location);
    }
  }

  /** True when some object's key starts with `<key>/`: the prefix is a folder. NoSuchBucket and the like are thrown. */
  private async isPrefix(location: string, at: S3Location): Promise<boolean> {
    try {
      const out = await this.client.send(new (s3Sdk().ListObjectsV2Command)({ Bucket: at.bucket, Prefix: `${at.key}/`, MaxKeys: 1 }));
      return (out.KeyCount ?? out.Contents?.length ?? 0) > 0;
    } catch (e) {
      throw s3Error(e, "cannot list", location);
    }
  }

  private async bucketInfo(location: string, bucket: string): Promise<EntryInfo | undefined> {
    try {
      await this.client.send(new (s3Sdk().HeadBucketCommand)({ Bucket: bucket }));
      return FOLDER;
    } catch (e) {
      if (isNotFound(e)) throw new KsnapError("IO_ERROR", `cannot read: S3 NoSuchBucket: no bucket "${bucket}"`, { file: location });
      throw s3Error(e, "cannot read", location);
    }
  }
}

const FOLDER: EntryInfo = { kind: "folder", size: 0n, modifiedMs: 0 };
