/**
 * Reading the snapshot a command names: a metadata file, or a folder holding one
 * ([spec](../../spec/format-v1.md#storage-layout)). Paths inside the snapshot are
 * not resolved, so a metadata file copied out of its tree still reads.
 */
import { decodeFile, type DecodedFile } from "../codec.js";
import { inFile, KsnapError } from "../errors.js";
import { readFileBounded } from "../io/files.js";
import { DEFAULT_DECODE_LIMITS } from "../limits.js";
import { findMetadataFiles } from "../storage/snapshot-root.js";

/** A decoded snapshot and the metadata file it came from ([spec](../../spec/format-v1.md#storage-layout)). */
export interface SnapshotArgument extends DecodedFile {
  metadataPath: string;
}

/**
 * Decodes the one snapshot `path` names ([spec](../../spec/format-v1.md#storage-layout)). IO_ERROR when it names none, or a root
 * holding several (the user must pick one).
 */
export function readSnapshotArgument(path: string): SnapshotArgument {
  const found = findMetadataFiles(path);
  if (found.length > 1) {
    throw new KsnapError("IO_ERROR",
      `holds ${found.length} snapshots (${found.slice(0, 3).join(", ")}${found.length > 3 ? ", …" : ""}): name one metadata file or snapshot folder`,
      { file: path });
  }
  const metadataPath = found[0]!;
  const bytes = readFileBounded(metadataPath, DEFAULT_DECODE_LIMITS.maxFileBytes);
  return { ...inFile(metadataPath, () => decodeFile(bytes)), metadataPath };
}
