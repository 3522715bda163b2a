/**
 * The S3 bench alone: `node dist/test/bench/s3-run.js` after `npm run build:test` (`npm run bench` runs it after the
 * others). KSNAP_BENCH_S3_OBJECTS, KSNAP_BENCH_S3_RUNS and KSNAP_BENCH_S3_HASH_MIB scale it.
 */
import { runS3Bench } from "./s3-bench.js";

await runS3Bench();
