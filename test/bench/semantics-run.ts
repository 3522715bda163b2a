/**
 * Runs the semantics bench alone: `node --expose-gc dist/test/bench/semantics-run.js`
 * (after `npx tsc -p .`). `--quick` runs a small version of every part.
 */
import { runSemanticsBench } from "./semantics-bench.js";

const quick = process.argv.includes("--quick");
await runSemanticsBench(quick ? { checkpoints: 100, runs: 2, registryCheckpoints: 100, registryRuns: 1, hashFiles: 2, hashFileMiB: 16, smallFiles: 2000, hashRuns: 1 } : {});
