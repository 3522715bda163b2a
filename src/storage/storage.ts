/**
 * The storage seam: every read, listing, write and delete of the library and
 * the CLI goes through this one asynchronous interface
 * ([spec](../../spec/ownership.md#the-storage-seam)). The local file system is
 * its first implementation ({@link LocalStorage}); object storage is meant to be
 * the second, so nothing here assumes that a stat is cheap or that a rename is
 * atomic, and the path and link rules are enforced here, once.
 *
 * A *location* is what the implementation calls a file or folder: a local path, or an `s3://bucket/key` location
 * of {@link S3Storage} ([spec](../../spec/ownership.md#object-storage-s3)); {@link storageFor} picks the
 * implementation for a location the user named.
 * Paths inside a snapshot are '/'-separated and relative to a root; they are
 * turned into locations only by {@link Storage.locate} and {@link Storage.resolve},
 * which check the [path rules](../../spec/format-v1.md#paths) first.
 */

import type { KsnapError } from "../errors.js";

/** What an entry is, seen without following a symbolic link. */
export type EntryKind = "file" | "folder" | "link" | "other";

/** One entry of a folder listing. */
export interface Entry {
  name: string;
  kind: EntryKind;
}

/** What storage says of one entry, without following a link. */
export interface EntryInfo {
  kind: EntryKind;
  /** Bytes; 0 for folders and links where storage says nothing else. */
  size: bigint;
  /** Last modification, milliseconds since the Unix epoch. */
  modifiedMs: number;
  /**
   * The physical file behind the name: `device:inode` on a local file system.
   * Two names with one identity are one file (a hard link). Undefined where
   * storage has no such notion.
   */
  identity?: string;
  /** For kind `other`: `a FIFO`, `a socket`, `a device`. */
  what?: string;
}

/**
 * Where a relative path under a root leads, found one segment at a time and
 * never through a symbolic link ([spec](../../spec/validation.md#path-safety)).
 */
export type Resolution =
  /** A regular file reached without any link. */
  | { status: "file"; location: string; info: EntryInfo }
  /** A segment is absent, or a folder on the path is a file. */
  | { status: "missing"; location: string; why: string }
  /** A segment is something other than a folder or a regular file (a folder at the end, a FIFO, a device). */
  | { status: "not-file"; location: string; info: EntryInfo }
  /**
   * A segment is a symbolic link. `linkAt` is the path up to and including it.
   * `target` is where the link leads once every link is followed (undefined when
   * it leads nowhere: `why` then says dangling or a loop); `outside` is true when
   * that is outside the real root; `targetInfo` describes the final target when
   * it exists. Nothing behind a link is ever opened.
   */
  | { status: "link"; location: string; linkAt: string; target?: string; outside: boolean; targetInfo?: EntryInfo; why: string }
  /** Storage failed (permission denied, I/O error). */
  | { status: "error"; location: string; why: string };

