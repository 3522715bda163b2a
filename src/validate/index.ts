/**
 * Semantic validation of snapshots ([spec](../../spec/validation.md)): the rule
 * catalogue, the checks by group, and `validatePath` for all of them.
 */
export { RULES, type RuleGroup, type RuleId, type RuleInfo } from "./rules.js";
export type { Finding, FindingLocation, Severity, ValidationResult, ValidationSummary } from "./finding.js";
export type { LocatedInput } from "./located-input.js";
export { validateSnapshot, type SnapshotInput, type SnapshotValidationOptions } from "./validate-snapshot.js";
export { validateStorage, type StorageOptions, type StorageProgress, type StorageResult } from "./validate-storage.js";
export { validateHistory } from "./validate-history.js";
export { validateLocated, validatePath, type LocatedValidateOptions, type ValidateOptions } from "./validate-path.js";
export { renderJson, renderJsonChunks, renderText } from "./render-report.js";
export { localNameProblem } from "./local-name-rules.js";
