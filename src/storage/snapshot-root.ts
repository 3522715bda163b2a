/**
 * Finding snapshots on storage ([spec](../../spec/format-v1.md#storage-layout)):
 * a metadata file `_metadata.ksnap` lives at `<root>/<snapshot_dir>/`, and the
 * root is found from the file's location, never guessed (FLINK-39964).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { decodeFile, type DecodedFile } from "../codec.js";
import { inFile, KsnapError } from "../errors.js";
import { readFileBounded } from "../io/files.js";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "../limits.js";
import { LOCAL_STORAGE } from "./local-storage.js";
import { pathProblem } from "./paths.js";
import type { ReadOptions, Storage } from "./storage.js";

/** Name of every metadata file. */
export const METADATA_FILE = "_metadata.ksnap";
/** Folder of shared files under a checkpoint root. */
export const SHARED_DIR = "shared";

/** A decoded metadata file and the root its paths are relative to. */
export interface LocatedSnapshot extends DecodedFile {
  metadataPath: string;
  root: string;
}

/**
 * The snapshot root of the metadata file at `metadataPath`: its folder minus the
 * trailing folders `snapshotDir` names. LAYOUT_MISMATCH when those folder names
 * differ (the file was moved without its tree).
 */
export function resolveRoot(metadataPath: string, snapshotDir: string): string {
  let dir = dirname(metadataPath);
  if (snapshotDir === "") return dir;
  const problem = pathProblem(snapshotDir);
  if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `snapshot_dir "${snapshotDir}" ${problem}`, { file: metadataPath, field: "snapshotDir" });
  for (const segment of snapshotDir.split("/").reverse()) {
    if (basename(dir) !== segment) {
      throw new KsnapError("LAYOUT_MISMATCH",
        `snapshot_dir "${snapshotDir}" says the metadata file sits in ".../${snapshotDir}/", but it is in ${dirname(metadataPath)}: ` +
        "it was moved without its snapshot tree, so its paths cannot be resolved", { file: metadataPath, field: "snapshotDir" });
    }
    dir = dirname(dir);
  }
  return dir;
}

/**
 * Reads, decodes and locates the metadata file at `location` through `storage`.
 * A link at `location` is followed only when `options.followLinks` says the user
 * named it ([spec](../../spec/validation.md#loading)).
 */
export async function readSnapshot(
  location: string, storage: Storage = LOCAL_STORAGE, limits: DecodeLimits = DEFAULT_DECODE_LIMITS, options: ReadOptions = {},
): Promise<LocatedSnapshot> {
  const bytes = await storage.read(location, limits.maxFileBytes, options);
  const decoded = inFile(location, () => decodeFile(bytes));
  return { ...decoded, metadataPath: location, root: inFile(location, () => resolveRoot(location, decoded.snapshot.snapshotDir)) };
}

/** Reads, decodes and locates one metadata file (synchronous; to be replaced by {@link readSnapshot}). */
export function loadSnapshot(metadataPath: string, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): LocatedSnapshot {
  const decoded = inFile(metadataPath, () => decodeFile(readFileBounded(metadataPath, limits.maxFileBytes)));
  return { ...decoded, metadataPath, root: resolveRoot(metadataPath, decoded.snapshot.snapshotDir) };
}

/**
 * What a user may point a command at: a metadata file, a snapshot folder (holding
 * `_metadata.ksnap`), or a root holding several snapshot folders. Returns the
 * metadata files found, sorted by path; IO_ERROR when there are none.
 */
export function findMetadataFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new KsnapError("IO_ERROR", "cannot read: no such file or folder", { file: path });
  }
  if (st.isFile()) return [path];
  if (existsSync(join(path, METADATA_FILE))) return [join(path, METADATA_FILE)];
  const found = readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(path, d.name, METADATA_FILE)))
    .map((d) => join(path, d.name, METADATA_FILE))
    .sort();
  if (found.length === 0) throw new KsnapError("IO_ERROR", `no ${METADATA_FILE} in this folder or its subfolders`, { file: path });
  return found;
}
