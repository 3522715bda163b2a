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
import type { ReaderMinor } from "../../src/index.js";
import { FORMAT_MINOR, ReferenceBackend } from "./backend.js";
import { serveLines } from "./serve-lines.js";
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
  serveLines(backend, "reference backend");
}

main();
