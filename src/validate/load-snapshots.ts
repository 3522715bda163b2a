/**
 * Finds and loads the metadata files under a path for validation
 * ([spec](../../spec/validation.md#loading)): a metadata file the user names,
 * or every metadata file under a folder at any depth, found by one walk that
 * never follows a symbolic link. A file that cannot be read, decoded or
 * located becomes a finding, not an exception ([KS-E001](../../spec/validation.md#ks-e001),
 * [KS-E002](../../spec/validation.md#ks-e002)); a metadata file or a snapshot
 * folder that is a link is [KS-E094](../../spec/validation.md#ks-e094) (or
 * [KS-E091](../../spec/validation.md#ks-e091) when it leads out) and is not read.
 */
import { decodeFile } from "../codec.js";
import { inFile, KsnapError } from "../errors.js";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "../limits.js";
import type { Snapshot } from "../model.js";
import { METADATA_FILE, resolveRoot, type LocatedSnapshot } from "../storage/snapshot-root.js";
import { describeKind, type Storage } from "../storage/storage.js";
import { scanTree, type TreeScan } from "../storage/tree-scan.js";
import type { Finding } from "./finding.js";
import { finding } from "./rules.js";
import { quote } from "./text.js";

/** One metadata file and what could be made of it. */
export interface Loaded {
  file: string;
  /** Decoded and located: every check applies. */
  located?: LocatedSnapshot;
  /** Decoded, root unknown (KS-E002 or an unsafe snapshot_dir): structural checks only. */
  snapshot?: Snapshot;
  findings: Finding[];
}

/** Everything found under the validated path. */
export interface LoadedTree {
  /** The metadata files read (or tried), sorted by path. */
  loaded: Loaded[];
  /** Every metadata file found, readable or not: each one's folder belongs to a snapshot. */
  metadataFiles: string[];
  /** Findings about the tree rather than one snapshot: links to snapshot folders, temporary files. */
  findings: Finding[];
  /** The walked folder as given, its real path and what the walk found; absent when the path is a file. */
  folder?: { path: string; real: string; scan: TreeScan };
  /** `flink` when the metadata files are Flink `_metadata` files, converted ([spec](../../spec/flink.md#job-directories)). */
  layout?: "ksnap" | "flink";
  /** What converting foreign metadata had to say (Flink), for the command to print; not findings. */
  notes?: LoadNote[];
}

/** A note of a conversion: information, not a finding. */
export interface LoadNote {
  file: string;
  message: string;
  field?: string;
}

/** Reads the metadata files of a folder or names one: {@link loadForValidation}, or a loader of another format's. */
export type TreeLoader = (path: string, store: Storage) => Promise<LoadedTree>;

/** Name of Flink's metadata file: a root holding it beside KSNAP's is KS-E003. */
const FLINK_METADATA_NAME = "_metadata";

const CHECKPOINT_FOLDER = /^chk-\d+$/;

/**
 * The metadata files `path` names (a file, or every one under a folder), each loaded.
 * @throws KsnapError IO_ERROR when `path` does not exist or holds no metadata file.
 */
