/**
 * The shape of a structural rule: it reads one decoded snapshot and reports
 * findings through a callback that fills in the metadata file, so rule modules
 * deal with fields only ([spec](../../spec/validation.md#structure)).
 */
import type { Finding } from "./finding.js";
import { finding, type RuleId } from "./rules.js";
import type { Snapshot } from "../model.js";

/** Where in the snapshot (field path) and on storage (path) a finding applies. */
export interface Where {
  field?: string;
  path?: string;
}

/** Records a finding of `rule` for the snapshot under check. */
export type Report = (rule: RuleId, where: Where, message: string) => void;

/** A structural or safety check over one snapshot. Pure: no I/O. */
export type SnapshotRule = (snapshot: Snapshot, report: Report) => void;

/** A {@link Report} that appends to `findings`, naming `file` in every location. */
export function reportInto(findings: Finding[], file: string | undefined): Report {
  return (rule, where, message) => findings.push(finding(rule, { file, ...where }, message));
}
