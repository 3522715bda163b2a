/**
 * A Flink job directory read for validation and gc ([spec](../../spec/flink.md#job-directories)): every `_metadata`
 * under the walked folder, found by one walk that never follows a link, read and converted. The `chk-<n>` folders of
 * one root are converted together ({@link flinkHistoryToSnapshots}), so that a shared file has one origin across the
 * history; a `_metadata` anywhere else is a snapshot of its own folder (a savepoint). What cannot be read or
 * converted is a finding (KS-E001), as for KSNAP metadata, never an exception, so that gc refuses on it.
 */
import { decodeFile, encodeSnapshot } from "../codec.js";
import { inFile, KsnapError } from "../errors.js";
import type { Snapshot, SnapshotKind } from "../model.js";
import { eachRef, fileField, refKind } from "../snapshot-walk.js";
import { METADATA_FILE, type LocatedSnapshot } from "../storage/snapshot-root.js";
import { parentPath } from "../storage/paths.js";
import type { Storage } from "../storage/storage.js";
import { scanTree, type TreeScan } from "../storage/tree-scan.js";
import type { Finding } from "../validate/finding.js";
import {
  mixedLayouts, oddMetadata, snapshotFolderLinks, temporaryFiles, undecodable, type Loaded, type LoadedTree, type LoadNote,
} from "../validate/load-snapshots.js";
import { finding } from "../validate/rules.js";
import { quote } from "../validate/text.js";
import { unreferencedFiles } from "../validate/unreferenced-files.js";
import { flinkToSnapshot, type FlinkConversionOptions } from "./convert.js";
import { flinkHistoryToSnapshots } from "./convert-history.js";
import { parseFlinkLocation } from "./convert-paths.js";
import { FLINK_CHECKPOINT_FOLDER, FLINK_METADATA_FILE, locateFlinkSnapshot, TASK_OWNED_DIR } from "./find-metadata.js";
import { DEFAULT_FLINK_READ_LIMITS, type FlinkReadLimits } from "./flink-limits.js";
import type { FlinkMetadata } from "./flink-model.js";
import { readFlinkMetadata } from "./read-metadata.js";

/** Options of {@link loadFlinkTree}. */
export interface FlinkTreeOptions {
  /**
   * The kind of a `_metadata` without CheckpointProperties outside a `chk-<n>` folder (V2, V3, State Processor API
   * output). One in a `chk-<n>` folder is a checkpoint: Flink's layout says so.
   */
  kind?: SnapshotKind;
  /**
   * The path or URI Flink wrote the walked folder under, when it is read here under another path (a copy, another
   * mount): absolute paths under it are paths of this folder.
   */
  jobUri?: string;
  /** Report files in a snapshot's folder that no handle names (KS-W098; lists each folder). Default true. */
  strayFiles?: boolean;
  limits?: FlinkReadLimits;
}

/** Where a checkpoint's shared and task-owned files are, below a job directory. */
const LAYOUT_SEGMENT = (s: string): boolean => s === "shared" || s === TASK_OWNED_DIR || FLINK_CHECKPOINT_FOLDER.test(s);

interface Read {
  file: string;
  /** Folder of the snapshot's root, relative to the walked folder. */
  rootRel: string;
  snapshotDir: string;
  meta: FlinkMetadata;
}

/**
 * Loads every Flink `_metadata` under `path` (a folder) as a {@link LoadedTree} whose snapshots are converted.
 * @throws KsnapError IO_ERROR when `path` is not a folder or holds no `_metadata`.
 */
