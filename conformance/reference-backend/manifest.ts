/**
 * The MANIFEST of an incremental handle: the backend's own metadata, written
 * as the handle's meta_file ([spec](../../spec/format-v1.md#incrementalhandle)).
 * It lists the handle's run files in stack order (oldest first), which the
 * FileRefs of the metadata, sorted by id, do not record.
 */
import { readFileSync } from "node:fs";
import { KsnapError, xxh64, type FileRef, type KeyGroupRange } from "../../src/index.js";
import { writeAtomic } from "./atomic-write.js";

const FORMAT = "ksnap-reference-manifest";

/** One run of a manifest. */
export interface ManifestRun {
  id: string;
  path: string;
  size: bigint;
  xxh64: bigint;
  origin: bigint;
}

/** A handle's manifest. */
export interface Manifest {
  backendId: string;
  keyGroups: KeyGroupRange;
  /** State names in canonical order: run records are sorted by them. */
  states: string[];
  /** Oldest first. */
  runs: ManifestRun[];
}

/** Writes `manifest` to `localPath`; returns its size and xxh64 for the meta FileRef. */
export function writeManifest(localPath: string, manifest: Manifest): { size: bigint; xxh64: bigint } {
  const doc = {
    format: FORMAT, version: 1, backendId: manifest.backendId, keyGroups: manifest.keyGroups, states: manifest.states,
    runs: manifest.runs.map((r) => ({ id: r.id, path: r.path, size: String(r.size), xxh64: String(r.xxh64), origin: String(r.origin) })),
  };
  const bytes = Buffer.from(JSON.stringify(doc) + "\n", "utf8");
  writeAtomic(localPath, bytes);
  return { size: BigInt(bytes.length), xxh64: xxh64(bytes) };
}

/** Reads the manifest at `localPath`, which must match its FileRef `ref` (CHECKSUM_MISMATCH otherwise). */
export function readManifest(localPath: string, ref: FileRef): Manifest {
  let bytes: Buffer;
  try {
    bytes = readFileSync(localPath);
  } catch (e) {
    throw new KsnapError("IO_ERROR", `cannot read the handle's meta file: ${e instanceof Error ? e.message : String(e)}`, { file: localPath });
  }
  if (BigInt(bytes.length) !== ref.size || (ref.xxh64 !== 0n && xxh64(bytes) !== ref.xxh64)) {
    throw new KsnapError("CHECKSUM_MISMATCH", "the meta file's size or xxh64 differs from its reference", { file: localPath });
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new KsnapError("MALFORMED_BODY", "the meta file is not JSON", { file: localPath });
  }
  if (doc["format"] !== FORMAT) {
    // Another backend's incremental handle: its files are in a format only that backend reads.
    throw new KsnapError("INVALID_FIELD", "the meta file is not a reference backend MANIFEST: this incremental handle was written by another backend",
      { file: localPath });
  }
  const runs = doc["runs"] as { id: string; path: string; size: string; xxh64: string; origin: string }[];
  return {
    backendId: doc["backendId"] as string,
    keyGroups: doc["keyGroups"] as KeyGroupRange,
    states: doc["states"] as string[],
    runs: runs.map((r) => ({ id: r.id, path: r.path, size: BigInt(r.size), xxh64: BigInt(r.xxh64), origin: BigInt(r.origin) })),
  };
}
