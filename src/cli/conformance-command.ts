/**
 * `ksnap conformance --adapter "CMD ARGS" [--level L,…] [--expected-failures FILE]
 * [--junit OUT.xml] [--tap] [--timeout MS] [--work-dir DIR] [--list]`
 * ([spec](../../spec/conformance.md#runner)): runs the conformance catalogue
 * against a backend's adapter and reports. Exit status 0 only when every test
 * that is not UNSUPPORTED passes or is an expected failure.
 */
import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError, Option } from "commander";
import { isKsnapError } from "../errors.js";
import { catalogueTests, catalogueUnits } from "../conformance/catalogue.js";
import { readExpectedFailures } from "../conformance/expected-failures.js";
import { isFailure, LEVELS, type Level, type TestResult } from "../conformance/outcomes.js";
import { renderJunit } from "../conformance/report-junit.js";
import { renderTap } from "../conformance/report-tap.js";
import { renderTextReport } from "../conformance/report-text.js";
import { DEFAULT_TIMEOUT_MS, runSuite } from "../conformance/run-suite.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import { reportProblems } from "./exit-status.js";
import { usageError } from "./usage-error.js";

/** Options of the command, as commander parses them. */
interface ConformanceOptions {
  adapter?: string;
  level?: Level[];
  expectedFailures?: string;
  junit?: string;
  tap?: boolean;
  timeout: number;
  startTimeout?: number;
  workDir?: string;
  list?: boolean;
  restoreWith?: string;
}

/** Adds `conformance` to `program`. */
export function registerConformance(program: Command): void {
  program.command("conformance")
    .description("run the conformance suite against a backend's adapter (spec/conformance.md)")
    .option("--adapter <command>", "the adapter command, run through the shell, e.g. \"python3 my_adapter.py\"")
    .option("--restore-with <command>", "a second adapter that restores every savepoint the first writes (level cross-restore)")
    .option("--level <levels>", `only these levels, comma-separated: ${LEVELS.join(", ")}`, parseLevels)
    .option("--expected-failures <file>", "test ids expected to fail, one per line (# comments)")
    .option("--junit <file>", "also write a JUnit XML report")
    .option("--tap", "print TAP version 14 on stdout instead of the text report")
    .addOption(new Option("--timeout <ms>", "longest wait for one response").default(DEFAULT_TIMEOUT_MS).argParser(parseTimeout))
    .addOption(new Option("--start-timeout <ms>", "longest wait for the adapter to start and answer hello (default: 30000, at least --timeout)").argParser(parseTimeout))
    .option("--work-dir <dir>", "keep the files the adapter writes in this folder (default: a temporary folder, removed)")
    .option("--list", "print every test id of the catalogue and exit")
    .action((opts: ConformanceOptions) => conformance(opts));
}

async function conformance(opts: ConformanceOptions): Promise<void> {
  const cross = opts.restoreWith !== undefined;
  const units = await catalogueUnits(undefined, cross);
  const tests = catalogueTests(units);
  if (opts.list) {
    const levels = new Set(opts.level ?? LEVELS);
    process.stdout.write(tests.filter((t) => levels.has(t.level)).map((t) => `${t.id}\n`).join(""));
    return;
  }
  if (opts.adapter === undefined || opts.adapter.trim() === "") {
    throw usageError("--adapter is required: the command that starts your adapter, e.g. --adapter \"python3 my_adapter.py\"");
  }
  if (cross && opts.restoreWith!.trim() === "") {
    throw usageError("--restore-with needs a command: the second adapter, e.g. --restore-with \"node other_adapter.js\"");
  }
  const expected = await expectedFailures(opts.expectedFailures, new Set(tests.map((t) => t.id)));
  const progress = progressFor(process.stderr);
  const result = await runSuite({
    adapter: opts.adapter, units, expectedFailures: expected, timeoutMs: opts.timeout,
    ...(cross ? { restoreWith: opts.restoreWith } : {}),
    ...(opts.level === undefined ? {} : { levels: opts.level }),
    ...(opts.workDir === undefined ? {} : { workDir: opts.workDir }),
    ...(opts.startTimeout === undefined ? {} : { startTimeoutMs: opts.startTimeout }),
    onStart: progress.start, onResult: progress.update,
  });
  progress.stop();
  process.stdout.write(opts.tap ? renderTap(result) : renderTextReport(result));
  if (opts.junit !== undefined) await LOCAL_STORAGE.write(opts.junit, new TextEncoder().encode(renderJunit(result)));
  if (result.results.some((r) => isFailure(r.outcome))) reportProblems();
}

/**
 * The expected-failures list. A file that cannot be read is IO_ERROR (exit 1),
 * as for every file argument; a line naming no test of the catalogue is a usage
 * error (exit 2): the command line asks for something that does not exist.
 */
async function expectedFailures(path: string | undefined, known: ReadonlySet<string>): Promise<Set<string>> {
  if (path === undefined) return new Set();
  try {
    return await readExpectedFailures(path, known);
  } catch (e) {
    if (isKsnapError(e) && e.code === "INVALID_FIELD") throw usageError(e.describe());
    throw e;
  }
}

function parseLevels(value: string): Level[] {
  const levels = value.split(",").map((l) => l.trim()).filter((l) => l !== "");
  const unknown = levels.filter((l) => !(LEVELS as readonly string[]).includes(l));
  if (unknown.length > 0 || levels.length === 0) {
    throw new InvalidArgumentError(`unknown level ${JSON.stringify(unknown[0] ?? value)}; levels are ${LEVELS.join(", ")}`);
  }
  return levels as Level[];
}

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1) throw new InvalidArgumentError(`"${value}" is not a positive number of milliseconds`);
  return ms;
}

/** A bar of tests done on a terminal; nothing otherwise, so reports piped to files stay clean. */
function progressFor(stream: NodeJS.WritableStream & { isTTY?: boolean }): {
  start: (total: number) => void; update: (r: TestResult) => void; stop: () => void;
} {
  if (stream.isTTY !== true) return { start: () => undefined, update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ stream, format: "conformance {bar} {value}/{total} | {id}", hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic);
  let done = 0;
  return {
    start: (total) => bar.start(total, 0, { id: "" }),
    update: (r) => bar.update(++done, { id: r.id }),
    stop: () => bar.stop(),
  };
}
