/**
 * A conformance run as JUnit XML ([spec](../../spec/conformance.md#runner)), the
 * report CI systems read: one `testsuite` per level. FAIL and XPASS are
 * failures, ERROR is an error, UNSUPPORTED and XFAIL are skipped.
 */
import { LEVELS, type TestResult } from "./outcomes.js";
import { countOutcomes } from "./report-text.js";
import type { SuiteResult } from "./run-suite.js";

/** The XML document, ending with a newline. */
export function renderJunit(s: SuiteResult): string {
  const suites = LEVELS.filter((l) => s.levels.includes(l)).map((level) => suite(level, s.results.filter((r) => r.level === level),
    level === "cross-restore" ? adapterProperties(s) : []));
  const c = countOutcomes(s.results);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ksnap conformance" tests="${s.results.length}" failures="${c.FAIL + c.XPASS}" errors="${c.ERROR}" ` +
      `skipped="${c.UNSUPPORTED + c.XFAIL}" time="${seconds(s.ms)}">`,
    ...suites,
    "</testsuites>",
  ].join("\n") + "\n";
}

function suite(level: string, results: readonly TestResult[], properties: readonly string[]): string {
  const c = countOutcomes(results);
  const ms = results.reduce((sum, r) => sum + r.ms, 0);
  const head = `  <testsuite name="${level}" tests="${results.length}" failures="${c.FAIL + c.XPASS}" errors="${c.ERROR}" ` +
    `skipped="${c.UNSUPPORTED + c.XFAIL}" time="${seconds(ms)}">`;
  return [head, ...properties, ...results.map(testcase), "  </testsuite>"].join("\n");
}

/** The cross-restore suite names both adapters: the one that wrote the savepoints and the one that restored them. */
function adapterProperties(s: SuiteResult): string[] {
  const who = (a: SuiteResult["adapter"]) => xml(`${a.name ?? "(no hello)"} ${a.version ?? ""} via ${a.command}`.replace(/ {2}/, " "));
  const props = [`      <property name="adapter" value="${who(s.adapter)}"/>`];
  if (s.restoreWith !== undefined) props.push(`      <property name="restore-with" value="${who(s.restoreWith)}"/>`);
  return ["    <properties>", ...props, "    </properties>"];
}

function testcase(r: TestResult): string {
  const open = `    <testcase classname="${r.level}" name="${xml(r.id)}" time="${seconds(r.ms)}"`;
  const reason = xml(r.reason ?? "");
  switch (r.outcome) {
    case "PASS": return `${open}/>`;
    case "FAIL": case "XPASS": return `${open}><failure message="${reason}" type="${r.outcome}">${reason}</failure></testcase>`;
    case "ERROR": return `${open}><error message="${reason}" type="ERROR">${reason}</error></testcase>`;
    case "UNSUPPORTED": return `${open}><skipped message="unsupported: ${reason}"/></testcase>`;
    case "XFAIL": return `${open}><skipped message="expected failure: ${reason}"/></testcase>`;
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Escapes text for an XML attribute or element, dropping characters XML 1.0 cannot hold. */
export function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
