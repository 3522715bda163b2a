/**
 * Levels, capabilities and outcomes of the conformance suite
 * ([spec](../../spec/conformance.md#test-catalogue)).
 */

/**
 * The test levels, in the order the runner runs them. `cross-restore` has tests
 * only in a run with a second adapter (`--restore-with`).
 */
export const LEVELS = ["decode", "encode", "checkpoint", "savepoint", "restore", "ownership", "cross-restore"] as const;

/** A test level. */
export type Level = (typeof LEVELS)[number];

/** The capabilities an adapter may declare ([spec](../../spec/conformance.md#operations)). */
export const CAPABILITIES = [
  "decode", "encode", "read-data", "state", "checkpoint", "incremental", "savepoint", "discard",
  "restore-savepoint", "restore-checkpoint", "rescale", "compact",
] as const;

/** A capability name. */
export type Capability = (typeof CAPABILITIES)[number];

/** What a test came to ([spec](../../spec/conformance.md#test-catalogue)); XFAIL and XPASS come from the expected-failure list. */
export type Outcome = "PASS" | "FAIL" | "UNSUPPORTED" | "ERROR" | "XFAIL" | "XPASS";

/** A test of the catalogue. */
export interface TestInfo {
  /** Stable id: `<level>/<what>/<check>`. */
  id: string;
  level: Level;
  /** Capabilities the test needs; missing ones make it UNSUPPORTED. */
  needs: readonly Capability[];
}

/** A test's result. */
export interface TestResult {
  id: string;
  level: Level;
  outcome: Outcome;
  /** Why it did not pass (or, for XPASS, that it was listed). */
  reason?: string;
  ms: number;
}

/** True when `outcome` makes the run fail. */
export function isFailure(outcome: Outcome): boolean {
  return outcome === "FAIL" || outcome === "ERROR" || outcome === "XPASS";
}
