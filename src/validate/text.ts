/**
 * Small formatters for finding messages. A message is one line even when a
 * hostile snapshot puts newlines or kilobytes into its ids and paths, so every
 * string from the snapshot goes through {@link quote}.
 */

const MAX_QUOTED = 120;

/** `s` as a JSON string literal (control characters escaped), shortened to about 120 characters. */
export function quote(s: string): string {
  const short = s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s;
  return JSON.stringify(short);
}

/** `1 file`, `2 files`. */
export function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 || n === 1n ? "" : "s"}`;
}

/** Half-open ranges `[start, end)` as `3-7, 9, 12-20`, the first `max` of them and `…` after. */
export function formatRanges(ranges: readonly (readonly [number, number])[], max = 8): string {
  const shown = ranges.slice(0, max).map(([a, b]) => (b - a === 1 ? `${a}` : `${a}-${b - 1}`));
  return ranges.length > max ? `${shown.join(", ")}, …` : shown.join(", ");
}
