/**
 * Expected-failure lists ([spec](../../spec/conformance.md#expected-failures)):
 * one test id per line, `#` comments. A listed test that fails is XFAIL; one
 * that passes is XPASS, itself a failure, as in protobuf's conformance runner.
 */
import { KsnapError } from "../errors.js";
import { quote } from "../quote.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import type { TestResult } from "./outcomes.js";

/** Largest expected-failures file read: far above one line per test of the catalogue. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

/**
 * The ids listed in the file at `path` (the user named it: a link is followed);
 * IO_ERROR or INVALID_FIELD (a line that is not an id, or an unknown id).
 */
export async function readExpectedFailures(path: string, known: ReadonlySet<string>): Promise<Set<string>> {
  const text = Buffer.from(await LOCAL_STORAGE.read(path, MAX_LIST_BYTES, { followLinks: true })).toString("utf8");
  const ids = new Set<string>();
  for (const [i, raw] of text.split("\n").entries()) {
    const id = raw.replace(/#.*/, "").trim();
    if (id === "") continue;
    if (/\s/.test(id)) throw lineError(path, i, `${quote(id)} is not one test id (one per line)`);
    if (!known.has(id)) throw lineError(path, i, `${quote(id)} is not a test of the catalogue (check its spelling; ksnap conformance --list shows every id)`);
    ids.add(id);
  }
  return ids;
}

function lineError(path: string, index: number, message: string): KsnapError {
  return new KsnapError("INVALID_FIELD", `line ${index + 1}: ${message}`, { file: path });
}

/** `result` with the expected-failure list applied. */
export function applyExpected(result: TestResult, expected: ReadonlySet<string>): TestResult {
  if (!expected.has(result.id)) return result;
  if (result.outcome === "FAIL" || result.outcome === "ERROR") return { ...result, outcome: "XFAIL" };
  if (result.outcome === "PASS") {
    return { ...result, outcome: "XPASS", reason: "listed as an expected failure, but it passes: remove it from the list" };
  }
  return result;
}
