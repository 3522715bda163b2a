/**
 * Where two JSON values differ, as one line naming the first differing member
 * by its JSON Pointer: for decode tests, which compare an adapter's JSON form
 * with the vector's.
 */

/** Undefined when `actual` equals `expected` as JSON values (member order aside); else the first difference. */
export function jsonDifference(expected: unknown, actual: unknown, at = ""): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at || "/"}: ${shown(actual)}, expected an array`;
    if (actual.length !== expected.length) return `${at || "/"}: ${actual.length} items, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = jsonDifference(expected[i], actual[i], `${at}/${i}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return `${at || "/"}: ${shown(actual)}, expected an object`;
    return objectDifference(expected, actual, at);
  }
  return Object.is(expected, actual) ? undefined : `${at || "/"}: ${shown(actual)}, expected ${shown(expected)}`;
}

function objectDifference(expected: Record<string, unknown>, actual: Record<string, unknown>, at: string): string | undefined {
  for (const k of Object.keys(expected)) {
    if (!Object.hasOwn(actual, k)) return `${at}/${k}: missing, expected ${shown(expected[k])}`;
    const d = jsonDifference(expected[k], actual[k], `${at}/${k}`);
    if (d !== undefined) return d;
  }
  const extra = Object.keys(actual).find((k) => !Object.hasOwn(expected, k));
  return extra === undefined ? undefined : `${at}/${extra}: unexpected member`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 80) + "…" : s;
}
