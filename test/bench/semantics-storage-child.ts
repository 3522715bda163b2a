/**
 * Child process of the semantics bench: validates the storage of one metadata
 * file in a fresh process, so that its peak RSS is the storage check's alone.
 *
 *     node dist/test/bench/semantics-storage-child.js <metadata file> [concurrency] [chunkBytes]
 *
 * Prints one JSON line: { ms, cpuMs, filesChecked, findings, rssBeforeKiB, maxRssKiB }
 * (cpuMs: user + system time of this process during the check, thread pool included).
 */
import { validateStorage } from "../../src/validate/index.js";
import { loadSnapshot } from "../../src/storage/snapshot-root.js";

const [metadataPath, concurrency, chunkBytes] = process.argv.slice(2);
if (metadataPath === undefined) throw new Error("usage: semantics-storage-child.js <metadata file> [concurrency] [chunkBytes]");
const located = await loadSnapshot(metadataPath);
const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
const c0 = process.cpuUsage();
const t0 = performance.now();
const result = await validateStorage(located, {
  ...(concurrency ? { concurrency: Number(concurrency) } : {}), ...(chunkBytes ? { chunkBytes: Number(chunkBytes) } : {}),
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
console.log(JSON.stringify({
  ms, cpuMs: (cpu.user + cpu.system) / 1000, filesChecked: result.filesChecked, findings: result.findings.length, firstFinding: result.findings[0]?.message,
  rssBeforeKiB, maxRssKiB: process.resourceUsage().maxRSS,
}));
