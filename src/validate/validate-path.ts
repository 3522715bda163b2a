/**
 * `validate` on a path: a metadata file, or a folder with every metadata file
 * under it (a snapshot folder, a checkpoint root with its history). Loads every
 * metadata file, then runs the structural, safety, storage and history checks
 * ([spec](../../spec/validation.md)). Garbage collection runs exactly this, and
 * refuses on the rules spec/ownership.md lists.
 */
import type { DecodeLimits } from "../limits.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import { countSeverities, type Finding, type ValidationResult } from "./finding.js";
import { checkForeignRefs } from "./foreign-refs.js";
import { loadForValidation, type LoadedTree, type TreeLoader } from "./load-snapshots.js";
import type { LocatedInput } from "./located-input.js";
import { validateHistory } from "./validate-history.js";
import { validateSnapshot } from "./validate-snapshot.js";
import { unreferencedFiles } from "./unreferenced-files.js";
import { type StorageOptions, validateStorage } from "./validate-storage.js";

/** Options of {@link validatePath}. */
export interface ValidateOptions extends StorageOptions {
  /** Check referenced files on storage (existence, size, xxh64). Default true. */
  storage?: boolean;
  /** Limits for decoding metadata files. */
  limits?: DecodeLimits;
  /** How to read the path: {@link loadForValidation} (KSNAP) unless another format's loader is given (Flink). */
  load?: TreeLoader;
}

/** A validation result with what was found on the way: the snapshots and the walk of the folder. */
export interface TreeValidation {
  result: ValidationResult;
  tree: LoadedTree;
}

/**
 * Every finding for the snapshots under `path`, listed by metadata file (in
 * path order), and their counts.
 * @throws KsnapError IO_ERROR when `path` does not exist or holds no metadata file;
 * every problem of the snapshots themselves is a finding.
 */
export async function validatePath(path: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  return (await validateTree(path, options)).result;
}

/** {@link validatePath}, also returning what was loaded, for garbage collection. */
export async function validateTree(path: string, options: ValidateOptions = {}): Promise<TreeValidation> {
  const store = options.store ?? LOCAL_STORAGE;
  const tree = options.load === undefined ? await loadForValidation(path, store, options.limits) : await options.load(path, store);
  const findings: Finding[] = [...tree.findings];
  const located: LocatedInput[] = [];
  for (const l of tree.loaded) {
    findings.push(...l.findings);
    const snapshot = l.located?.snapshot ?? l.snapshot;
    if (snapshot !== undefined) findings.push(...validateSnapshot({ snapshot, metadataPath: l.file }));
    if (l.located !== undefined) located.push(l.located);
  }
  findings.push(...checkForeignRefs(located, tree.metadataFiles, store));
  let filesChecked = 0;
  if (options.storage ?? true) {
    // Flink records no content hashes: a warning per file would say nothing (spec/flink.md).
    const storage = await validateStorage(located, { ...options, store, ...(tree.layout === "flink" ? { warnUnhashed: false } : {}) });
    findings.push(...storage.findings);
    filesChecked = storage.filesChecked;
  }
  findings.push(...validateHistory(located));
  const sorted = byFile(findings, tree.loaded.map((l) => l.file));
  return { result: { findings: sorted, summary: { snapshots: tree.loaded.length, filesChecked, ...countSeverities(sorted) } }, tree };
}

/** Findings grouped by metadata file in `order`, keeping their order within a file. */
function byFile(findings: readonly Finding[], order: readonly string[]): Finding[] {
  const rank = new Map(order.map((f, i) => [f, i]));
  const rankOf = (f: Finding): number => rank.get(f.location.file ?? "") ?? order.length;
  return findings.map((f, i) => ({ f, i })).sort((a, b) => rankOf(a.f) - rankOf(b.f) || a.i - b.i).map(({ f }) => f);
}

/** Options of {@link validateLocated}. */
export interface LocatedValidateOptions extends StorageOptions {
  /** Check referenced files on storage. Default true. */
  storage?: boolean;
  /**
   * The name of the metadata file in the snapshot's folder: with it, every other file in that folder that no ref
   * names is KS-W098 (needs `storage`).
   */
  unreferencedBesides?: string;
}

/**
 * Every finding for one snapshot already read and located, that no metadata file under a root stands for: a Flink
 * `_metadata` converted ([spec](../../spec/flink.md#the-converter)). The checks of {@link validatePath} but loading:
 * structure, path safety, storage (as `options` say) and history (of this one snapshot), then KS-W098.
 */
export async function validateLocated(input: LocatedInput, options: LocatedValidateOptions = {}): Promise<ValidationResult> {
  const store = options.store ?? LOCAL_STORAGE;
  const findings: Finding[] = [...validateSnapshot({ snapshot: input.snapshot, metadataPath: input.metadataPath })];
  findings.push(...checkForeignRefs([input], [input.metadataPath], store));
  let filesChecked = 0;
  if (options.storage ?? true) {
    const storage = await validateStorage([input], { ...options, store });
    findings.push(...storage.findings);
    filesChecked = storage.filesChecked;
    if (options.unreferencedBesides !== undefined) findings.push(...await unreferencedFiles(input, options.unreferencedBesides, store));
  }
  findings.push(...validateHistory([input]));
  return { findings, summary: { snapshots: 1, filesChecked, ...countSeverities(findings) } };
}
