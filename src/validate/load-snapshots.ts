/**
 * Finds and loads the metadata files under a path for validation. A file that
 * cannot be read, decoded or located becomes a finding, not an exception
 * ([KS-E001](../../spec/validation.md#ks-e001), [KS-E002](../../spec/validation.md#ks-e002),
 * [KS-E091](../../spec/validation.md#ks-e091)).
 */
import { realpathSync, statSync } from "node:fs";
import { decodeFile } from "../codec.js";
import { KsnapError } from "../errors.js";
import { readFileBounded } from "../io/files.js";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "../limits.js";
import type { Snapshot } from "../model.js";
import { findMetadataFiles, loadSnapshot, type LocatedSnapshot } from "../storage/snapshot-root.js";
import { isInside } from "./confine.js";
import type { Finding } from "./finding.js";
import { finding } from "./rules.js";

/** One metadata file and what could be made of it. */
export interface Loaded {
  file: string;
  /** Decoded and located: every check applies. */
  located?: LocatedSnapshot;
  /** Decoded, root unknown (KS-E002 or an unsafe snapshot_dir): structural checks only. */
  snapshot?: Snapshot;
  findings: Finding[];
}

/**
 * The metadata files `path` names (a file, a snapshot folder, or a root),
 * sorted, each loaded.
 * @throws KsnapError IO_ERROR when `path` does not exist or holds no metadata file.
 */
export function loadForValidation(path: string, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Loaded[] {
  const files = listMetadataFiles(path);
  const base = statSync(path).isDirectory() ? realpathSync(path) : undefined;
  return files.map((file) => {
    const escape = base === undefined ? undefined : escapeOf(base, file);
    return escape === undefined ? loadOne(file, limits) : { file, findings: [escape] };
  });
}

/** findMetadataFiles, with file-system errors (an unreadable folder) typed as IO_ERROR. */
function listMetadataFiles(path: string): string[] {
  try {
    return findMetadataFiles(path);
  } catch (e) {
    if (e instanceof KsnapError) throw e;
    throw new KsnapError("IO_ERROR", `cannot list: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
}

/** KS-E091 when a metadata file found under the folder `base` really lives outside it. */
function escapeOf(base: string, file: string): Finding | undefined {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return undefined; // loadOne reports it as unreadable
  }
  if (isInside(base, real)) return undefined;
  return finding("KS-E091", { file }, `metadata file leads through a symbolic link to ${real}, outside the validated folder ${base}; it was not read`);
}

function loadOne(file: string, limits: DecodeLimits): Loaded {
  try {
    return { file, located: loadSnapshot(file, limits), findings: [] };
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    return rootProblem(e) ? loadUnlocated(file, limits, e) : { file, findings: [undecodable(file, e)] };
  }
}

/** LAYOUT_MISMATCH and an unsafe snapshot_dir come after decoding: the snapshot itself can still be checked. */
function rootProblem(e: KsnapError): boolean {
  return e.code === "LAYOUT_MISMATCH" || (e.code === "UNSAFE_PATH" && e.field === "snapshotDir");
}

function loadUnlocated(file: string, limits: DecodeLimits, e: KsnapError): Loaded {
  let snapshot: Snapshot;
  try {
    snapshot = decodeFile(readFileBounded(file, limits.maxFileBytes)).snapshot;
  } catch (again) {
    // The file changed since it was first read.
    if (again instanceof KsnapError) return { file, findings: [undecodable(file, again)] };
    throw again;
  }
  // An unsafe snapshot_dir is KS-E090, found by the structural checks; only a misplaced file is KS-E002.
  const findings = e.code === "LAYOUT_MISMATCH"
    ? [finding("KS-E002", { file, field: "snapshotDir" }, `${oneLine(e.message)}; storage was not checked`)]
    : [];
  return { file, snapshot, findings };
}

/** KS-E001, carrying the KsnapError code and where it applies. */
function undecodable(file: string, e: KsnapError): Finding {
  const at = [e.offset === undefined ? "" : `byte ${e.offset}`, e.field ?? ""].filter((s) => s !== "");
  const where = at.length === 0 ? "" : ` at ${at.join(", ")}`;
  return finding("KS-E001", { file, ...(e.field ? { field: e.field } : {}) }, `cannot be read or decoded: ${e.code}${where}: ${oneLine(e.message)}`);
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}
