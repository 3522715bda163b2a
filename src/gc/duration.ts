/**
 * Durations as a user writes them for `--grace-period`: one or more whole
 * numbers with a unit, such as `3d`, `36h`, `1d12h` or `90s`; `0` alone means
 * no grace period.
 */

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

const WHOLE = /^(?:\d+(?:ms|[wdhms]))+$/;
const PART = /(\d+)(ms|[wdhms])/g;

/** `text` in milliseconds, or undefined when it is not a duration (or beyond 2^53 ms). */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (!WHOLE.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(PART)) ms += Number(n) * UNIT_MS[unit as Unit];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** `ms` in the largest units that divide it exactly, such as `3d` or `1d12h`; `0` for zero. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  let rest = ms;
  let text = "";
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text;
}