export async function loadFlinkTree(path: string, store: Storage, options: FlinkTreeOptions = {}): Promise<LoadedTree> {
  const info = await store.infoFollowing(path);
  if (info === undefined) throw store.missing(path);
  if (info.kind !== "folder") throw new KsnapError("IO_ERROR", "is not a folder: a Flink job directory is one", { file: path });
  const real = await store.realRoot(path);
  const scan = await scanTree(store, path, FLINK_METADATA_FILE);
  if (scan.metadata.length + scan.oddMetadata.length === 0) {
    throw new KsnapError("IO_ERROR", `no ${FLINK_METADATA_FILE} in this folder or its subfolders`, { file: path });
  }
  const at = (rel: string): string => (rel === "" ? path : store.locate(path, rel));
  const loaded: Loaded[] = [];
  const notes: LoadNote[] = [];
  const groups = new Map<string, Read[]>();
  for (const rel of scan.metadata) {
    const file = at(rel);
    try {
      const bytes = await store.read(file, (options.limits ?? DEFAULT_FLINK_READ_LIMITS).maxFileBytes, { followLinks: false });
      const meta = inFile(file, () => readFlinkMetadata(bytes, options.limits));
      const folder = parentPath(rel);
      const name = folder.slice(folder.lastIndexOf("/") + 1);
      const inCheckpoint = folder !== "" && FLINK_CHECKPOINT_FOLDER.test(name);
      const r: Read = { file, meta, rootRel: inCheckpoint ? parentPath(folder) : folder, snapshotDir: inCheckpoint ? name : "" };
      if (!inCheckpoint) {
        loaded.push(convertAlone(r, at, real, store, options, notes));
        continue;
      }
      const group = groups.get(r.rootRel) ?? [];
      group.push(r);
      groups.set(r.rootRel, group);
    } catch (e) {
      if (!(e instanceof KsnapError)) throw e;
      loaded.push({ file, findings: [undecodable(file, e)] });
    }
  }
  for (const [rootRel, group] of groups) loaded.push(...await convertGroup(rootRel, group, at, real, store, options, notes));
  for (const rel of scan.oddMetadata) loaded.push({ file: at(rel), findings: [await oddMetadata(store, path, real, rel)] });
  const files = new Set(scan.files);
  for (const l of loaded) {
    if (l.located === undefined) continue;
    l.findings.push(...aliasedExternals(l.located, store.relativeTo(path, l.located.root) ?? "", files));
    if (options.strayFiles ?? true) l.findings.push(...await unreferencedFiles(l.located, FLINK_METADATA_FILE, store));
  }
  loaded.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const findings = [
    ...mixedLayouts(path, scan, METADATA_FILE, "KSNAP"), ...await snapshotFolderLinks(store, path, real, scan, FLINK_METADATA_FILE),
    ...temporaryFiles(path, scan),
  ];
  return {
    loaded, metadataFiles: [...scan.metadata, ...scan.oddMetadata].map(at), findings, folder: { path, real, scan }, layout: "flink", notes,
  };
}

/** The root's spellings: as given (absolute), its real path, and where Flink wrote it (`jobUri`). */
function rootSpellings(rootRel: string, at: (rel: string) => string, real: string, store: Storage, options: FlinkTreeOptions): { jobDir: string; jobDirAliases: string[] } {
  const jobDir = store.absolute(at(rootRel));
  const aliases = [store.absolute(rootRel === "" ? real : store.locate(real, rootRel))];
  if (options.jobUri !== undefined) aliases.push(rootRel === "" ? options.jobUri : `${options.jobUri.replace(/\/+$/, "")}/${rootRel}`);
  return { jobDir, jobDirAliases: aliases.filter((a) => a !== jobDir) };
}

/** A `_metadata` outside a `chk-<n>` folder: the root is its own folder. */
function convertAlone(r: Read, at: (rel: string) => string, real: string, store: Storage, options: FlinkTreeOptions, notes: LoadNote[]): Loaded {
  try {
    const noProperties = r.meta.properties === null || r.meta.properties === undefined;
    const opts: FlinkConversionOptions = {
      ...rootSpellings(r.rootRel, at, real, store, options), snapshotDir: "",
      ...(options.kind !== undefined && noProperties ? { kind: options.kind } : {}),
    };
    const converted = inFile(r.file, () => flinkToSnapshot(r.meta, opts));
    for (const n of converted.notes) notes.push({ file: r.file, message: n.message, ...(n.field === undefined ? {} : { field: n.field }) });
    return located(r, converted.snapshot, at);
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    return { file: r.file, findings: [undecodable(r.file, e)] };
  }
}

/**
 * The checkpoints of one root: each converted alone first, so that one that cannot be converted is its own KS-E001
 * (and two with one checkpoint id are both), then the rest together.
 */
async function convertGroup(
  rootRel: string, group: Read[], at: (rel: string) => string, real: string, store: Storage, options: FlinkTreeOptions, notes: LoadNote[],
): Promise<Loaded[]> {
  const spellings = rootSpellings(rootRel, at, real, store, options);
  const out: Loaded[] = [];
  const ok: Read[] = [];
  const byId = new Map<bigint, Read[]>();
  for (const r of group) {
    const list = byId.get(r.meta.checkpointId) ?? [];
    list.push(r);
    byId.set(r.meta.checkpointId, list);
  }
  for (const r of group) {
    const same = byId.get(r.meta.checkpointId)!;
    if (same.length > 1) {
      const others = same.filter((o) => o !== r).map((o) => o.snapshotDir).join(", ");
      out.push({ file: r.file, findings: [finding("KS-E001", { file: r.file, field: "checkpointId" },
        `cannot be read or decoded: INVALID_OPERATION: checkpoint id ${r.meta.checkpointId} is also the id of ${others}: a history holds each checkpoint once`)] });
      continue;
    }
    try {
      inFile(r.file, () => flinkToSnapshot(r.meta, { ...spellings, snapshotDir: r.snapshotDir, ...kindOf(r.meta) }));
      ok.push(r);
    } catch (e) {
      if (!(e instanceof KsnapError)) throw e;
      out.push({ file: r.file, findings: [undecodable(r.file, e)] });
    }
  }
  // One by one each converts; together they differ only in origins and bases, so this does not throw.
  const checkpoints = ok.map((r) => ({ meta: r.meta, snapshotDir: r.snapshotDir }));
  const withKind = ok.map((r) => kindOf(r.meta).kind);
  const { snapshots, notes: groupNotes } = flinkHistoryToSnapshots(checkpoints, {
    ...spellings, ...(withKind.some((k) => k !== undefined) ? { kind: "checkpoint" as const } : {}),
  });
  const file = ok[0]?.file ?? at(rootRel);
  for (const n of groupNotes) notes.push({ file, message: n.message, ...(n.field === undefined ? {} : { field: n.field }) });
  for (const [i, r] of ok.entries()) out.push(located(r, snapshots[i]!, at));
  return out;
}

