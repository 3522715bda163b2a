/**
 * Structural and safety validation of one decoded snapshot: pure, no I/O
 * ([spec](../../spec/validation.md#structure)).
 */
import type { Snapshot } from "../model.js";
import { checkCheckpointIds } from "./checkpoint-id-rules.js";
import { checkFileIdentity } from "./file-identity-rules.js";
import type { Finding } from "./finding.js";
import { checkFinished } from "./finished-rules.js";
import { checkIdentity } from "./identity-rules.js";
import { checkKeyGroupCoverage } from "./key-group-coverage.js";
import { checkKeyGroupRanges } from "./key-group-rules.js";
import { checkLocalNames } from "./local-name-rules.js";
import { checkMasterStates } from "./master-state-rules.js";
import { checkOffsets } from "./offset-rules.js";
import { checkOperators } from "./operator-rules.js";
import { checkOperatorStates } from "./operator-state-rules.js";
import { checkOrder } from "./order-rules.js";
import { checkPathSafety } from "./path-safety-rules.js";
import { checkPlacement } from "./placement-rules.js";
import { checkProperties } from "./property-rules.js";
import { checkSegmentOverlaps } from "./segment-rules.js";
import { reportInto, type SnapshotRule } from "./snapshot-rule.js";
import { checkSizes } from "./size-rules.js";

/** A decoded snapshot and, when it came from storage, its metadata file. A `LocatedSnapshot` is one. */
export interface SnapshotInput {
  snapshot: Snapshot;
  metadataPath?: string;
}

/** Options of {@link validateSnapshot}. */
export interface SnapshotValidationOptions {
  /** How findings name the metadata file; defaults to `metadataPath`. */
  file?: string;
}

/** The checks in the order their findings are listed: identity and properties first, order and placement last. */
const SNAPSHOT_RULES: readonly SnapshotRule[] = [
  checkIdentity, checkProperties, checkCheckpointIds, checkOperators, checkFinished, checkMasterStates, checkKeyGroupRanges,
  checkKeyGroupCoverage, checkOffsets, checkOperatorStates, checkSegmentOverlaps, checkFileIdentity, checkLocalNames, checkSizes,
  checkPathSafety, checkPlacement, checkOrder,
];

/**
 * The structural and safety findings of one snapshot (rules of groups
 * `structure` and, for paths, `safety`; [spec](../../spec/validation.md#rules)).
 * Never throws on any decoded snapshot.
 */
export function validateSnapshot(input: SnapshotInput, options: SnapshotValidationOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const report = reportInto(findings, options.file ?? input.metadataPath);
  for (const rule of SNAPSHOT_RULES) rule(input.snapshot, report);
  return findings;
}
