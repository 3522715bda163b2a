/**
 * The gc section of a report: `gc --retain N` as a dry run (nothing is deleted), summarised: the checkpoints it
 * subsumes, the files and orphans it would delete and the bytes that frees, or why it refuses.
 */
import { KsnapError } from "../errors.js";
import type { GcReport } from "../gc/gc-run.js";
import type { Finding } from "../validate/finding.js";
import { TOP_LIST_LENGTH, type GcSection, type ReportFinding } from "./report-model.js";

/** The section for a gc dry run's `report` with `retain`. */
export function gcSection(report: GcReport, retain: number): GcSection {
  const base = emptyGcSection(retain, "");
  if (report.problems.length > 0 || report.plan === undefined) {
    return { ...base, applicable: true, reason: `gc refuses: ${report.problems.length} problem(s) in the history; it would delete nothing`,
      refusals: report.problems.map(flatFinding) };
  }
  const plan = report.plan;
  const deletable = report.orphans.filter((o) => o.deletable);
  const files = plan.files.map((f) => ({ path: f.path, bytes: Number(f.size) }));
  return {
    ...base, applicable: true,
    subsumed: plan.subsumed.map((s) => String(s.id)), retained: plan.retained.map(String),
    files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0),
    largest: [...files].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1)).slice(0, TOP_LIST_LENGTH),
    orphans: deletable.length, orphanBytes: deletable.reduce((n, o) => n + Number(o.size), 0),
  };
}

/** The section when gc does not apply (a single snapshot, a folder that is no checkpoint root): `reason` says why. */
export function emptyGcSection(retain: number, reason: string): GcSection {
  return { applicable: false, reason, retain, subsumed: [], retained: [], files: 0, bytes: 0, largest: [], orphans: 0, orphanBytes: 0, refusals: [] };
}

/** The section for a gc run that threw `e`: the folder is not a root gc takes. */
export function gcNotApplicable(e: KsnapError, retain: number): GcSection {
  return emptyGcSection(retain, `gc does not apply: ${e.message.split("\n")[0]}`);
}

/** A finding as the report lists it. */
export function flatFinding(f: Finding): ReportFinding {
  return {
    rule: f.rule, severity: f.severity, file: f.location.file ?? "", field: f.location.field ?? "", path: f.location.path ?? "",
    message: f.message,
  };
}
