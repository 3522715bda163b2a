/**
 * A conformance run as TAP version 14 ([spec](../../spec/conformance.md#runner)):
 * one test point per test; UNSUPPORTED is a SKIP, XFAIL a TODO, and a failure
 * carries its outcome and reason in a YAML block.
 */
import type { TestResult } from "./outcomes.js";
import type { SuiteResult } from "./run-suite.js";
import { totalLine } from "./report-text.js";

/** The TAP document, ending with a newline. */
export function renderTap(s: SuiteResult): string {
  const lines = ["TAP version 14", `1..${s.results.length}`];
  if (s.restoreWith !== undefined) {
    const who = (a: SuiteResult["adapter"]) => `${a.name ?? "(no hello)"} ${a.version ?? ""} via ${JSON.stringify(a.command)}`;
    lines.push(`# adapter: ${who(s.adapter)}`, `# savepoints restored by: ${who(s.restoreWith)}`);
  }
  s.results.forEach((r, i) => lines.push(...point(r, i + 1)));
  lines.push(`# ${totalLine(s)}`);
  return lines.join("\n") + "\n";
}

function point(r: TestResult, n: number): string[] {
  const name = `${n} - ${r.id}`;
  switch (r.outcome) {
    case "PASS": return [`ok ${name}`];
    case "UNSUPPORTED": return [`ok ${name} # SKIP ${directiveText(r.reason)}`];
    case "XFAIL": return [`not ok ${name} # TODO expected failure: ${directiveText(r.reason)}`];
    default: return [`not ok ${name}`, "  ---", `  outcome: ${r.outcome}`, `  reason: ${JSON.stringify(r.reason ?? "")}`, "  ..."];
  }
}

/** A directive's text stays on one line and cannot end the description early. */
function directiveText(reason: string | undefined): string {
  return (reason ?? "").replace(/[\r\n]+/g, " ").replace(/#/g, "\\#");
}
