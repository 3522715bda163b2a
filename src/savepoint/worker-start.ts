/**
 * Starting the savepoint code's worker threads (compression, decoding): where
 * a worker's module is, and the Node options it gets.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { moduleFileExists } from "../storage/package-files.js";
import { SavepointDataError } from "./data-errors.js";

/**
 * The worker module `name` beside this one (dist/). Run from the TypeScript
 * sources under a loader (tests), the .ts file; the worker inherits the loader
 * through execArgv. `instead` names the option that avoids the worker, for the
 * message when the file is missing.
 */
export function savepointWorkerFile(name: string, instead: string): URL {
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const file = new URL(`./${name}.${ext}`, import.meta.url);
  if (!moduleFileExists(file)) {
    throw new SavepointDataError("IO_ERROR", `the worker ${fileURLToPath(file)} is missing; rebuild (npx tsc -p .) or use ${instead}`);
  }
  return file;
}

/**
 * A worker for `file`. It inherits the parent's Node options (so tap's
 * TypeScript loader reaches it), except that `--input-type` (set by
 * `node --input-type=module -e …`) makes a worker die at startup, before it could
 * report anything: then it gets only the options a worker accepts.
 */
export function startWorker(file: URL, workerData: unknown): Worker {
  const base = { workerData, stdout: false, stderr: false };
  if (!process.execArgv.some((a) => a.startsWith("--input-type"))) return new Worker(file, base);
  const kept = process.execArgv.filter((a, i, all) => !a.startsWith("--input-type") && !EVAL_FLAGS.test(a) && !EVAL_FLAGS.test(all[i - 1] ?? ""));
  try {
    return new Worker(file, { ...base, execArgv: kept });
  } catch {
    return new Worker(file, { ...base, execArgv: [] }); // a process-wide flag such as --expose-gc is refused in a worker's list
  }
}

const EVAL_FLAGS = /^(-e|--eval|-p|--print)$/;
