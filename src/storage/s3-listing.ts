/**
 * One flat listing of an S3 prefix, kept compact ([spec](../../spec/ownership.md#object-storage-s3)): the listing is
 * read page by page (ListObjectsV2, at most 1,000 keys a page) and of each object only its key relative to the
 * prefix, its size and its LastModified are kept, the key copied out of the page, so that no response object, XML
 * text or parse tree of a page outlives it. The keys are held sorted in code-point order (S3's own order, UTF-8
 * bytes), which makes every folder a contiguous run of keys: a folder's entries, an object's size and time, and
 * whether a prefix is a folder are all binary searches, and no map per folder or per object is built.
 *
 * That is what validation and gc need of every object of a root (each one is a referenced file or an orphan
 * candidate, whose size and time the plan reports): about the key's own length plus 16 bytes per object, where
 * the local file system's walk keeps the same relative path.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { s3Sdk } from "./s3-sdk.js";
import { compareCodePoints } from "../body/canonical-order.js";
import { KsnapError } from "../errors.js";
import { s3Error } from "./s3-errors.js";
import { keyProblem } from "./s3-location.js";
import type { Entry } from "./storage.js";

/** What a listing says of a path under its prefix. */
export type Listed =
  | { kind: "file"; size: number; modifiedMs: number }
  | { kind: "folder" };

/** Every key under one prefix, as one listing saw it. */
export class KeyListing {
  private constructor(
    readonly bucket: string,
    /** The listed prefix, without its trailing '/' ("" for the whole bucket). */
    readonly key: string,
    /** Keys relative to the prefix, sorted in code-point order. */
    private readonly keys: readonly string[],
    private readonly sizes: Float64Array,
    /** Milliseconds since the epoch, whole seconds. */
    private readonly times: Float64Array,
    /** Folders stood for by folder markers (zero-byte keys ending in '/'), relative, sorted. */
    private readonly markers: readonly string[],
  ) {}

  /**
   * Lists every key under `key` without a delimiter (one request per page, whatever the depth: a listing per folder
   * would cost one request per `chk-<n>/`). `pageSize` is the MaxKeys of each request (S3's default, 1,000, when
   * undefined). IO_ERROR when a page cannot be read; UNSAFE_PATH when a key under it is not a path.
   */
  static async read(client: S3Client, bucket: string, key: string, folder: string, pageSize?: number): Promise<KeyListing> {
    const prefix = key === "" ? "" : `${key}/`;
    const keys: string[] = [];
    const sizes: number[] = [];
    const times: number[] = [];
    const markers: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await client.send(new (s3Sdk().ListObjectsV2Command)({
          Bucket: bucket, Prefix: prefix, ...(pageSize === undefined ? {} : { MaxKeys: pageSize }), ...(token ? { ContinuationToken: token } : {}),
        }));
      } catch (e) {
        throw s3Error(e, "cannot list", folder);
      }
      for (const o of page.Contents ?? []) {
        // A folder marker (a zero-byte key ending in '/', as consoles make) stands for its prefix, not for a file.
        const marker = o.Key!.endsWith("/");
        const rel = o.Key!.slice(prefix.length, marker ? -1 : undefined);
        if (rel === "") continue;
        const problem = keyProblem(rel);
        if (problem !== undefined) {
          throw new KsnapError("UNSAFE_PATH", `the listing holds the key "${o.Key}", which ${problem}: it is not a path, and ksnap does not work around it`,
            { file: `s3://${bucket}/${o.Key}` });
        }
        if (marker) {
          markers.push(detached(rel));
          continue;
        }
        keys.push(detached(rel));
        sizes.push(o.Size ?? 0);
        times.push(wholeSeconds(o.LastModified));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    // S3 lists in UTF-8 byte order, which is code-point order; a compatible server may not (s3rver walks folders).
    const order = Array.from(keys.keys());
    if (!isSorted(keys)) order.sort((a, b) => compareCodePoints(keys[a]!, keys[b]!));
    return new KeyListing(bucket, key, order.map((i) => keys[i]!), Float64Array.from(order, (i) => sizes[i]!),
      Float64Array.from(order, (i) => times[i]!), markers.sort(compareCodePoints));
  }

  /** `key` (of this bucket) relative to the listed prefix; undefined when the listing does not cover it. */
  relative(bucket: string, key: string): string | undefined {
    if (bucket !== this.bucket) return undefined;
    if (key === this.key || this.key === "") return key === this.key ? "" : key;
    return key.startsWith(`${this.key}/`) ? key.slice(this.key.length + 1) : undefined;
  }

  /** What the listing says of `rel`: an object, a folder (keys under it), or nothing it saw. */
  lookup(rel: string): Listed | undefined {
    if (rel !== "") {
      const i = lowerBound(this.keys, rel);
      if (this.keys[i] === rel) return { kind: "file", size: this.sizes[i]!, modifiedMs: this.times[i]! };
    }
    const under = rel === "" ? "" : `${rel}/`;
    const k = this.keys[lowerBound(this.keys, under)];
    const m = this.markers[lowerBound(this.markers, under)];
    if (k?.startsWith(under) === true || m?.startsWith(under) === true || this.markers[lowerBound(this.markers, rel)] === rel) return { kind: "folder" };
    return undefined;
  }

  /** The entries of the folder `rel`, sorted by name in code-point order; a name that is a folder too is a folder. */
  entries(rel: string): Entry[] {
    const under = rel === "" ? "" : `${rel}/`;
    const kinds = new Map<string, Entry["kind"]>();
    for (const list of [this.keys, this.markers]) {
      for (let i = lowerBound(list, under); i < list.length && list[i]!.startsWith(under);) {
        const rest = list[i]!.slice(under.length);
        const slash = rest.indexOf("/");
        if (slash < 0) {
          // A folder marker named like an object still makes the name a folder, as keys under it would.
          if (list === this.markers) kinds.set(rest, "folder");
          else if (!kinds.has(rest)) kinds.set(rest, "file");
          i++;
          continue;
        }
        const name = rest.slice(0, slash);
        kinds.set(name, "folder");
        // Every key under `name/` sorts before `name0` ('0' follows '/'): skip the whole subfolder at once.
        i = lowerBound(list, `${under}${name}0`);
      }
    }
    return [...kinds].map(([name, kind]) => ({ name, kind })).sort((a, b) => compareCodePoints(a.name, b.name));
  }
}

/**
 * A LastModified in milliseconds, cut to whole seconds: HEAD says it to the second (an HTTP date) while a listing may
 * add milliseconds, and the time a listing gave must compare equal to the time HEAD gives for the same object.
 */
export function wholeSeconds(date: Date | undefined): number {
  return date === undefined ? 0 : Math.floor(date.getTime() / 1000) * 1000;
}

/**
 * A copy of `s` that shares no memory with the string it was cut from. A key parsed from a page is a slice of the
 * page's XML text, and V8 keeps a slice's whole parent alive: kept as is, every key would keep its page.
 */
function detached(s: string): string {
  return (` ${s}`).slice(1);
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (compareCodePoints(keys[i - 1]!, keys[i]!) > 0) return false;
  return true;
}

/** The first index of sorted `list` whose element is not below `s`. */
function lowerBound(list: readonly string[], s: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCodePoints(list[mid]!, s) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
