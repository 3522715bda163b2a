/**
 * Storage validation: every file a snapshot refers to exists inside its root,
 * with the size and XXH64 its refs state ([spec](../../spec/validation.md#storage)).
 * Files are read in chunks through one buffer per worker, a few at a time, and
 * each distinct file once, so peak memory is `concurrency × chunkBytes` plus the
 * decoded snapshots, whatever the files' sizes.
 */
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import type { Storage, WholeHashRequest, WholeHashResults } from "../storage/storage.js";
import { checkHashed, checkTarget, whole } from "./check-target.js";
import { checkDataFileIndexes } from "./data-file-index.js";
import type { Finding } from "./finding.js";
import { forEachLimited } from "./run-limited.js";
import { pageAlignedBuffer } from "../hash/hash-file.js";
import type { LocatedInput } from "./located-input.js";
import { collectExternals, collectTargets, type StorageTarget } from "./storage-targets.js";
import { finding } from "./rules.js";
import { fileField } from "../snapshot-walk.js";
import { quote } from "./text.js";

/** How far the storage check has come; `onProgress` receives it. */
export interface StorageProgress {
  filesDone: number;
  filesTotal: number;
  bytesRead: number;
  /**
   * Bytes the check expects to read: the stated size of every file it will hash
   * (0 when it checks sizes only). An estimate: a file of another size is not
   * hashed, and one that grew is read to its end.
   */
  bytesTotal: number;
}

/** Options of {@link validateStorage}. */
export interface StorageOptions {
  /** Files read at the same time. Default 4. */
  concurrency?: number;
  /** Size of each read, and of each worker's buffer; at least 1. Default 1 MiB. */
  chunkBytes?: number;
  /** Called after each chunk and each file. */
  onProgress?: (progress: StorageProgress) => void;
  /** Compute each file's XXH64 (KS-E103, KS-W105). Default true; garbage collection checks sizes only. */
  hashes?: boolean;
  /**
   * Report KS-W105 for each ref that records no xxh64. Default true. False for snapshots converted from a format
   * that records no hash at all (a Flink `_metadata`): every ref would warn, so validation checks their sizes
   * only, silently ([spec](../../spec/validation.md#storage)). A hash that is recorded is still verified.
   */
  warnUnhashed?: boolean;
  /** Where the files are: the storage seam. Default: the local file system. */
  store?: Storage;
}

