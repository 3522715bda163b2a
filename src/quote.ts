/**
 * Quoting untrusted text for one-line messages ([spec](../spec/format-v1.md#errors)).
 * Ids, paths, file names and bytes of a hostile input may hold newlines, escape
 * sequences or kilobytes: printed raw they would break the one-line rule or drive
 * the user's terminal. Both the codec's errors and the validator's findings quote
 * through here, so there is one implementation.
 */

const MAX_QUOTED = 120;

/** `s` as a JSON string literal (control characters escaped), shortened to about 120 characters. */
export function quote(s: string): string {
  const short = s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s;
  return escapeControls(JSON.stringify(short));
}

// C0, DEL and C1 controls, and the line and paragraph separators some terminals break lines on.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** True when `s` holds a character that a terminal would act on rather than print. */
export function hasControl(s: string): boolean {
  return CONTROL.test(s);
}

/** `s` with every control character written as an escape (`\n`, `\u001b`), so it prints as one inert line. */
export function escapeControls(s: string): string {
  return s.replace(CONTROLS, escapeOne);
}

/**
 * A file name for a message: as it is when it is plain; quoted, with its control
 * characters escaped, when it holds any (a name may contain a newline).
 */
export function fileLabel(name: string): string {
  return hasControl(name) ? `"${escapeControls(name.replace(/["\\]/g, (c) => `\\${c}`))}"` : name;
}

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}
