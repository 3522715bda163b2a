/** Timing helpers shared by the benches: a full GC between phases, medians, one timed call, the load average. */
import { loadavg } from "node:os";

/** Two full collections when node runs with --expose-gc; nothing otherwise. */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) { g(); g(); }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Milliseconds `fn` takes, after a full GC. */
export function time(fn: () => unknown): number {
  gc();
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** os.loadavg(): the 1, 5 and 15 minute load averages, printed with every bench's figures. */
export function loadAverage(): number[] {
  return loadavg();
}

/** The spread of `xs` as printed beside a median: "fastest–slowest". */
export function spread(xs: readonly number[], digits = 0): string {
  return `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
}
