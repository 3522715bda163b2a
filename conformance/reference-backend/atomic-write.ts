/**
 * Writes that never leave a partial file under the final name: a temporary
 * file beside it, renamed into place. There is no fsync: the runner reads the
 * files on the same machine right after the response, so they need to be
 * complete and visible, not to survive a power cut, and an fsync per file would
 * cost the suite's time budget.
 */
import { copyFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { ioError, tempName } from "../../src/index.js";

/** Writes `data` to `path` through a temporary file. IO_ERROR on failure. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = temporaryBeside(path);
  try {
    writeFileSync(tmp, data, { flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError(e, "cannot write", path);
  }
}

/** Copies `from` to `to` through a temporary file (an "upload"). IO_ERROR on failure. */
export function copyAtomic(from: string, to: string): void {
  const tmp = temporaryBeside(to);
  try {
    copyFileSync(from, tmp);
    renameSync(tmp, to);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError(e, "cannot write", to);
  }
}

// Named as spec/ownership.md#temporary-files says, so that validate reports a leftover and gc removes it.
function temporaryBeside(path: string): string {
  return join(dirname(path), tempName(basename(path), randomBytes(6).toString("hex")));
}

