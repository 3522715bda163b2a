/**
 * The adapter side of the transport ([spec](../../spec/conformance.md#transport)), shared by the reference backend
 * and the RocksDB backend: one JSON request per line on stdin, one JSON response per line on stdout, strictly in
 * order even when requests are asynchronous; a line that is not JSON gets an error response, never a crash.
 */
import { createInterface } from "node:readline";
import type { Response } from "./backend.js";

/** What answers requests. */
export interface RequestHandler {
  handle(request: unknown): Promise<Response>;
}

function respond(response: Response): Promise<void> {
  return new Promise((done) => process.stdout.write(JSON.stringify(response) + "\n", () => done()));
}

/** Answers one line; true when it was a successful `shutdown`. */
async function answer(backend: RequestHandler, line: string): Promise<boolean> {
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

/**
 * Serves `backend` until `shutdown` or the end of stdin (then `atEnd` runs before the process exits). `name` prefixes
 * what is logged on stderr. A runner that gives up on the adapter stops it with a signal: the process exits through
 * process.exit, so its "exit" handlers still remove local files.
 */
export function serveLines(backend: RequestHandler, name: string, atEnd: () => Promise<void> | void = () => {}): void {
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => process.exit(1));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    // A blank line is no request (a trailing newline, a keep-alive): answering it would shift every later id.
    if (line.trim() === "") return;
    queue = queue.then(async () => {
      if (await answer(backend, line)) process.exit(0);
    }).catch((e: unknown) => {
      process.stderr.write(`${name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    });
  });
  lines.on("close", () => {
    void queue.then(async () => {
      await atEnd();
      process.exit(0);
    });
  });
}
