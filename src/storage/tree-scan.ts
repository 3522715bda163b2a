/**
 * One walk of a folder tree through the storage seam, never into a symbolic
 * link: what validation and garbage collection know of a root beyond its
 * metadata ([spec](../../spec/ownership.md#garbage-collection-of-a-root)).
 * Every metadata file at any depth, every symbolic link (reported, never
 * followed), every regular file (orphan candidates) and every temporary file.
 */
import { compareCodePoints } from "../body/canonical-order.js";
import { METADATA_FILE } from "./snapshot-root.js";
import { isTempName, type Storage } from "./storage.js";

/** What a walk found, each path relative to the walked folder, '/'-separated, sorted in code-point order. */
export interface TreeScan {
  /** Regular files, metadata and temporary files included. */
  files: string[];
  /** Regular files with the metadata file's name (`_metadata.ksnap`, or the name the walk was given). */
  metadata: string[];
  /** Entries with that name that are not regular files (a folder, a FIFO, a link). */
  oddMetadata: string[];
  /** Symbolic links, wherever they are. */
  links: string[];
  /** Temporary files of an interrupted write ([spec](../../spec/ownership.md#temporary-files)). */
  temps: string[];
}

/**
 * Walks `folder` depth first. `metadataName` is the name of the metadata files to collect: KSNAP's, or Flink's
 * `_metadata` for a Flink job directory. IO_ERROR when a folder cannot be listed.
 */
export async function scanTree(storage: Storage, folder: string, metadataName: string = METADATA_FILE): Promise<TreeScan> {
  const scan: TreeScan = { files: [], metadata: [], oddMetadata: [], links: [], temps: [] };
  await walk(storage, folder, "", scan, metadataName);
  // Depth first by name is not code-point order ("a/b" sorts after "a.txt").
  for (const list of Object.values(scan)) list.sort(compareCodePoints);
  return scan;
}

async function walk(storage: Storage, folder: string, prefix: string, scan: TreeScan, metadataName: string): Promise<void> {
  for (const entry of await storage.list(folder)) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.name === metadataName && entry.kind !== "file") scan.oddMetadata.push(rel);
    if (entry.kind === "folder") {
      await walk(storage, storage.child(folder, entry.name), rel, scan, metadataName);
      continue;
    }
    if (entry.kind === "link") scan.links.push(rel);
    if (entry.name === metadataName && entry.kind === "file") scan.metadata.push(rel);
    if (entry.kind !== "file") continue;
    scan.files.push(rel);
    if (isTempName(entry.name)) scan.temps.push(rel);
  }
}
