/**
 * `validate` on a path: a metadata file, a snapshot folder, or a checkpoint root
 * with its history. Loads every metadata file, then runs the structural, safety,
 * storage and history checks ([spec](../../spec/validation.md)).
 */
import type { DecodeLimits } from "../limits.js";
import { countSeverities, type Finding, type ValidationResult } from "./finding.js";
import { loadForValidation } from "./load-snapshots.js";
import type { LocatedInput } from "./located-input.js";
import { validateHistory } from "./validate-history.js";
import { validateSnapshot } from "./validate-snapshot.js";
import { type StorageOptions, validateStorage } from "./validate-storage.js";

/** Options of {@link validatePath}. */
export interface ValidateOptions extends StorageOptions {
  /** Check referenced files on storage (existence, size, xxh64). Default true. */
  storage?: boolean;
  /** Limits for decoding metadata files. */
  limits?: DecodeLimits;
}

/**
 * Every finding for the snapshots under `path`, listed by metadata file (in
 * path order), and their counts.
 * @throws KsnapError IO_ERROR when `path` does not exist or holds no metadata file;
 * every problem of the snapshots themselves is a finding.
 */
export async function validatePath(path: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  const loaded = loadForValidation(path, options.limits);
  const findings: Finding[] = [];
  const located: LocatedInput[] = [];
  for (const l of loaded) {
    findings.push(...l.findings);
    const snapshot = l.located?.snapshot ?? l.snapshot;
    if (snapshot !== undefined) findings.push(...validateSnapshot({ snapshot, metadataPath: l.file }));
    if (l.located !== undefined) located.push(l.located);
  }
  let filesChecked = 0;
  if (options.storage ?? true) {
    const storage = await validateStorage(located, options);
    findings.push(...storage.findings);
    filesChecked = storage.filesChecked;
  }
  findings.push(...validateHistory(located));
  const sorted = byFile(findings, loaded.map((l) => l.file));
  return { findings: sorted, summary: { snapshots: loaded.length, filesChecked, ...countSeverities(sorted) } };
}

/** Findings grouped by metadata file in `order`, keeping their order within a file. */
function byFile(findings: readonly Finding[], order: readonly string[]): Finding[] {
  const rank = new Map(order.map((f, i) => [f, i]));
  const rankOf = (f: Finding): number => rank.get(f.location.file ?? "") ?? order.length;
  return findings.map((f, i) => ({ f, i })).sort((a, b) => rankOf(a.f) - rankOf(b.f) || a.i - b.i).map(({ f }) => f);
}
