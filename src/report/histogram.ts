/**
 * Histograms in powers of two: bins `[0]`, `[1]`, `[2, 3]`, `[4, 7]`, … from the smallest to the largest value seen,
 * so that 100,000 files become a few dozen bars whatever their spread.
 */
import type { HistogramBin } from "./report-model.js";

/** Counts `values` (with their bytes) in power-of-two bins; empty bins between the first and last are kept. */
export function powerOfTwoHistogram(values: Iterable<{ value: number; bytes: number }>): HistogramBin[] {
  const bins = new Map<number, HistogramBin>();
  let lo = Infinity;
  let hi = -Infinity;
  for (const { value, bytes } of values) {
    const b = binOf(value);
    lo = Math.min(lo, b);
    hi = Math.max(hi, b);
    const bin = bins.get(b) ?? { ...binBounds(b), files: 0, bytes: 0 };
    bin.files++;
    bin.bytes += bytes;
    bins.set(b, bin);
  }
  const out: HistogramBin[] = [];
  for (let b = lo; b <= hi; b++) out.push(bins.get(b) ?? { ...binBounds(b), files: 0, bytes: 0 });
  return out;
}

/** Bin 0 holds 0; bin k >= 1 holds [2^(k-1), 2^k - 1]. */
function binOf(value: number): number {
  return value <= 0 ? 0 : Math.floor(Math.log2(value)) + 1;
}

function binBounds(b: number): { from: number; to: number } {
  return b === 0 ? { from: 0, to: 0 } : { from: 2 ** (b - 1), to: 2 ** b - 1 };
}
