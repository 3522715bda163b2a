/**
 * Benchmarks (`npm run bench`: built, then run with --expose-gc). Each bench
 * prints its own summary block.
 */
import { runCodecBench } from "./codec-bench.js";
import { runFlinkBench } from "./flink-bench.js";
import { runSavepointBench } from "./savepoint-bench.js";
import { runSemanticsBench } from "./semantics-bench.js";
import { runS3Bench } from "./s3-bench.js";

await runCodecBench();
await runFlinkBench();
await runSemanticsBench();
await runSavepointBench();
await runS3Bench();
