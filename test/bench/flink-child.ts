/**
 * Child process of the Flink bench (test/bench/flink-bench.ts): the Flink reader in its own process, serving timed
 * rounds (test/bench/serve-rounds.ts).
 *
 *     node --expose-gc dist/test/bench/flink-child.js <_metadata file>
 *         read: readFlinkMetadata of the file; convert: readFlinkMetadata + flinkToSnapshot
 */
import { readFileSync } from "node:fs";
import { flinkToSnapshot } from "../../src/flink/convert.js";
import { readFlinkMetadata } from "../../src/flink/index.js";
import { FLINK_BENCH_OPTIONS } from "./flink-fixture.js";
import { serveRounds } from "./serve-rounds.js";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: flink-child.js <_metadata file>");
const bytes = new Uint8Array(readFileSync(path));
// One conversion before serving: the first round of each operation is then not the only one paying for the JIT.
flinkToSnapshot(readFlinkMetadata(bytes), FLINK_BENCH_OPTIONS);
await serveRounds({
  read: () => readFlinkMetadata(bytes),
  convert: () => flinkToSnapshot(readFlinkMetadata(bytes), FLINK_BENCH_OPTIONS),
});
