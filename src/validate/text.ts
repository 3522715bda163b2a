/**
 * Small formatters for finding messages. A message is one line even when a
 * hostile snapshot puts newlines or kilobytes into its ids and paths, so every
 * string from the snapshot goes through {@link quote} (one implementation, in
 * src/quote.ts, shared with the codec's errors and the CLI).
 */
export { quote } from "../quote.js";

/** `1 file`, `2 files`. */
export function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 || n === 1n ? "" : "s"}`;
}

/** Half-open ranges `[start, end)` as `3-7, 9, 12-20`, the first `max` of them and `…` after. */
export function formatRanges(ranges: readonly (readonly [number, number])[], max = 8): string {
  const shown = ranges.slice(0, max).map(([a, b]) => (b - a === 1 ? `${a}` : `${a}-${b - 1}`));
  return ranges.length > max ? `${shown.join(", ")}, …` : shown.join(", ");
}
