/**
 * The local file system behind the storage seam ([spec](../../spec/ownership.md#the-storage-seam)).
 * Every `node:fs` call of the library and the CLI is in this folder. Files are
 * opened with `O_NOFOLLOW` (unless the user named the path) and `O_NONBLOCK`
 * (a FIFO never hangs an open), and checked to be regular files before a byte
 * is read; paths under a root are walked one segment at a time with `lstat`,
 * so a symbolic link is seen, never followed.
 */
import { constants, lstatSync, type BigIntStats } from "node:fs";
import { lstat, mkdir, mkdtemp, open, readdir, realpath, rm, rmdir, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { compareCodePoints } from "../body/canonical-order.js";
import { KsnapError } from "../errors.js";
import { errnoText, ioError } from "./errno.js";
import { LocalAtomicWriter, writeAtomically } from "./local-atomic-write.js";
import { pathProblem } from "./paths.js";
import { readWhole } from "./read-whole.js";
import { descriptorHandle, openDirect } from "./local-open-direct.js";
import { toInfo } from "./local-info.js";
import { hashInWorkers } from "./local-hash-pool.js";
import { changedSincePlanned, failedDelete } from "./delete-check.js";
import {
  describeKind, type AtomicWriter, type DeleteRequest, type DeleteResult, type Entry, type EntryInfo, type ReadHandle,
  type OpenedInRoot, type ReadOptions, type Resolution, type Storage, type WholeHashRequest, type WholeHashResults,
} from "./storage.js";

const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** The local file system. Stateless: one instance serves every root. */
export class LocalStorage implements Storage {
  locate(root: string, rel: string): string {
    const problem = pathProblem(rel);
    if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `path "${rel}" ${problem}`);
    return join(root, ...rel.split("/"));
  }

  child(folder: string, name: string): string {
    return join(folder, name);
  }

  parent(location: string): string {
    return dirname(location);
  }

  baseName(location: string): string {
    return basename(location);
  }

  relativeTo(root: string, location: string): string | undefined {
    const rel = relative(root, location);
    if (rel === "") return "";
    if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
    return rel.split(sep).join("/");
  }

  absolute(location: string): string {
    return resolve(location);
  }

  async realRoot(root: string): Promise<string> {
    try {
      return await realpath(root);
    } catch (e) {
      throw ioError(e, "cannot read", root);
    }
  }

  async info(location: string): Promise<EntryInfo | undefined> {
    return infoOf(location, lstat);
  }

  missing(location: string): KsnapError {
    return new KsnapError("IO_ERROR", "cannot read: no such file or folder", { file: location });
  }

  async infoFollowing(location: string): Promise<EntryInfo | undefined> {
    return infoOf(location, stat);
  }

  async list(folder: string): Promise<Entry[]> {
    let dirents;
    try {
      dirents = await readdir(folder, { withFileTypes: true });
    } catch (e) {
      throw ioError(e, "cannot list", folder);
    }
    return dirents
      .map((d) => ({ name: d.name, kind: d.isSymbolicLink() ? "link" : d.isDirectory() ? "folder" : d.isFile() ? "file" : "other" } as Entry))
      .sort((a, b) => compareCodePoints(a.name, b.name));
  }

  async resolve(realRoot: string, rel: string): Promise<Resolution> {
    const location = this.locate(realRoot, rel);
    const segments = rel.split("/");
    let current = realRoot;
    for (const [i, segment] of segments.entries()) {
      current = join(current, segment);
      let st: BigIntStats;
      try {
        // Synchronous: an lstat of a local path takes microseconds, a round trip through the thread pool several times that.
        st = lstatSync(current, { bigint: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return { status: "missing", location, why: "does not exist" };
        if (code === "ENOTDIR") return { status: "missing", location, why: "does not exist (a folder on its path is a file)" };
        return { status: "error", location, why: `cannot be resolved: ${errnoText(e)}` };
      }
      if (st.isSymbolicLink()) return linkResolution(realRoot, location, segments.slice(0, i + 1).join("/"), current);
      const last = i === segments.length - 1;
      if (last) return st.isFile() ? { status: "file", location, info: toInfo(st) } : { status: "not-file", location, info: toInfo(st) };
      if (!st.isDirectory()) return { status: "missing", location, why: "does not exist (a folder on its path is a file)" };
    }
    throw new Error("internal: a path has at least one segment");
  }

  /**
   * On Linux, one `open` with `O_NOFOLLOW`, an `fstat` and a `readlink` of `/proc/self/fd/N` prove that the file is a
   * regular file reached without any link ({@link openDirect}); otherwise, or when that fails for any reason, the
   * segment-by-segment {@link resolve}, and no handle.
   */
  async openInRoot(realRoot: string, rel: string): Promise<OpenedInRoot> {
    const location = this.locate(realRoot, rel);
    const direct = openDirect(location);
    if (direct === undefined) return { resolution: await this.resolve(realRoot, rel) };
    const info = toInfo(direct.st);
    return { resolution: { status: "file", location, info }, handle: descriptorHandle(direct.fd, info, location) };
  }

  /** In worker threads ({@link hashInWorkers}), each file opened as {@link openInRoot} opens it. */
  hashWholeFiles(root: string, requests: readonly WholeHashRequest[], onBytes: (n: number) => void): Promise<WholeHashResults> {
    return hashInWorkers(root, requests, onBytes);
  }

  async read(location: string, maxBytes: number, options: ReadOptions = {}): Promise<Uint8Array> {
    return readWhole(await this.open(location, options), location, maxBytes);
  }

  async open(location: string, options: ReadOptions = {}): Promise<ReadHandle> {
    let fh;
    try {
      fh = await open(location, READ_FLAGS | (options.followLinks ? 0 : NO_FOLLOW));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ELOOP" && !options.followLinks) {
        throw new KsnapError("UNSAFE_PATH", "cannot read: it is a symbolic link, which ksnap does not follow here", { file: location });
      }
      throw ioError(e, "cannot read", location);
    }
    try {
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) throw new KsnapError("IO_ERROR", `cannot read: ${describeKind(toInfo(st))}, not a regular file`, { file: location });
      const info = toInfo(st);
      const file = fh;
      return {
        size: st.size,
        info,
        async read(into, offset, length, position) {
          try {
            return (await file.read(into, offset, length, position)).bytesRead;
          } catch (e) {
            throw ioError(e, "cannot read", location);
          }
        },
        close: () => file.close(),
      };
    } catch (e) {
      await fh.close();
      throw ioError(e, "cannot read", location);
    }
  }

  async write(location: string, bytes: Uint8Array): Promise<void> {
    await writeAtomically(location, bytes);
  }

  writer(location: string): AtomicWriter {
    return new LocalAtomicWriter(location);
  }

  async makeFolder(location: string): Promise<void> {
    try {
      await mkdir(location, { recursive: true });
    } catch (e) {
      throw ioError(e, "cannot create the folder", location);
    }
  }

  async makeTempFolder(prefix: string): Promise<string> {
    try {
      return await mkdtemp(join(tmpdir(), prefix));
    } catch (e) {
      throw ioError(e, "cannot create the folder", join(tmpdir(), prefix));
    }
  }

  async removeTree(location: string): Promise<void> {
    try {
      await rm(location, { recursive: true, force: true });
    } catch (e) {
      throw ioError(e, "cannot remove", location);
    }
  }

  async deleteFile(realRoot: string, rel: string, expected: Omit<DeleteRequest, "path"> = {}): Promise<boolean> {
    const r = await this.resolve(realRoot, rel);
    if (r.status === "missing") return false;
    if (r.status !== "file") {
      const why = r.status === "link" ? `"${r.linkAt}" is a symbolic link` : r.status === "not-file" ? `it is ${describeKind(r.info)}` : r.why;
      throw new KsnapError("UNSAFE_PATH", `refused to delete "${rel}": ${why}; only a regular file inside the root reached without links is deleted`, { file: r.location });
    }
    const changed = changedSincePlanned(expected, r.info);
    if (changed !== undefined) throw new KsnapError("IO_ERROR", changed, { file: r.location });
    try {
      await unlink(r.location);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw ioError(e, "cannot delete", r.location);
    }
  }

  async deleteFiles(realRoot: string, requests: readonly DeleteRequest[]): Promise<DeleteResult[]> {
    // One file at a time: a local delete is one system call, and a refusal must stop before the next one.
    const out: DeleteResult[] = [];
    for (const { path, ...expected } of requests) {
      try {
        out.push({ path, status: await this.deleteFile(realRoot, path, expected) ? "deleted" : "gone" });
      } catch (e) {
        out.push(failedDelete(path, e));
        if (out.at(-1)!.status === "refused") break;
      }
    }
    return out;
  }

  async removeEmptyFolder(realRoot: string, rel: string): Promise<boolean> {
    // Resolved like a delete, segment by segment: a folder reached through a link is never removed.
    const r = await this.resolve(realRoot, rel);
    if (r.status !== "not-file" || r.info.kind !== "folder") return false;
    try {
      await rmdir(r.location);
      return true;
    } catch {
      // Not empty (a kept file, an orphan within its grace period) or already gone.
      return false;
    }
  }
}

