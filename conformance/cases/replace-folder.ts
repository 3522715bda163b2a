/**
 * How generators write their output folder: into a fresh folder beside it,
 * swapped into place only once everything is written. A generator that fails
 * halfway leaves the previous files as they were, instead of an emptied folder.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Runs `fill` on an empty folder beside `outDir`, then replaces `outDir` with it. */
export function replaceFolder(outDir: string, fill: (dir: string) => void): void {
  const { fresh, old } = siblings(outDir);
  try {
    fill(fresh);
  } catch (e) {
    rmSync(fresh, { recursive: true, force: true });
    throw e;
  }
  swap(outDir, fresh, old);
}

/** {@link replaceFolder} for an asynchronous `fill`. */
export async function replaceFolderAsync(outDir: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const { fresh, old } = siblings(outDir);
  try {
    await fill(fresh);
  } catch (e) {
    rmSync(fresh, { recursive: true, force: true });
    throw e;
  }
  swap(outDir, fresh, old);
}

function siblings(outDir: string): { fresh: string; old: string } {
  const base = join(dirname(outDir), `.${basename(outDir)}.${process.pid}`);
  const fresh = `${base}.new`;
  rmSync(fresh, { recursive: true, force: true });
  mkdirSync(fresh, { recursive: true });
  return { fresh, old: `${base}.old` };
}

/** Two renames: the window without `outDir` is between them, never while files are being generated. */
function swap(outDir: string, fresh: string, old: string): void {
  rmSync(old, { recursive: true, force: true });
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(fresh, outDir);
  rmSync(old, { recursive: true, force: true });
}
