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
import { serveLines } from "../../reference-backend/serve-lines.js";
import { RocksBackend } from "./backend.js";

function main(): void {
  const backend = new RocksBackend();
  process.on("exit", () => backend.disposeNow());
  // Every request is asynchronous (the helper); at the end of stdin the instances are closed before exiting.
  serveLines(backend, "rocksdb backend", () => backend.dispose());
}

main();
