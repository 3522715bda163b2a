/**
 * Reading the snapshot a command names: a metadata file, a folder holding one
 * ([spec](../../spec/format-v1.md#storage-layout)), or `-` for standard input.
 * Paths inside the snapshot are not resolved, so a metadata file copied out of
 * its tree still reads.
 */
import { decodeFile, type DecodedFile } from "../codec.js";
import { inFile, KsnapError } from "../errors.js";
import { DEFAULT_DECODE_LIMITS } from "../limits.js";
import { storageFor, type StorageChoice } from "../storage/storage-for.js";
import { findMetadataFiles } from "../storage/snapshot-root.js";
import { readInput, STANDARD_STREAM, STDIN_LABEL } from "./standard-streams.js";

/** A decoded snapshot and the metadata file it came from (`<stdin>` for `-`) ([spec](../../spec/format-v1.md#storage-layout)). */
export interface SnapshotArgument extends DecodedFile {
  metadataPath: string;
}

/**
 * Decodes the one snapshot `path` names ([spec](../../spec/format-v1.md#storage-layout)). IO_ERROR when it names none, or a root
 * holding several (the user must pick one), or something that is neither a file nor a folder (a FIFO is never opened).
 * The user named the path, so a link there is followed. `-` reads standard input, up to the same limit as a file;
 * `s3://bucket/prefix` reads object storage ({@link storageFor}).
 */
export async function readSnapshotArgument(path: string, choice: StorageChoice = {}): Promise<SnapshotArgument> {
  if (path === STANDARD_STREAM) {
    const bytes = await readInput(path, DEFAULT_DECODE_LIMITS.maxFileBytes);
    return { ...inFile(STDIN_LABEL, () => decodeFile(bytes)), metadataPath: STDIN_LABEL };
  }
  const storage = storageFor(path, choice);
  const found = await findMetadataFiles(path, storage);
  if (found.length > 1) {
    throw new KsnapError("IO_ERROR",
      `holds ${found.length} snapshots (${found.slice(0, 3).join(", ")}${found.length > 3 ? ", …" : ""}): name one metadata file or snapshot folder`,
      { file: path });
  }
  const metadataPath = found[0]!;
  const bytes = await storage.read(metadataPath, DEFAULT_DECODE_LIMITS.maxFileBytes, { followLinks: true });
  return { ...inFile(metadataPath, () => decodeFile(bytes)), metadataPath };
}