/** The file system as ksnap uses it by default. */
export const LOCAL_STORAGE: Storage = new LocalStorage();


async function infoOf(location: string, how: typeof lstat): Promise<EntryInfo | undefined> {
  try {
    return toInfo(await how(location, { bigint: true }));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw ioError(e, "cannot read", location);
  }
}

async function linkResolution(realRoot: string, location: string, linkAt: string, linkLocation: string): Promise<Resolution> {
  let target: string;
  try {
    target = await realpath(location);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ELOOP" ? "a loop of symbolic links" : code === "ENOENT" || code === "ENOTDIR" ? "a symbolic link to nothing (dangling)" : errnoText(e);
    const partial = await realpath(linkLocation).catch(() => undefined);
    const outside = partial !== undefined && !isInside(realRoot, partial);
    return { status: "link", location, linkAt, outside, why };
  }
  const targetInfo = await infoOf(target, stat).catch(() => undefined);
  const outside = !isInside(realRoot, target);
  return { status: "link", location, linkAt, target, outside, ...(targetInfo ? { targetInfo } : {}), why: `leads to ${target}` };
}

/** True when `real` is strictly inside `realRoot` (both real, absolute paths). */
export function isInside(realRoot: string, real: string): boolean {
  const rel = relative(realRoot, real);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
