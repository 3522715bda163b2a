/**
 * Runs the storage hashing figures alone (the last part of the semantics bench):
 * `node dist/test/bench/hashing-run.js` (after `npx tsc -p .`). `--quick`: 2 files of 16 MiB, 2,000 small files,
 * 1 round. KSNAP_BENCH_SMALL_FILES sets the number of small files (default 100,000).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchHashing } from "./hashing-bench.js";
import { loadAverage } from "./measure.js";

const quick = process.argv.includes("--quick");
const load = (): string => loadAverage().map((x) => x.toFixed(2)).join(" ");
const dir = mkdtempSync(join(tmpdir(), "ksnap-bench-hash-"));
const before = load();
try {
  const { large, small } = benchHashing(dir, {
    hashFiles: quick ? 2 : 8, hashFileMiB: quick ? 16 : 128, smallFiles: quick ? 2000 : Number(process.env.KSNAP_BENCH_SMALL_FILES ?? 100_000),
    smallFileKiB: 4, rounds: quick ? 1 : 5,
  }, (l) => console.log(l));
  for (const [name, f] of [["large files", large], ["small files", small]] as const) {
    console.log(`${name}: ksnap validate ${f.oursMs.toFixed(0)} ms (${f.oursSpread}) vs baseline ${f.theirsMs.toFixed(0)} ms (${f.theirsSpread}): ` +
      `${f.ratio.toFixed(2)}× (rounds ${f.roundRatios}); peak RSS ${f.peakRssMiB.toFixed(1)} MiB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`load average (1, 5, 15 min): ${before} before, ${load()} after`);