export async function loadForValidation(path: string, store: Storage, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<LoadedTree> {
  const info = await store.infoFollowing(path);
  if (info === undefined) throw store.missing(path);
  // A path the user named is followed, even through a link: that is their choice.
  if (info.kind !== "folder") return { loaded: [await loadOne(path, store, limits, true)], metadataFiles: [path], findings: [] };
  const real = await store.realRoot(path);
  const scan = await scanTree(store, path);
  if (scan.metadata.length + scan.oddMetadata.length === 0) {
    throw new KsnapError("IO_ERROR", `no ${METADATA_FILE} in this folder or its subfolders`, { file: path });
  }
  const at = (rel: string): string => store.locate(path, rel);
  const loaded: Loaded[] = [];
  for (const rel of scan.metadata) loaded.push(await loadOne(at(rel), store, limits, false));
  for (const rel of scan.oddMetadata) loaded.push({ file: at(rel), findings: [await oddMetadata(store, path, real, rel)] });
  loaded.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const findings = [
    ...mixedLayouts(path, scan, FLINK_METADATA_NAME, "Flink"), ...await snapshotFolderLinks(store, path, real, scan, METADATA_FILE),
    ...temporaryFiles(path, scan),
  ];
  return { loaded, metadataFiles: [...scan.metadata, ...scan.oddMetadata].map(at), findings, folder: { path, real, scan }, layout: "ksnap" };
}

async function loadOne(file: string, store: Storage, limits: DecodeLimits, followLinks: boolean): Promise<Loaded> {
  let snapshot: Snapshot;
  let decoded;
  try {
    const bytes = await store.read(file, limits.maxFileBytes, { followLinks });
    decoded = inFile(file, () => decodeFile(bytes));
    snapshot = decoded.snapshot;
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    return { file, findings: [undecodable(file, e)] };
  }
  try {
    return { file, located: { ...decoded, metadataPath: file, root: resolveRoot(file, snapshot.snapshotDir) }, findings: [] };
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    // An unsafe snapshot_dir is KS-E090, found by the structural checks; only a misplaced file is KS-E002.
    const findings = e.code === "LAYOUT_MISMATCH"
      ? [finding("KS-E002", { file, field: "snapshotDir" }, `${oneLine(e.message)}; storage was not checked`)]
      : [];
    return { file, snapshot, findings };
  }
}

/**
 * KS-E003 when the walk found metadata files of the other layout (`otherName`, named `otherWhat`): gc would take the
 * snapshots they stand for, which this walk does not read, for orphans.
 */
export function mixedLayouts(folder: string, scan: TreeScan, otherName: string, otherWhat: string): Finding[] {
  const other = scan.files.filter((f) => f === otherName || f.endsWith(`/${otherName}`));
  if (other.length === 0) return [];
  const shown = other.slice(0, 3).map(quote).join(", ") + (other.length > 3 ? ` and ${other.length - 3} more` : "");
  return [finding("KS-E003", { file: folder, path: other[0]! },
    `the folder holds ${otherWhat} metadata files (${shown}) beside the ones read here: each kind of root is validated and cleaned on its own`)];
}

/** A metadata file (`_metadata.ksnap`, Flink's `_metadata`) that is not a regular file: a link (never followed), a folder, a FIFO. */
export async function oddMetadata(store: Storage, folder: string, real: string, rel: string): Promise<Finding> {
  const file = store.locate(folder, rel);
  const r = await store.resolve(real, rel);
  if (r.status === "link") {
    return r.outside
      ? finding("KS-E091", { file }, `metadata file leads through the symbolic link ${quote(r.linkAt)} ${r.target === undefined ? `(${r.why})` : `to ${r.target}`}, outside ${folder}; it was not read`)
      : finding("KS-E094", { file }, `metadata file is a symbolic link (${r.why}); it is not followed, so the snapshot cannot be read here`);
  }
  const what = r.status === "not-file" ? describeKind(r.info) : r.status === "file" ? "a regular file" : r.why;
  return finding("KS-E001", { file }, `cannot be read or decoded: IO_ERROR: it is ${what}, not a regular file`);
}

/**
 * KS-E094 (or KS-E091) for each symbolic link that stands for a snapshot folder:
 * one named `chk-<id>`, or one leading to a folder that holds a metadata file.
 * The walk does not follow it, so the snapshot behind it is invisible to
 * garbage collection, which could then delete the files it uses.
 */
export async function snapshotFolderLinks(store: Storage, folder: string, real: string, scan: TreeScan, metadataName: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const rel of scan.links) {
    const name = rel.slice(rel.lastIndexOf("/") + 1);
    if (name === metadataName) continue; // oddMetadata reports it
    const r = await store.resolve(real, rel);
    if (r.status !== "link") continue;
    const holdsSnapshot = r.target !== undefined && r.targetInfo?.kind === "folder" && (await store.info(store.child(r.target, metadataName))) !== undefined;
    if (!holdsSnapshot && !CHECKPOINT_FOLDER.test(name)) continue;
    const file = store.locate(folder, rel);
    out.push(r.outside
      ? finding("KS-E091", { file }, `snapshot folder ${quote(rel)} is a symbolic link ${r.target === undefined ? `(${r.why})` : `to ${r.target}`}, outside ${folder}; it was not read`)
      : finding("KS-E094", { file }, `snapshot folder ${quote(rel)} is a symbolic link (${r.why}); it is not followed, so the snapshot in it is not seen`));
  }
  return out;
}

/** KS-W106 for each temporary file an interrupted write left ([spec](../../spec/ownership.md#temporary-files)). */
export function temporaryFiles(folder: string, scan: TreeScan): Finding[] {
  return scan.temps.map((rel) => finding("KS-W106", { file: folder, path: rel },
    `${quote(rel)} is a temporary file of an interrupted write; gc deletes it once it is older than the grace period`));
}

/** KS-E001, carrying the KsnapError code and where it applies. */
export function undecodable(file: string, e: KsnapError): Finding {
  const at = [e.offset === undefined ? "" : `byte ${e.offset}`, e.field ?? ""].filter((s) => s !== "");
  const where = at.length === 0 ? "" : ` at ${at.join(", ")}`;
  return finding("KS-E001", { file, ...(e.field ? { field: e.field } : {}) }, `cannot be read or decoded: ${e.code}${where}: ${oneLine(e.message)}`);
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}