/** The findings of a storage check and how many distinct files it looked at. */
export interface StorageResult {
  findings: Finding[];
  filesChecked: number;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Checks the files of one or several located snapshots (rules of group
 * `storage`, and KS-E091; [spec](../../spec/validation.md#storage)): whole
 * files and the physical files of segments under the root; external refs are
 * reported unchecked (KS-W099). Files referenced
 * several times, in one snapshot or across a history, are read once. Paths that
 * break the path rules are skipped here: {@link validateSnapshot} reports them.
 * Never rejects because of the file system: every problem is a finding.
 */
export async function validateStorage(located: LocatedInput | readonly LocatedInput[], options: StorageOptions = {}): Promise<StorageResult> {
  const inputs: readonly LocatedInput[] = Array.isArray(located) ? located : [located as LocatedInput];
  const storage = options.store ?? LOCAL_STORAGE;
  const targets = collectTargets(inputs);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const chunkBytes = Math.max(1, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const buffers = Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, () => pageAlignedBuffer(chunkBytes));
  const hashes = options.hashes ?? true;
  const progress: StorageProgress = { filesDone: 0, filesTotal: targets.length, bytesRead: 0, bytesTotal: hashes ? bytesToHash(targets) : 0 };
  const tell = (): void => options.onProgress?.({ ...progress });
  const onBytes = (n: number): void => {
    progress.bytesRead += n;
    tell();
  };
  const realRoots = new Map<string, Promise<string | Error>>();
  const perTarget: Finding[][] = new Array(targets.length);
  const identities: (string | undefined)[] = new Array(targets.length);
  tell();
  // The files the storage hashes in the background (local: worker threads), root by root, in a plain loop: no
  // promise per file. What it could not do is left to the loop below, one file at a time.
  const handled = new Uint8Array(targets.length);
  for (const { indexes, results } of (hashes ? hashInBackground(storage, targets, onBytes) : undefined) ?? []) {
    const all = await results;
    indexes.forEach((index, i) => {
      const done = all.at(i);
      if (done === undefined) return;
      handled[index] = 1;
      const check = checkHashed(targets[index]!, done, { hashes, warnUnhashed: options.warnUnhashed ?? true });
      perTarget[index] = check.findings;
      identities[index] = check.identity;
      progress.filesDone++;
    });
    tell();
  }
  const rest: number[] = [];
  handled.forEach((h, i) => h === 0 && rest.push(i));
  await forEachLimited(rest, concurrency, async (index, _, slot) => {
    const target = targets[index]!;
    const realRoot = await realRootOf(realRoots, storage, target.root);
    if (realRoot instanceof Error) {
      perTarget[index] = [whole(target, "KS-E104", `the snapshot root cannot be resolved: ${realRoot.message}`)];
    } else {
      const check = await checkTarget(target, { storage, realRoot, buffer: buffers[slot]!, hashes, warnUnhashed: options.warnUnhashed ?? true, onBytes });
      perTarget[index] = check.findings;
      identities[index] = check.identity;
    }
    progress.filesDone++;
    tell();
  });
  // Workers finish in any order; findings are listed in the order files are first referenced.
  const firstOf = new Map<string, number>();
  identities.forEach((identity, i) => {
    if (identity !== undefined && !firstOf.has(identity)) firstOf.set(identity, i);
  });
  // With hashes, the data file of each savepoint handle is read too (its header and index: KS-E107).
  const indexes = hashes
    ? await checkDataFileIndexes(inputs, targets, perTarget, storage, (root) => realRootOf(realRoots, storage, root), concurrency)
    : new Map<number, Finding[]>();
  const findings = perTarget.flatMap((f, i) => [...f, ...(indexes.get(i) ?? []), ...samePhysicalFile(targets, identities, firstOf, i)]);
  findings.push(...uncheckedExternals(inputs));
  return { findings, filesChecked: targets.length };
}

/** Below this many files to hash, worker threads would cost more to start than they save. */
export const BACKGROUND_MIN_FILES = 64;
/**
 * Larger files are hashed on this thread, reads through the thread pool: the kernel's copy of one chunk then overlaps
 * the hashing of another, which a worker reading synchronously cannot do (measured on 8 × 128 MiB at load 5–8: ~0.7 s
 * this way, ~1.0 s in two workers). Small files cost system calls more than hashing: those go to the workers.
 */
export const BACKGROUND_MAX_FILE_BYTES = 1 << 20;

/**
 * The targets made only of whole-file refs, some with a hash, handed to the storage's {@link Storage.hashWholeFiles}
 * (by root) when it has it and there are enough of them: each one's result, by target index. Segments, and storages
 * without it, are checked one file at a time.
 */
function hashInBackground(
  storage: Storage, targets: readonly StorageTarget[], onBytes: (n: number) => void,
): { indexes: number[]; results: Promise<WholeHashResults> }[] | undefined {
  if (storage.hashWholeFiles === undefined) return undefined;
  const byRoot = new Map<string, { indexes: number[]; requests: WholeHashRequest[] }>();
  let files = 0;
  targets.forEach((t, i) => {
    if (t.segments.length > 0) return;
    const sizes = [...new Set(t.expectations.filter((e) => e.xxh64 !== 0n).map((e) => e.size))];
    if (sizes.length === 0 || sizes.some((size) => size > BigInt(BACKGROUND_MAX_FILE_BYTES))) return;
    let group = byRoot.get(t.root);
    if (group === undefined) byRoot.set(t.root, (group = { indexes: [], requests: [] }));
    group.indexes.push(i);
    group.requests.push({ path: t.path, sizes });
    files++;
  });
  if (files < BACKGROUND_MIN_FILES) return undefined;
  // Every root's files start now; the targets of each, and what became of them in the same order.
  const hashWholeFiles = storage.hashWholeFiles.bind(storage);
  return [...byRoot].map(([root, { indexes, requests }]) => ({ indexes, results: hashWholeFiles(root, requests, onBytes) }));
}

/**
 * The stated size of each file a hashing check reads: the largest size among the
 * refs that record a hash, and the length of each segment that records one.
 */
function bytesToHash(targets: readonly StorageTarget[]): number {
  let total = 0;
  for (const t of targets) {
    const sizes = t.expectations.filter((e) => e.xxh64 !== 0n).map((e) => Number(e.size));
    if (sizes.length > 0) total += Math.max(...sizes);
    for (const e of t.segments) if (e.xxh64 !== 0n) total += Number(e.length);
  }
  return total;
}

/**
 * KS-W099 for each distinct external URI (1.1): it lies outside the snapshot
 * root, so validation never resolves it, and no resolver for URIs exists yet.
 * A warning: nothing is known to be wrong, and gc never deletes it.
 */
function uncheckedExternals(inputs: readonly LocatedInput[]): Finding[] {
  return collectExternals(inputs).map((x) => finding("KS-W099", { file: x.file, field: fileField(x.site) },
    `external file ${quote(x.uri)}${x.refs > 1 ? ` (${x.refs} refs)` : ""} is outside the snapshot root and was not checked (size ${x.site.ref.size} not verified)`));
}

/**
 * KS-E093 for target `i` when an earlier target is the same physical file (one
 * device and inode): a hard link, or a symbolic link to it. Deleting the file
 * under one name would delete the other's content.
 */
function samePhysicalFile(
  targets: readonly StorageTarget[], identities: readonly (string | undefined)[], firstOf: ReadonlyMap<string, number>, i: number,
): Finding[] {
  const identity = identities[i];
  if (identity === undefined) return [];
  const first = firstOf.get(identity)!;
  if (first === i) return [];
  const other = targets[first]!;
  return [whole(targets[i]!, "KS-E093", `is the same physical file as ${quote(other.path)}${other.root === targets[i]!.root ? "" : ` under ${other.root}`} (device and inode ${identity}): one file, two names`)];
}

/** The real path of each root, resolved once. */
function realRootOf(cache: Map<string, Promise<string | Error>>, storage: Storage, root: string): Promise<string | Error> {
  let real = cache.get(root);
  if (real === undefined) {
    real = storage.realRoot(root).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    cache.set(root, real);
  }
  return real;
}
