/**
 * The two forms of a validation report: readable text, findings grouped by
 * metadata file with a summary line, and JSON (`{findings, summary}`)
 * ([spec](../../spec/validation.md#command-line)).
 */
import type { Finding, ValidationResult } from "./finding.js";
import { jsonTextLineChunks } from "../json/json-text-chunks.js";
import { escapeControls, fileLabel } from "../quote.js";
import { plural } from "./text.js";

/** The report as text: one header line per metadata file with findings, one line per finding, then the summary. */
export function renderText(result: ValidationResult, storageChecked: boolean): string {
  const lines: string[] = [];
  for (const [file, findings] of groupByFile(result.findings)) {
    lines.push(`${fileLabel(file)}:`);
    // Paths and messages may carry a hostile snapshot's text: each finding stays one inert line.
    for (const f of findings) lines.push(`  ${f.severity.padEnd(7)} ${f.rule}  ${escapeControls(`${locationOf(f)}${f.message}`)}`);
  }
  lines.push(summaryLine(result, storageChecked));
  return `${lines.join("\n")}\n`;
}

/** The report as JSON text: `{"findings": [...], "summary": {...}}`. */
export function renderJson(result: ValidationResult): string {
  return `${JSON.stringify({ findings: result.findings, summary: result.summary }, null, 2)}\n`;
}

/** {@link renderJson} in chunks, made as they are written (a report of many findings is never one string). */
export function* renderJsonChunks(result: ValidationResult): Generator<string, void, undefined> {
  yield* jsonTextLineChunks({ findings: result.findings, summary: result.summary });
}

/** `3 snapshots, 14 files checked: 1 error, 2 warnings` */
export function summaryLine(result: ValidationResult, storageChecked: boolean): string {
  const s = result.summary;
  const what = `${plural(s.snapshots, "snapshot")}, ${storageChecked ? `${plural(s.filesChecked, "file")} checked on storage` : "storage not checked"}`;
  const counts = s.errors + s.warnings === 0 ? "no findings" : `${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}`;
  return `validated ${what}: ${counts}`;
}

function groupByFile(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = f.location.file ?? "(no file)";
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [f]);
    else group.push(f);
  }
  return groups;
}

/** `field: ` or, for a finding about a storage file only, `path: `. */
function locationOf(f: Finding): string {
  const at = f.location.field ?? f.location.path;
  return at === undefined ? "" : `${at}: `;
}