/** A checkpoint's `_metadata` without properties is a checkpoint: it is in a `chk-<n>` folder. */
function kindOf(meta: FlinkMetadata): { kind?: SnapshotKind } {
  return meta.properties === null || meta.properties === undefined ? { kind: "checkpoint" } : {};
}

/** The converted snapshot passed through the codec, as `ksnap convert` writes it, with its root. */
function located(r: Read, snapshot: Snapshot, at: (rel: string) => string): Loaded {
  const decoded = inFile(r.file, () => decodeFile(encodeSnapshot(snapshot)));
  const l: LocatedSnapshot = { ...decoded, metadataPath: r.file, root: at(r.rootRel) };
  return { file: r.file, located: l, findings: [] };
}

/**
 * KS-E118 for each external reference whose path, from its last `shared`, `taskowned` or `chk-<n>` segment on, is a
 * file of this root: most likely the job directory itself under another path (copied, or mounted elsewhere than where
 * Flink ran). Its file would look like an orphan to gc, which then refuses.
 */
function aliasedExternals(l: LocatedSnapshot, rootRel: string, files: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const r of eachRef(l.snapshot)) {
    if (refKind(r.ref) !== "external") continue;
    const uri = (r.ref as { uri: string }).uri;
    const loc = parseFlinkLocation(uri);
    if (loc === undefined || seen.has(uri)) continue;
    seen.add(uri);
    const segments = loc.path.split("/");
    let i = segments.length - 2;
    while (i > 0 && !LAYOUT_SEGMENT(segments[i]!)) i--;
    if (i <= 0) continue;
    const tail = segments.slice(i).join("/");
    const rel = rootRel === "" ? tail : `${rootRel}/${tail}`;
    if (!files.has(rel)) continue;
    const prefix = `${loc.scheme}://${loc.authority}${segments.slice(0, i).join("/")}`;
    out.push(finding("KS-E118", { file: l.metadataPath, field: fileField(r), path: tail },
      `external reference ${quote(uri)} looks like ${quote(tail)} of this job directory under another path: if Flink wrote ` +
      `this directory as ${quote(prefix)}, say so with --job-uri ${prefix}; until then gc would take ${quote(tail)} for an orphan`));
  }
  return out;
}

/**
 * One Flink `_metadata` as a {@link LoadedTree}: its root is `jobDir` when given, else the parent of a `chk-<n>`
 * folder, else its own folder (as for every command on one Flink snapshot). What cannot be read or converted is KS-E001.
 */
export async function loadFlinkSnapshot(
  metadataPath: string, store: Storage, options: FlinkTreeOptions & { jobDir?: string } = {},
): Promise<LoadedTree> {
  const { root, snapshotDir } = locateFlinkSnapshot(metadataPath, options.jobDir, store);
  const notes: LoadNote[] = [];
  let l: Loaded;
  try {
    const bytes = await store.read(metadataPath, (options.limits ?? DEFAULT_FLINK_READ_LIMITS).maxFileBytes, { followLinks: true });
    const meta = inFile(metadataPath, () => readFlinkMetadata(bytes, options.limits));
    const noProperties = meta.properties === null || meta.properties === undefined;
    const opts: FlinkConversionOptions = {
      jobDir: root, snapshotDir, ...(options.jobUri === undefined ? {} : { jobDirAliases: [options.jobUri] }),
      ...(noProperties && options.kind !== undefined ? { kind: options.kind } : noProperties && snapshotDir !== "" ? { kind: "checkpoint" as const } : {}),
    };
    const converted = inFile(metadataPath, () => flinkToSnapshot(meta, opts));
    for (const n of converted.notes) notes.push({ file: metadataPath, message: n.message, ...(n.field === undefined ? {} : { field: n.field }) });
    const decoded = inFile(metadataPath, () => decodeFile(encodeSnapshot(converted.snapshot)));
    l = { file: metadataPath, located: { ...decoded, metadataPath, root }, findings: [] };
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    l = { file: metadataPath, findings: [undecodable(metadataPath, e)] };
  }
  return { loaded: [l], metadataFiles: [metadataPath], findings: [], layout: "flink", notes };
}
