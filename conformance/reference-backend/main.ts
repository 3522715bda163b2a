/**
 * The reference backend's adapter process for the conformance suite
 * ([spec](../../spec/conformance.md#transport)):
 *
 *     node dist/conformance/reference-backend/main.js [--fault NAME] [--format 1.0|1.1]
 *
 * Reads one JSON request per line on stdin and writes one JSON response per
 * line on stdout, in order; logs go to stderr only. `--fault NAME` starts it
 * with a deliberate bug (see faults.ts); `--format 1.0` makes it a reader and
 * writer of format 1.0 only, as a backend released before 1.1 is. Its local files live in a temporary
 * folder, removed at shutdown or when stdin ends.
 */
import { createInterface } from "node:readline";
import type { ReaderMinor } from "../../src/index.js";
import { FORMAT_MINOR, ReferenceBackend, type Response } from "./backend.js";
import { parseFault, type Fault } from "./faults.js";

function faultArgument(argv: readonly string[]): Fault | undefined {
  const i = argv.indexOf("--fault");
  if (i < 0) return undefined;
  return parseFault(argv[i + 1] ?? "");
}

/** The minor of `--format 1.N`; the newest when absent. */
function formatArgument(argv: readonly string[]): ReaderMinor {
  const i = argv.indexOf("--format");
  if (i < 0) return FORMAT_MINOR;
  const m = /^1\.(\d)$/.exec(argv[i + 1] ?? "");
  if (m === null || Number(m[1]) > FORMAT_MINOR) throw new Error(`--format must be 1.0 to 1.${FORMAT_MINOR}, not ${JSON.stringify(argv[i + 1] ?? "")}`);
  return Number(m[1]) as ReaderMinor;
}

function respond(response: Response): Promise<void> {
  return new Promise((done) => process.stdout.write(JSON.stringify(response) + "\n", () => done()));
}

/** Answers one line: a line that is not JSON gets an error response too, never a crash. */
async function answer(backend: ReferenceBackend, line: string): Promise<boolean> {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    await respond({ id: 0, ok: false, error: { code: "BAD_REQUEST", message: "the request line is not JSON" } });
    return false;
  }
  const response = await backend.handle(request);
  await respond(response);
  return response.ok && (request as { op?: unknown }).op === "shutdown";
}

function main(): void {
  let fault: Fault | undefined;
  let formatMinor: ReaderMinor = FORMAT_MINOR;
  try {
    fault = faultArgument(process.argv.slice(2));
    formatMinor = formatArgument(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  const backend = new ReferenceBackend(fault, formatMinor);
  if (fault !== undefined) process.stderr.write(`reference backend: running with fault ${fault}\n`);
  process.on("exit", () => backend.dispose());
  // A runner that gives up on the adapter stops it; exiting through process.exit still removes the local files.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => process.exit(1));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // Requests are answered strictly in order, even when one is asynchronous (a restore, a read).
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    // A blank line is no request (a trailing newline, a keep-alive): answering it would shift every later id.
    if (line.trim() === "") return;
    queue = queue.then(async () => {
      if (await answer(backend, line)) process.exit(0);
    }).catch((e: unknown) => {
      process.stderr.write(`reference backend: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    });
  });
  lines.on("close", () => {
    void queue.then(() => process.exit(0));
  });
}

main();
