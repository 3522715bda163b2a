/**
 * Finding snapshots on storage ([spec](../../spec/format-v1.md#storage-layout)):
 * a metadata file `_metadata.ksnap` lives at `<root>/<snapshot_dir>/`, and the
 * root is found from the file's location, never guessed (FLINK-39964).
 */
import { decodeFile, type DecodedFile } from "../codec.js";
import { inFile, KsnapError } from "../errors.js";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "../limits.js";
import { LOCAL_STORAGE } from "./local-storage.js";
import { pathProblem } from "./paths.js";
import { describeKind, type ReadOptions, type Storage } from "./storage.js";

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
 * differ (the file was moved without its tree). Pure path arithmetic on
 * `storage`'s locations; nothing is read.
 */
export function resolveRoot(metadataPath: string, snapshotDir: string, storage: Storage = LOCAL_STORAGE): string {
  let dir = storage.parent(metadataPath);
  if (snapshotDir === "") return dir;
  const problem = pathProblem(snapshotDir);
  if (problem !== undefined) throw new KsnapError("UNSAFE_PATH", `snapshot_dir "${snapshotDir}" ${problem}`, { file: metadataPath, field: "snapshotDir" });
  for (const segment of snapshotDir.split("/").reverse()) {
    if (storage.baseName(dir) !== segment) {
      throw new KsnapError("LAYOUT_MISMATCH",
        `snapshot_dir "${snapshotDir}" says the metadata file sits in ".../${snapshotDir}/", but it is in ${storage.parent(metadataPath)}: ` +
        "it was moved without its snapshot tree, so its paths cannot be resolved", { file: metadataPath, field: "snapshotDir" });
    }
    dir = storage.parent(dir);
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
  return { ...decoded, metadataPath: location, root: inFile(location, () => resolveRoot(location, decoded.snapshot.snapshotDir, storage)) };
}

/**
 * Reads, decodes and locates the metadata file at `metadataPath`, a path the
 * user named: a link there is followed ([spec](../../spec/validation.md#loading)).
 * {@link readSnapshot} with the local file system.
 */
export async function loadSnapshot(metadataPath: string, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<LocatedSnapshot> {
  return readSnapshot(metadataPath, LOCAL_STORAGE, limits, { followLinks: true });
}

/**
 * What a user may point a command at ([spec](../../spec/format-v1.md#storage-layout)):
 * a metadata file, a snapshot folder (holding `_metadata.ksnap`), or a root
 * whose direct subfolders hold one each. Returns the metadata files found,
 * sorted by path; IO_ERROR when there are none, or when `path` is neither a
 * file nor a folder (a FIFO, a device). `path` itself may be a link
 * (the user named it); a subfolder that is a link is not looked into, and a
 * `_metadata.ksnap` that is not a regular file is returned for its reader to
 * refuse, rather than hidden.
 */
export async function findMetadataFiles(path: string, storage: Storage = LOCAL_STORAGE): Promise<string[]> {
  const info = await storage.infoFollowing(path);
  if (info === undefined) throw storage.missing(path);
  // A FIFO or a device is refused by its kind, before anything could block on it.
  if (info.kind === "other") throw new KsnapError("IO_ERROR", `cannot read: it is ${describeKind(info)}, not a regular file or folder`, { file: path });
  if (info.kind !== "folder") return [path];
  const own = storage.child(path, METADATA_FILE);
  if (await storage.info(own) !== undefined) return [own];
  const found: string[] = [];
  for (const entry of await storage.list(path)) {
    if (entry.kind !== "folder") continue;
    const candidate = storage.child(storage.child(path, entry.name), METADATA_FILE);
    if (await storage.info(candidate) !== undefined) found.push(candidate);
  }
  if (found.length === 0) throw new KsnapError("IO_ERROR", `no ${METADATA_FILE} in this folder or its subfolders`, { file: path });
  return found;
}
