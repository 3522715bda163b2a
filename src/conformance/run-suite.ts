/**
 * Runs the catalogue against an adapter ([spec](../../spec/conformance.md#runner)):
 * every unit in order, restarting the adapter after a protocol break, with the
 * expected-failure list applied. The runner never stops early: whatever the
 * adapter does, every selected test gets a result.
 */
import { ProtocolBreak } from "./adapter-process.js";
import { Adapter, DEFAULT_START_TIMEOUT_MS } from "./adapter.js";
import { catalogueUnits } from "./catalogue.js";
import { applyExpected } from "./expected-failures.js";
import { RUNNER_STORAGE } from "./runner-files.js";
import { LEVELS, type Level, type TestResult } from "./outcomes.js";
import { breakReason, UnitRun, type Unit } from "./unit.js";

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  /** The adapter command, run through the shell. */
  adapter: string;
  /**
   * A second adapter command: it restores every savepoint the first wrote at the
   * scenario's parallelisms (level `cross-restore`).
   */
  restoreWith?: string;
  /** Levels to run; default all. */
  levels?: readonly Level[];
  /** Ids of tests expected to fail. */
  expectedFailures?: ReadonlySet<string>;
  /** Longest wait for one response. Default 10 s. */
  timeoutMs?: number;
  /** Longest wait for the adapter to start and answer `hello`. Default 30 s, at least `timeoutMs`. */
  startTimeoutMs?: number;
  /** Folder for the files adapters write; kept. Default a temporary folder, removed at the end. */
  workDir?: string;
  /** Working folder of the adapter. Default the current one. */
  cwd?: string;
  /** The catalogue; default the package's. */
  units?: readonly Unit[];
  /** Called once the number of selected tests is known, then after each result. */
  onStart?: (total: number) => void;
  onResult?: (r: TestResult) => void;
}

/** What the adapter said about itself. */
export interface AdapterSummary {
  command: string;
  name?: string;
  version?: string;
  capabilities: string[];
  /** How many times it was started (1 + restarts). */
  starts: number;
}

/** A whole run. */
export interface SuiteResult {
  adapter: AdapterSummary;
  /** The `--restore-with` adapter, when the run had one. */
  restoreWith?: AdapterSummary;
  levels: Level[];
  results: TestResult[];
  ms: number;
}

/** Default response timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Runs the selected tests of the catalogue against `options.adapter`. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const t0 = performance.now();
  const cross = options.restoreWith !== undefined;
  const levels = new Set<Level>(options.levels ?? LEVELS.filter((l) => cross || l !== "cross-restore"));
  const units = (options.units ?? await catalogueUnits(undefined, cross)).filter((u) => u.tests.some((t) => levels.has(t.level)));
  options.onStart?.(units.flatMap((u) => u.tests).filter((t) => levels.has(t.level)).length);
  const workDir = options.workDir ?? await RUNNER_STORAGE.makeTempFolder("ksnap-conformance-");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const adapter = new Adapter(options.adapter, options.cwd ?? process.cwd(), timeoutMs,
    options.startTimeoutMs ?? Math.max(timeoutMs, DEFAULT_START_TIMEOUT_MS));
  const restoreWith = options.restoreWith === undefined ? undefined
    : new Adapter(options.restoreWith, options.cwd ?? process.cwd(), timeoutMs, options.startTimeoutMs ?? Math.max(timeoutMs, DEFAULT_START_TIMEOUT_MS));
  const expected = options.expectedFailures ?? new Set<string>();
  const results: TestResult[] = [];
  const record = (r: TestResult) => {
    const final = applyExpected(r, expected);
    results.push(final);
    options.onResult?.(final);
  };
  try {
    const startFailure = await startAdapter(adapter);
    for (const unit of units) {
      const run = new UnitRun({ adapter, workDir, levels, ...(restoreWith === undefined ? {} : { restoreWith }) }, unit.tests, record);
      if (startFailure !== undefined) run.finish("ERROR", startFailure);
      else await run.runUnit(unit);
    }
  } finally {
    await adapter.shutdown();
    await restoreWith?.shutdown();
    if (options.workDir === undefined) await RUNNER_STORAGE.removeTree(workDir);
  }
  return {
    adapter: summary(adapter), ...(restoreWith === undefined ? {} : { restoreWith: summary(restoreWith) }),
    levels: LEVELS.filter((l) => levels.has(l)), results, ms: performance.now() - t0,
  };
}

/** Starts the adapter once to learn its capabilities; the reason when it cannot be started. */
async function startAdapter(adapter: Adapter): Promise<string | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await adapter.start();
      return undefined;
    } catch (e) {
      if (!(e instanceof ProtocolBreak)) throw e;
      if (attempt === 1) return breakReason(e).replace("broke the protocol", "could not be started");
    }
  }
  return undefined;
}

function summary(adapter: Adapter): AdapterSummary {
  const info = adapter.info;
  return {
    command: adapter.command, capabilities: [...(info?.capabilities ?? [])], starts: adapter.starts,
    ...(info === undefined ? {} : { name: info.name, version: info.version }),
  };
}
