/**
 * Benchmarks (`npm run bench`: built, then run with --expose-gc). Each bench prints its own summary block, with
 * medians, their spread and the load average; this prints the load average between them and the total time, since
 * other jobs on the machine move every absolute figure (the ratios, measured in the same minutes, move less).
 */
import { runCliBench } from "./cli-bench.js";
import { runCodecBench } from "./codec-bench.js";
import { runFlinkBench } from "./flink-bench.js";
import { loadAverage } from "./measure.js";
import { runSavepointBench } from "./savepoint-bench.js";
import { runSemanticsBench } from "./semantics-bench.js";
import { runS3Bench } from "./s3-bench.js";
import { renderSummaryTable } from "./summary-table.js";
import { writeFileSync } from "node:fs";

const started = performance.now();
const load = (): string => loadAverage().map((x) => x.toFixed(2)).join(" ");
const benches: [string, () => Promise<unknown>][] = [
  ["codec", runCodecBench], ["flink", runFlinkBench], ["semantics", runSemanticsBench], ["savepoint", runSavepointBench], ["s3", runS3Bench],
  ["cli", runCliBench],
];
// KSNAP_BENCH_ONLY=codec,flink runs only the benches it names (the summary table then has only their rows).
const only = process.env.KSNAP_BENCH_ONLY?.split(",").map((x) => x.trim()).filter(Boolean);
for (const [name, run] of benches) {
  if (only && !only.includes(name)) continue;
  const t0 = performance.now();
  console.log(`=== ${name} bench (load average ${load()})`);
  await run();
  console.log(`=== ${name} bench: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log("");
}
const table = renderSummaryTable();
console.log(`=== summary (one run, ${new Date().toISOString().slice(0, 16)}Z; the README's Performance table is this table)`);
console.log(table);
// KSNAP_BENCH_TABLE=FILE also writes the table to FILE, to paste into the README unchanged.
if (process.env.KSNAP_BENCH_TABLE) writeFileSync(process.env.KSNAP_BENCH_TABLE, table + "\n");
console.log("");
console.log(`bench: ${((performance.now() - started) / 1000).toFixed(1)} s in all; load average ${load()} at the end`);
