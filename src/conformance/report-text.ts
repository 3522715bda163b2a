/**
 * The text report of a conformance run ([spec](../../spec/conformance.md#runner)):
 * the adapter, a table of outcomes per level, every test that did not pass
 * with its reason, and a total line with the time taken.
 */
import type { Level, Outcome, TestResult } from "./outcomes.js";
import type { SuiteResult } from "./run-suite.js";

const COLUMNS: Outcome[] = ["PASS", "FAIL", "ERROR", "UNSUPPORTED", "XFAIL", "XPASS"];

/** Counts of each outcome in `results`. */
export function countOutcomes(results: readonly TestResult[]): Record<Outcome, number> {
  const counts = Object.fromEntries(COLUMNS.map((c) => [c, 0])) as Record<Outcome, number>;
  for (const r of results) counts[r.outcome]++;
  return counts;
}

/** The whole report, ending with a newline. */
export function renderTextReport(s: SuiteResult): string {
  const lines = [adapterLine(s), "", table(s), ""];
  const notPassed = s.results.filter((r) => r.outcome !== "PASS" && r.outcome !== "UNSUPPORTED");
  for (const r of notPassed) lines.push(`${r.outcome.padEnd(5)} ${r.id}: ${r.reason ?? ""}`);
  const unsupported = s.results.filter((r) => r.outcome === "UNSUPPORTED").length;
  if (unsupported > 0) lines.push(`${unsupported} test(s) unsupported: the adapter does not declare what they need`);
  if (notPassed.length > 0 || unsupported > 0) lines.push("");
  lines.push(totalLine(s));
  return lines.join("\n") + "\n";
}

function adapterLine(s: SuiteResult): string {
  const a = s.adapter;
  const who = a.name === undefined ? "(no hello)" : `${a.name} ${a.version}`;
  const restarts = a.starts > 1 ? `, restarted ${a.starts - 1} time(s)` : "";
  const line = `ksnap conformance: ${who} via ${JSON.stringify(a.command)}${restarts}\ncapabilities: ${a.capabilities.join(", ") || "(none)"}`;
  const r = s.restoreWith;
  if (r === undefined) return line;
  const second = r.name === undefined ? "(no hello)" : `${r.name} ${r.version}`;
  return `${line}\nsavepoints restored by: ${second} via ${JSON.stringify(r.command)}${r.starts > 1 ? `, restarted ${r.starts - 1} time(s)` : ""}` +
    `\nits capabilities: ${r.capabilities.join(", ") || "(none)"}`;
}

function table(s: SuiteResult): string {
  const width = Math.max(11, ...s.levels.map((l) => l.length + 1));
  const header = ["level".padEnd(width), ...COLUMNS.map((c) => c.toLowerCase().padStart(13))].join("");
  const rows = s.levels.map((level: Level) => {
    const counts = countOutcomes(s.results.filter((r) => r.level === level));
    return [level.padEnd(width), ...COLUMNS.map((c) => String(counts[c]).padStart(13))].join("");
  });
  return [header, ...rows].join("\n");
}

/** `tests: 120 (118 passed, 2 failed, …) in 12.3 s`. */
export function totalLine(s: SuiteResult): string {
  const c = countOutcomes(s.results);
  return `${s.results.length} tests: ${c.PASS} passed, ${c.FAIL} failed, ${c.ERROR} errors, ${c.UNSUPPORTED} unsupported, ` +
    `${c.XFAIL} expected failures, ${c.XPASS} unexpected passes, in ${(s.ms / 1000).toFixed(1)} s`;
}
