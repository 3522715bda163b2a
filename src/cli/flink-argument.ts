/**
 * Reading a Flink snapshot a command names (README, "Flink snapshots"): a `_metadata` file (recognized by Flink's
 * magic `0x4960672d` at byte 0, whatever its name) or a folder holding `_metadata`. The snapshot root is `--job-dir`
 * when given; otherwise the parent of a folder named `chk-<n>` (a checkpoint in Flink's layout), else the folder
 * itself (a savepoint, snapshot dir `""`). Every command that reads a snapshot (`inspect`, `convert`, `validate`,
 * `diff`, `plan-restore`) detects and loads Flink input here.
 */
import { decodeFile, encodeSnapshot, type DecodedFile } from "../codec.js";
import { inFile, KsnapError } from "../errors.js";
import { escapeControls } from "../quote.js";
import { DEFAULT_FLINK_READ_LIMITS } from "../flink/flink-limits.js";
import type { FlinkConversion } from "../flink/convert.js";
import type { FlinkMetadata } from "../flink/flink-model.js";
import { FLINK_METADATA_FILE, findFlinkMetadata, locateFlinkSnapshot } from "../flink/find-metadata.js";
import type { SnapshotKind } from "../model.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import { storageFor, type StorageChoice } from "../storage/storage-for.js";
import type { Storage } from "../storage/storage.js";
import { readSnapshotArgument, type SnapshotArgument } from "./snapshot-argument.js";
import { STANDARD_STREAM } from "./standard-streams.js";

export { FLINK_METADATA_FILE, findFlinkMetadata, locateFlinkSnapshot };

/** Options of the commands that read Flink snapshots. */
export interface FlinkArgumentOptions {
  jobDir?: string;
  kind?: SnapshotKind;
  /** The path or URI Flink wrote the job directory under, when it is read here under another one. */
  jobUri?: string;
}

/** A read and converted Flink snapshot. */
export interface FlinkArgument extends FlinkConversion {
  metadataPath: string;
  metadata: FlinkMetadata;
  /** The snapshot root (absolute) the converted paths are relative to. */
  root: string;
}

/** Reads the Flink `_metadata` at `metadataPath` and converts it. Errors name the file. */
export async function readFlinkArgument(metadataPath: string, opts: FlinkArgumentOptions, storage: Storage = LOCAL_STORAGE): Promise<FlinkArgument> {
  const bytes = await storage.read(metadataPath, DEFAULT_FLINK_READ_LIMITS.maxFileBytes, { followLinks: true });
  const { root, snapshotDir } = locateFlinkSnapshot(metadataPath, opts.jobDir, storage);
  // Imported here: a command given a KSNAP file never loads the Flink reader and converter.
  const [{ readFlinkMetadata }, { flinkToSnapshot }] = await Promise.all([import("../flink/read-metadata.js"), import("../flink/convert.js")]);
  return inFile(metadataPath, () => {
    const metadata = readFlinkMetadata(bytes);
    const options = {
      jobDir: root, snapshotDir, ...(opts.kind === undefined ? {} : { kind: opts.kind }),
      ...(opts.jobUri === undefined ? {} : { jobDirAliases: [opts.jobUri] }),
    };
    return { metadataPath, metadata, root, ...flinkToSnapshot(metadata, options) };
  });
}

/** The path a command named, as a Flink `_metadata`: IO_ERROR when it names none. */
export async function requireFlinkMetadata(path: string, storage: Storage = LOCAL_STORAGE): Promise<string> {
  const info = await storage.infoFollowing(path);
  if (info === undefined) throw storage.missing(path);
  if (info.kind === "folder") {
    const own = storage.child(path, FLINK_METADATA_FILE);
    if (await storage.info(own) === undefined) throw new KsnapError("IO_ERROR", `no ${FLINK_METADATA_FILE} in this folder`, { file: path });
    return own;
  }
  return path; // read as Flink: a file without Flink's magic is BAD_MAGIC at byte 0
}

/** The header line `inspect` prints above the tree: Flink's metadata version, checkpoint type, savepoint format. */
export function flinkHeader(a: FlinkArgument): string {
  const p = a.metadata.properties;
  const type = p === undefined ? "no CheckpointProperties (V2/V3)"
    : p === null ? "null CheckpointProperties"
    : p.checkpointType.kind === "checkpoint"
      ? `checkpoint type "${p.checkpointType.name}", sharing ${p.checkpointType.sharingFilesStrategy}`
      : `savepoint type "${p.checkpointType.name}", savepoint format ${p.checkpointType.formatType}`;
  return `${a.metadataPath}: Apache Flink _metadata V${a.metadata.version}, checkpoint ${a.metadata.checkpointId}, ${type}`;
}

/** The notes as lines for stderr; paths in them stay inert (control characters escaped). */
export function noteLines(a: FlinkConversion): string {
  return a.notes.map((n) => `ksnap: note: ${escapeControls(n.message)}${n.field === undefined ? "" : ` (${n.field})`}\n`).join("");
}

/**
 * A Flink snapshot read, converted and passed through the codec, so that commands see exactly what
 * `ksnap convert` writes (canonical order, format version). Errors name the `_metadata`.
 */
export async function readFlinkDecoded(
  metadataPath: string, opts: FlinkArgumentOptions, storage: Storage = LOCAL_STORAGE,
): Promise<{ flink: FlinkArgument; decoded: DecodedFile }> {
  const flink = await readFlinkArgument(metadataPath, opts, storage);
  return { flink, decoded: inFile(metadataPath, () => decodeFile(encodeSnapshot(flink.snapshot))) };
}

/** A snapshot argument of any input a reading command accepts, with the Flink conversion when it was one. */
export interface AnySnapshotArgument extends SnapshotArgument {
  flink?: FlinkArgument;
}

/**
 * The snapshot `path` names, KSNAP or Flink ([readSnapshotArgument](./snapshot-argument.ts) for KSNAP and `-`;
 * a Flink `_metadata` or a folder holding one is converted as for `inspect`), on the storage `opts` choose for it.
 * Conversion notes go to `notes`.
 */
export async function readAnySnapshotArgument(
  path: string, opts: FlinkArgumentOptions & StorageChoice, notes: NodeJS.WritableStream = process.stderr,
): Promise<AnySnapshotArgument> {
  const storage = storageFor(path, opts);
  const flinkPath = path === STANDARD_STREAM ? undefined : await findFlinkMetadata(path, storage);
  if (flinkPath === undefined) return readSnapshotArgument(path, opts);
  const { flink, decoded } = await readFlinkDecoded(flinkPath, opts, storage);
  notes.write(noteLines(flink));
  return { ...decoded, metadataPath: flinkPath, flink };
}
