/**
 * Reading whatever a path holds for validation and gc, KSNAP or Flink ([spec](../../spec/flink.md#job-directories)):
 * a Flink `_metadata` (or the folder holding one), a Flink job directory, or else KSNAP metadata (a file, a snapshot
 * folder, a root) as {@link loadForValidation} reads it.
 */
import { KsnapError } from "../errors.js";
import type { DecodeLimits } from "../limits.js";
import type { Storage } from "../storage/storage.js";
import { loadForValidation, type LoadedTree } from "../validate/load-snapshots.js";
import { findFlinkMetadata, isFlinkJobDir } from "./find-metadata.js";
import { loadFlinkSnapshot, loadFlinkTree, type FlinkTreeOptions } from "./load-job-dir.js";

/** Options of {@link loadAnyTree}: those of the Flink readers, and the KSNAP decoder's limits. */
export interface AnyTreeOptions extends FlinkTreeOptions {
  /** For one Flink `_metadata`: its snapshot root, when not the parent of its `chk-<n>` folder. */
  jobDir?: string;
  decodeLimits?: DecodeLimits;
}

/**
 * Loads `path` by what it holds. A folder in which KSNAP finds no metadata file is walked again for Flink's.
 * @throws KsnapError IO_ERROR when `path` does not exist or holds no metadata file of either kind.
 */
export async function loadAnyTree(path: string, store: Storage, options: AnyTreeOptions = {}): Promise<LoadedTree> {
  const flinkFile = await findFlinkMetadata(path, store);
  if (flinkFile !== undefined) return loadFlinkSnapshot(flinkFile, store, options);
  if (await isFlinkJobDir(path, store)) return loadFlinkTree(path, store, options);
  try {
    return await loadForValidation(path, store, options.decodeLimits);
  } catch (e) {
    if (!(e instanceof KsnapError) || e.code !== "IO_ERROR" || (await store.infoFollowing(path))?.kind !== "folder") throw e;
    try {
      return await loadFlinkTree(path, store, options);
    } catch (flinkError) {
      if (flinkError instanceof KsnapError && flinkError.code === "IO_ERROR") {
        if (!e.message.startsWith("no ")) throw e; // the folder could not be walked: say that, not "nothing found"
        throw new KsnapError("IO_ERROR", "no _metadata.ksnap nor Flink _metadata in this folder or its subfolders", { file: path });
      }
      throw flinkError;
    }
  }
}