/** A file opened for positioned reads. */
export interface ReadHandle {
  /** The size when it was opened. */
  readonly size: bigint;
  readonly info: EntryInfo;
  /** Reads up to `length` bytes at `position` into `into[offset…]`; returns the number read (0 at the end). */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * What {@link Storage.openInRoot} found: the {@link Resolution} of the path and, when it is a regular file that the
 * storage could open in the same steps, the file already open (the caller closes it). Without a `handle`, a caller
 * that wants the bytes opens `resolution.location` with {@link Storage.open}.
 */
export interface OpenedInRoot {
  resolution: Resolution;
  handle?: ReadHandle;
}

/** A file to hash whole ({@link Storage.hashWholeFiles}): its path under the root, and the sizes its refs state. */
export interface WholeHashRequest {
  /** Relative to the root, '/'-separated; keeps the path rules. */
  path: string;
  /** The file is read and hashed only when its size is one of these; otherwise only its size is reported. */
  sizes: readonly bigint[];
}

/**
 * What became of a {@link WholeHashRequest}: `undefined` when the storage could not do it the quick way (a link, not
 * a regular file, missing, an error: the caller checks that file on its own, through {@link Storage.openInRoot}, and
 * words the finding); otherwise the file as it was opened, and when its size was wanted, the bytes read and their
 * XXH64 (`bytes` differs from `info.size` when the file changed while it was read).
 */
export type WholeHashResult = { info: EntryInfo; read?: { bytes: bigint; xxh64: bigint } } | undefined;

/** The answers of {@link Storage.hashWholeFiles}, by request index, each made when it is asked for. */
export interface WholeHashResults {
  readonly length: number;
  at(index: number): WholeHashResult;
}

/** How a read treats a symbolic link at the location itself. */
export interface ReadOptions {
  /**
   * Follow a link at the location: only for a path the user named on the command
   * line. Files found under a root or named by a snapshot are never read through
   * a link. Default false.
   */
  followLinks?: boolean;
  /**
   * The caller reads from the first byte on (hashing a whole file, reading it whole): object storage then starts
   * the transfer at open, one GET instead of a HEAD and a GET. A hint only; default false.
   */
  sequential?: boolean;
}

/**
 * A synchronous, atomic writer of one file: bytes go to a temporary file named
 * by {@link tempName}, made durable and renamed into place on `close`
 * ([spec](../../spec/ownership.md#temporary-files)).
 */
export interface AtomicWriter {
  write(bytes: Uint8Array): void;
  close(): void;
  /** Discards what was written. Never throws. */
  abort(): void;
}

/**
 * What a delete expects to find, as gc planned it: a file of another size, or modified at another time, has
 * changed since it was planned and is not deleted ([spec](../../spec/ownership.md#deleting)). Absent members are
 * not checked.
 */
export interface DeleteRequest {
  /** Relative to the root, '/'-separated. */
  path: string;
  size?: bigint;
  modifiedMs?: number;
}

/** What became of one {@link DeleteRequest}. */
export type DeleteResult =
  /** Deleted now, or already gone (`gone`): either way it is not there any more. */
  | { path: string; status: "deleted" | "gone" }
  /** Not deleted: storage failed, or the file changed since it was planned. A later run may delete it. */
  | { path: string; status: "failed"; error: Error }
  /** Refused (UNSAFE_PATH: a link, not a regular file): the tree is not what gc saw, and nothing after it was tried. */
  | { path: string; status: "refused"; error: Error };

/** The one interface through which ksnap touches storage. */
export interface Storage {
  /** The location of `relative` under `root`; UNSAFE_PATH when `relative` breaks the path rules. */
  locate(root: string, relative: string): string;
  /** The location of `name` in `folder` (a name taken from a listing). */
  child(folder: string, name: string): string;
  /** The folder holding `location`. */
  parent(location: string): string;
  /** The last segment of `location`. */
  baseName(location: string): string;
  /** `location` relative to `root`, '/'-separated; undefined when it is not inside `root`. */
  relativeTo(root: string, location: string): string | undefined;
  /**
   * `location` as the implementation names it absolutely: a local path resolved against the working folder; an
   * `s3://` location as it is (it is already absolute).
   */
  absolute(location: string): string;
  /** The canonical form of a root the user named (every link in it resolved). IO_ERROR when it does not exist. */
  realRoot(root: string): Promise<string>;
  /** What is at `location`, without following a link; undefined when nothing is. */
  info(location: string): Promise<EntryInfo | undefined>;
  /**
   * The error for a location the user named where {@link infoFollowing} found nothing (IO_ERROR naming it): a local
   * "no such file or folder", or S3's `NoSuchKey`.
   */
  missing(location: string): KsnapError;
  /** What is at `location`, following links (for paths the user named); undefined when nothing is. */
  infoFollowing(location: string): Promise<EntryInfo | undefined>;
  /** The entries of a folder, sorted by name in code-point order. IO_ERROR when it cannot be listed. */
  list(folder: string): Promise<Entry[]>;
  /** Where `relative` under `realRoot` (from {@link realRoot}) leads, never following a link. Never throws. */
  resolve(realRoot: string, relative: string): Promise<Resolution>;
  /**
   * Optional: {@link resolve}, and when `relative` is a regular file, that file opened for reading, in as few
   * requests as the storage allows. The same rules hold as for a resolve followed by an open: no link is followed on
   * any segment and only a regular file is read; a storage that cannot do both at once leaves `handle` out, or does
   * not implement this at all ({@link openInRoot} then resolves). Never throws.
   */
  openInRoot?(realRoot: string, relative: string): Promise<OpenedInRoot>;
  /**
   * Optional: size and XXH64 of many whole files under `root` (as the user named it) at once, under the rules of
   * {@link openInRoot} (no link on any segment, only regular files), off the calling thread where the storage can;
   * results in the order of `requests`. The work starts before this returns, so a caller may do other work while it
   * runs. `onBytes` is told of the bytes read as they are. Never rejects: a file it cannot do is `undefined`.
   */
  hashWholeFiles?(root: string, requests: readonly WholeHashRequest[], onBytes: (n: number) => void): Promise<WholeHashResults>;
  /** A whole regular file, refused (LIMIT_EXCEEDED) before reading when over `maxBytes`. IO_ERROR otherwise. */
  read(location: string, maxBytes: number, options?: ReadOptions): Promise<Uint8Array>;
  /** Opens a regular file for positioned reads; never blocks on a FIFO. IO_ERROR otherwise. */
  open(location: string, options?: ReadOptions): Promise<ReadHandle>;
  /**
   * Writes `bytes` atomically: temporary file, fsync of the file, rename, fsync of
   * the folder. Replaces only a regular file; writes through to a character
   * device (`/dev/null`); refuses a link or anything else (IO_ERROR).
   */
  write(location: string, bytes: Uint8Array): Promise<void>;
  /** The synchronous form of {@link write}, for writers whose API is synchronous by design. */
  writer(location: string): AtomicWriter;
  /** Creates a folder and its parents. */
  makeFolder(location: string): Promise<void>;
  /**
   * A new, empty folder of a unique name starting with `prefix`, in the place
   * this storage keeps scratch work (the system's temporary folder locally; a
   * scratch prefix on an object store). For work folders ksnap itself creates
   * and later removes with {@link removeTree}, such as the conformance runner's.
   */
  makeTempFolder(prefix: string): Promise<string>;
  /**
   * Removes `location` and everything under it; nothing when it is absent. A
   * link inside is removed, never followed. Only for a folder ksnap made with
   * {@link makeTempFolder}: user data is deleted one checked file at a time by
   * {@link deleteFile}.
   */
  removeTree(location: string): Promise<void>;
  /**
   * Deletes the file at `relative` under `realRoot`. The path is resolved again
   * just before the delete: it must be a regular file inside the root reached
   * without any link, otherwise UNSAFE_PATH and nothing is deleted. Returns false
   * when it was already gone.
   */
  deleteFile(realRoot: string, relative: string, expected?: Omit<DeleteRequest, "path">): Promise<boolean>;
  /**
   * Deletes many files as {@link deleteFile} would, each checked against what was planned, in as few requests as
   * the storage allows (S3: DeleteObjects of at most 1,000 keys). A failure is reported and the rest go on; a
   * refusal stops the run (the results end with it). Results are in the order of `requests`.
   */
  deleteFiles(realRoot: string, requests: readonly DeleteRequest[]): Promise<DeleteResult[]>;
  /** Removes the folder at `relative` under `realRoot` if it is empty and not a link; true when removed. */
  removeEmptyFolder(realRoot: string, relative: string): Promise<boolean>;
}

/**
 * {@link Storage.openInRoot} where the storage has it, otherwise its {@link Storage.resolve} alone (no handle): what
 * `relative` under `realRoot` is, never through a link, and perhaps the file already open.
 */
export async function openInRoot(storage: Storage, realRoot: string, relative: string): Promise<OpenedInRoot> {
  return storage.openInRoot !== undefined ? storage.openInRoot(realRoot, relative) : { resolution: await storage.resolve(realRoot, relative) };
}

/** `a folder`, `a FIFO`, `a symbolic link`, … for messages. */
export function describeKind(info: EntryInfo): string {
  if (info.kind === "folder") return "a folder";
  if (info.kind === "link") return "a symbolic link";
  if (info.kind === "file") return "a regular file";
  return info.what ?? "a special file";
}

/** Suffix of every temporary file ksnap writes ([spec](../../spec/ownership.md#temporary-files)). */
export const TEMP_SUFFIX = ".ksnap-tmp";

/**
 * Longest file name, in UTF-8 bytes, that the usual file systems (ext4, XFS, APFS,
 * NTFS in UTF-16 units) accept; a temporary name never exceeds it.
 */
export const MAX_NAME_BYTES = 255;

/**
 * The temporary name for a write to `name`: `.<name>.<12 hex digits>.ksnap-tmp`,
 * in the same folder ([spec](../../spec/ownership.md#temporary-files)). The 24 bytes
 * it adds would push a long name past {@link MAX_NAME_BYTES}, so `<name>` is cut
 * to its first whole characters that fit: the result still matches {@link isTempName}.
 */
export function tempName(name: string, random: string): string {
  const room = MAX_NAME_BYTES - (`..${random}${TEMP_SUFFIX}`).length;
  return `.${utf8Prefix(name, Math.max(room, 1))}.${random}${TEMP_SUFFIX}`;
}

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that ends on a whole character (at least one character). */
function utf8Prefix(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = ch.codePointAt(0)! < 0x80 ? 1 : ch.codePointAt(0)! < 0x800 ? 2 : ch.codePointAt(0)! < 0x10000 ? 3 : 4;
    if (bytes + n > maxBytes && end > 0) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

/** True when `name` is a temporary file name of {@link tempName}'s form. */
export function isTempName(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

// The s flag: a name may hold a newline.
const TEMP_PATTERN = /^\..+\.[0-9a-f]{12}\.ksnap-tmp$/s;
