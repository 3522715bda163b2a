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
  /** Regular files named `_metadata.ksnap`. */
  metadata: string[];
  /** Entries named `_metadata.ksnap` that are not regular files (a folder, a FIFO, a link). */
  oddMetadata: string[];
  /** Symbolic links, wherever they are. */
  links: string[];
  /** Temporary files of an interrupted write ([spec](../../spec/ownership.md#temporary-files)). */
  temps: string[];
}

/** Walks `folder` depth first. IO_ERROR when a folder cannot be listed. */
export async function scanTree(storage: Storage, folder: string): Promise<TreeScan> {
  const scan: TreeScan = { files: [], metadata: [], oddMetadata: [], links: [], temps: [] };
  await walk(storage, folder, "", scan);
  // Depth first by name is not code-point order ("a/b" sorts after "a.txt").
  for (const list of Object.values(scan)) list.sort(compareCodePoints);
  return scan;
}

async function walk(storage: Storage, folder: string, prefix: string, scan: TreeScan): Promise<void> {
  for (const entry of await storage.list(folder)) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.name === METADATA_FILE && entry.kind !== "file") scan.oddMetadata.push(rel);
    if (entry.kind === "folder") {
      await walk(storage, storage.child(folder, entry.name), rel, scan);
      continue;
    }
    if (entry.kind === "link") scan.links.push(rel);
    if (entry.name === METADATA_FILE && entry.kind === "file") scan.metadata.push(rel);
    if (entry.kind !== "file") continue;
    scan.files.push(rel);
    if (isTempName(entry.name)) scan.temps.push(rel);
  }
}
