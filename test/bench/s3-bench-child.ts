/**
 * Child process of the S3 bench: one command's work on one location, in a fresh process, so that its peak RSS is
 * that work's alone.
 *
 *     node dist/test/bench/s3-bench-child.js validate|gc-plan|get|scan <location> [endpoint]
 *
 * `scan` walks the root as validation and gc do and says how many bytes of heap the walk keeps per file (the
 * listing's records on S3); measured between two full GCs.
 * `get` drains one object through the SDK with no hashing, as a baseline for streamed-GET hashing.
 *
 * Prints one JSON line: { ms, peakRssKiB, liveHeapKiB, findings, errors, planFiles, orphans, keptBytesPerFile }. Run it with
 * `node --expose-gc`.
 */
import { readFileSync } from "node:fs";
import { runGc } from "../../src/gc/gc-run.js";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { parseS3Location } from "../../src/storage/s3-location.js";
import type { S3Storage } from "../../src/storage/s3-storage.js";
import { storageFor } from "../../src/storage/storage-for.js";
import { scanTree } from "../../src/storage/tree-scan.js";
import { validateTree } from "../../src/validate/validate-path.js";

const [op, location, endpoint] = process.argv.slice(2);
if (!["validate", "gc-plan", "get", "scan"].includes(op ?? "") || location === undefined) throw new Error("usage: s3-bench-child.js validate|gc-plan|get|scan <location> [endpoint]");
const store = storageFor(location, endpoint === undefined ? {} : { endpoint });
const t0 = performance.now();
let out: Record<string, number>;
if (op === "scan") {
  // What the walk of the root keeps once it is done (the listing's records on S3), measured between two full GCs.
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  gc();
  const before = process.memoryUsage().heapUsed;
  const scan = await scanTree(store, location);
  gc();
  out = { findings: 0, errors: 0, files: scan.files.length, keptBytesPerFile: (process.memoryUsage().heapUsed - before) / scan.files.length };
} else if (op === "get") {
  const { bucket, key } = parseS3Location(location);
  const res = await (store as S3Storage).client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  let bytes = 0;
  for await (const chunk of res.Body as AsyncIterable<Uint8Array>) bytes += chunk.length;
  out = { findings: 0, errors: 0, bytes };
} else if (op === "validate") {
  const { result } = await validateTree(location, { store });
  out = { findings: result.findings.length, errors: result.summary.errors, filesChecked: result.summary.filesChecked };
} else {
  const r = await runGc(location, { retain: 1, apply: false, graceMs: 0 }, { store });
  out = { findings: r.problems.length, errors: r.problems.length, planFiles: r.plan?.files.length ?? -1, orphans: r.orphans.length };
}
const ms = performance.now() - t0;
// What the work still holds at its end (its result included), after a full GC: the live part of the peak; the rest of
// the peak is garbage that V8 had not collected yet.
(globalThis as unknown as { gc: () => void }).gc();
const liveHeapKiB = process.memoryUsage().heapUsed / 1024;
// VmHWM: this process's own peak (getrusage's maxRSS may keep the forked parent's).
const peakRssKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
console.log(JSON.stringify({ ms, peakRssKiB, liveHeapKiB, ...out }));
