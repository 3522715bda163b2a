/**
 * What `validate` reports: findings, each naming a rule of the catalogue, and a
 * summary ([spec](../../spec/validation.md#findings)).
 */

/** An error makes a snapshot invalid; a warning marks something suspicious or not canonical. */
export type Severity = "error" | "warning";

/**
 * Where a finding applies. Every member is optional because some findings concern
 * a whole file (it cannot be decoded) and others a storage file only.
 */
export interface FindingLocation {
  /** The metadata file, as the validated path names it. */
  file?: string;
  /** A field path such as `operators[0].subtasks[1].handles[0].incremental.sharedFiles[2]`. */
  field?: string;
  /** A storage path relative to the snapshot root, such as `shared/a.sst`. */
  path?: string;
}

/** One problem found ([spec](../../spec/validation.md#findings)). */
export interface Finding {
  /** A stable rule id such as `KS-E013`: `E` for errors, `W` for warnings. */
  rule: string;
  severity: Severity;
  location: FindingLocation;
  /** One line, with the numbers involved. */
  message: string;
}

/** Counts over one validation run. */
export interface ValidationSummary {
  /** Metadata files examined, including those that could not be decoded. */
  snapshots: number;
  /** Distinct storage files opened or looked up; 0 when storage checks are off. */
  filesChecked: number;
  errors: number;
  warnings: number;
}

/** The outcome of {@link validatePath}: every finding and their counts. */
export interface ValidationResult {
  findings: Finding[];
  summary: ValidationSummary;
}

/** Counts `findings` by severity. */
export function countSeverities(findings: readonly Finding[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const f of findings) if (f.severity === "error") errors++;
  return { errors, warnings: findings.length - errors };
}
