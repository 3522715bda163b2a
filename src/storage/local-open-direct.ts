/**
 * The cheap way to open a file under a root on Linux, for {@link LocalStorage.openInRoot}
 * ([spec](../../spec/validation.md#path-safety)): three system calls instead of an `lstat` per segment, an `open`
 * and an `fstat`, each a round trip through libuv's thread pool.
 *
 * 1. `open` with `O_NOFOLLOW` (a link as the last segment fails with ELOOP), `O_NONBLOCK` (a FIFO never hangs it) and
 *    `O_NOCTTY`;
 * 2. `fstat` on the descriptor: only a regular file goes on;
 * 3. `readlink` of `/proc/self/fd/N`: the kernel's own path of the file it opened. It equals the path asked for
 *    only when no segment was a symbolic link: a link as a middle folder leads elsewhere, and the path names the
 *    target. Because it is checked on the open descriptor, a folder swapped for a link between a listing and the
 *    open is caught too, which checking each segment with `lstat` before the open cannot do.
 *
 * Anything else (an error, a link, not a regular file, another path, no `/proc`) closes the descriptor and answers
 * undefined: the caller then takes the slow path, which finds out exactly what is wrong and words the finding.
 * The calls are synchronous: on a local file system each takes microseconds, and a round trip through the thread
 * pool costs several times that (measured: ~22–35 µs per small file through it, ~6.5 µs without).
 */
import { closeSync, constants, fstatSync, read, readSync, readlinkSync, openSync, type BigIntStats, type Stats } from "node:fs";
import { ioError } from "./errno.js";
import type { ReadHandle } from "./storage.js";

const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);

/** Whether `/proc/self/fd` names open files: Linux with /proc mounted; decided on the first use. */
let procFd: boolean | undefined = process.platform === "linux" ? undefined : false;

/** False where {@link openDirect} is known never to work (not Linux, or no `/proc`): callers need not try it. */
export function mayOpenDirect(): boolean {
  return procFd !== false;
}

/**
 * Files up to this size are read with synchronous calls; larger ones through the thread pool, so that the kernel's
 * copy of the next chunk runs on another core while this one is hashed.
 */
export const SYNC_READ_MAX_BYTES = 1 << 20;

/**
 * The regular file at `location` (an absolute path under a real root, no segment of which may be a link), open,
 * with its status; undefined when the cheap way cannot prove that (the caller resolves it the slow way).
 */
export function openDirect(location: string): { fd: number; st: Stats | BigIntStats } | undefined {
  if (procFd === false) return undefined;
  let fd: number;
  try {
    fd = openSync(location, FLAGS);
  } catch {
    return undefined;
  }
  let ok = false;
  try {
    // Numbers allocate less than bigints; a device or inode number too large for a double is read again exactly.
    let st: Stats | BigIntStats = fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (!Number.isSafeInteger(st.ino) || !Number.isSafeInteger(st.dev) || !Number.isSafeInteger(st.size)) st = fstatSync(fd, { bigint: true });
    let real: string;
    try {
      real = readlinkSync(`/proc/self/fd/${fd}`);
      procFd = true;
    } catch (e) {
      // No /proc: never try again in this process. Any other failure: this file only.
      if (procFd === undefined && (e as NodeJS.ErrnoException).code === "ENOENT") procFd = false;
      return undefined;
    }
    if (real !== location) return undefined;
    ok = true;
    return { fd, st };
  } catch {
    return undefined;
  } finally {
    if (!ok) closeSync(fd);
  }
}

/**
 * A {@link ReadHandle} on an open descriptor of a regular file, closed once by `close`. Reads are synchronous for a
 * small file, or always (`alwaysSync`: in a worker thread, where nothing else waits for the thread).
 */
export function descriptorHandle(fd: number, info: ReadHandle["info"], location: string, alwaysSync = false): ReadHandle {
  let open = true;
  // Where a read came back short, at that moment: a regular file ends there. The read at that position that would
  // only confirm it (0 bytes) is answered without a system call, as if it had been made together with the short one.
  let endAt = -1;
  const readNow = async (into: Uint8Array, offset: number, length: number, position: number): Promise<number> => {
    if (position === endAt && length > 0) return 0;
    try {
      const n = readSync(fd, into, offset, length, position);
      endAt = n < length ? position + n : -1;
      return n;
    } catch (e) {
      throw ioError(e, "cannot read", location);
    }
  };
  const readInPool = (into: Uint8Array, offset: number, length: number, position: number): Promise<number> =>
    new Promise((resolve, reject) => {
      read(fd, into, offset, length, position, (e, n) => (e ? reject(ioError(e, "cannot read", location)) : resolve(n)));
    });
  return {
    size: info.size,
    info,
    read: alwaysSync || info.size <= BigInt(SYNC_READ_MAX_BYTES) ? readNow : readInPool,
    async close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
