/**
 * The RocksDB backend's adapter process for the conformance suite
 * ([spec](../../../spec/conformance.md#transport), [README](README.md)):
 *
 *     node dist/conformance/backends/rocksdb/main.js
 *
 * Reads one JSON request per line on stdin and writes one JSON response per
 * line on stdout, in order; logs go to stderr only. The C++ helper is built on
 * first use when missing or out of date (helper-build.ts). Local files (the
 * RocksDB instances) live in a temporary folder, removed at shutdown or when
 * stdin ends.
 */
import { createInterface } from "node:readline";
import { RocksBackend, type Response } from "./backend.js";

function respond(response: Response): Promise<void> {
  return new Promise((done) => process.stdout.write(JSON.stringify(response) + "\n", () => done()));
}

/** Answers one line: a line that is not JSON gets an error response too, never a crash. */
async function answer(backend: RocksBackend, line: string): Promise<boolean> {
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
  const backend = new RocksBackend();
  process.on("exit", () => backend.disposeNow());
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => process.exit(1));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // Requests are answered strictly in order: every one of them is asynchronous (the helper).
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    queue = queue.then(async () => {
      if (await answer(backend, line)) process.exit(0);
    }).catch((e: unknown) => {
      process.stderr.write(`rocksdb backend: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    });
  });
  lines.on("close", () => {
    void queue.then(async () => {
      await backend.dispose();
      process.exit(0);
    });
  });
}

main();
