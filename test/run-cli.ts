/**
 * Runs the `ksnap` CLI in this process, through its exported `main`, with
 * stdout and stderr captured: starting a node process per run cost most of the
 * suite's time. Tests of what only a real process shows (the bin and its
 * shebang, exit codes as the shell sees them) spawn dist/src/cli/bin.js instead.
 */
import { main } from "../src/cli/main.js";

/** What a run of the CLI printed, and its exit status. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

/** A `write` that appends to `sink(text)` and, as a stream would, calls back the caller that passed a callback. */
function collector(sink: (text: string) => void): Write {
  return ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    sink(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") queueMicrotask(() => (done as () => void)());
    return true;
  }) as Write;
}

/**
 * Runs `ksnap ...args` in-process and returns its exit status and output. The real writes are restored before
 * this returns or rejects (tap prints its own output on stdout), so assertions come after. Runs must not overlap:
 * the capture is process-wide (tap runs a file's subtests one after another).
 */
export async function runCli(...args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = collector((s) => { stdout += s; });
  process.stderr.write = collector((s) => { stderr += s; });
  let status: number;
  try {
    status = await main(args);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { status, stdout, stderr };
}
