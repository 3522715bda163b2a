/**
 * The one rule set that decides whether garbage collection may delete
 * anything ([spec](../../spec/ownership.md#history-validity)): gc runs
 * validation over the whole root (sizes, not hashes) and refuses exactly when
 * it reports one of these rules. The list is written in spec/ownership.md and a
 * test ties the two together.
 */
import type { RuleId } from "../validate/rules.js";

/**
 * Rules on which gc refuses, nothing deleted. KS-W072 is only a warning for
 * validation, but two physical files under one id would be deleted as one.
 * Content hashes (KS-E103) are left out on purpose: reading every file is what
 * object storage makes expensive, and a wrong content does not change which
 * files are referenced; so are segment hashes (KS-E109). A 1.1 file read by a
 * reader that does not know one of its required-feature bits is KS-E001
 * (UNKNOWN_REQUIRED_FEATURE): gc refuses the whole history rather than delete
 * files that file's structures may hold.
 */
export const GC_REFUSAL_RULES: readonly RuleId[] = [
  "KS-E001", "KS-E002", "KS-E003", "KS-E013", "KS-E060", "KS-E061", "KS-E070", "KS-E071", "KS-W072",
  "KS-E090", "KS-E091", "KS-E092", "KS-E093", "KS-E094", "KS-E095",
  "KS-E100", "KS-E101", "KS-E102", "KS-E104", "KS-E108",
  "KS-E110", "KS-E111", "KS-E112", "KS-E116", "KS-E117", "KS-E118",
];

const REFUSING = new Set<string>(GC_REFUSAL_RULES);

/** True when a finding of `rule` makes gc refuse. */
export function refusesGc(rule: string): boolean {
  return REFUSING.has(rule);
}
