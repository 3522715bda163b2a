/**
 * Runs the Flink reader bench alone: `node --expose-gc dist/test/bench/flink-run.js` (after `npx tsc -p .`).
 * `--quick` runs a small version.
 */
import { runFlinkBench } from "./flink-bench.js";

const quick = process.argv.includes("--quick");
await runFlinkBench(quick ? { shape: { totalRefs: 50_000 }, runs: 2 } : {});
