/**
 * Child process of the savepoint bench: writes or reads one savepoint data file
 * in a fresh process, so that its peak RSS is the writer's or the reader's alone.
 *
 *     node dist/test/bench/savepoint-bench-child.js write <file> <keys per key group> <presorted 0|1> [compression workers]
 *     node dist/test/bench/savepoint-bench-child.js read <file> [worker]
 *
 * Prints one JSON line: { ms, logicalBytes, fileBytes, rssBeforeKiB, maxRssKiB }.
 */
import { readFileSync, statSync } from "node:fs";
import { readDataFileInfo, readKeyGroupBatches } from "../../src/savepoint/index.js";
import { batchLogicalBytes, writeBenchSavepoint } from "./savepoint-fixture.js";

const [mode, path, keys, presorted, workers] = process.argv.slice(2);
if ((mode !== "write" && mode !== "read") || path === undefined) {
  throw new Error("usage: savepoint-bench-child.js write <file> <keys per key group> <presorted 0|1> [workers] | read <file> [worker]");
}
const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
const t0 = performance.now();
let logical = 0;
if (mode === "write") {
  logical = writeBenchSavepoint(path, Number(keys), presorted === "1", false, Number(workers ?? 0)).logical;
} else {
  const info = await readDataFileInfo(path);
  const handle = { keyGroups: info.keyGroups, offsets: info.offsets, dataFile: { size: info.size } };
  for await (const batch of readKeyGroupBatches(path, handle, undefined, {}, { decodeWorker: keys === "worker" })) {
    logical += batchLogicalBytes(batch);
  }
}
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, logicalBytes: logical, fileBytes: statSync(path).size, rssBeforeKiB, maxRssKiB: peakRssKiB() }));

/**
 * This process's own peak RSS. On Linux it is VmHWM, which starts afresh with
 * the new address space of exec; getrusage's maxRSS does not: it keeps the
 * peak of the forked copy of the parent, so every child would report at least
 * the bench process's RSS at the time it was spawned.
 */
function peakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m !== null) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}
