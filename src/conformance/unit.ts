/**
 * A unit of the catalogue: tests that share adapter state and run together (a
 * vector's one test, a scenario's many). A unit records each test's verdict as
 * it goes; when it stops early, the tests it did not reach take the reason it
 * stopped ([spec](../../spec/conformance.md#test-catalogue)).
 */
import { ProtocolBreak } from "./adapter-process.js";
import { type Adapter, AdapterRefused } from "./adapter.js";
import type { Level, Outcome, TestInfo, TestResult } from "./outcomes.js";

/** What every unit runs with. */
export interface RunContext {
  adapter: Adapter;
  /** A fresh folder for the files the adapter writes. */
  workDir: string;
  /** The levels selected with --level. */
  levels: ReadonlySet<Level>;
  /** The second adapter of `--restore-with`: it restores the savepoints the adapter under test wrote. */
  restoreWith?: Adapter;
}

/** Tests that run together. */
export interface Unit {
  tests: TestInfo[];
  run(u: UnitRun): Promise<void>;
}

/** A unit stopped because a test could not go on: the tests it did not reach get `outcome` with `reason`. */
export class UnitStopped extends Error {
  constructor(readonly outcome: Outcome, reason: string) {
    super(reason);
    this.name = "UnitStopped";
  }
}

/** One run of a unit: records verdicts, in catalogue order. */
export class UnitRun {
  private readonly byId: Map<string, TestInfo>;
  private readonly recorded = new Map<string, TestResult>();

  constructor(readonly ctx: RunContext, private readonly tests: readonly TestInfo[],
    private readonly onResult: (r: TestResult) => void) {
    this.byId = new Map(tests.map((t) => [t.id, t]));
  }

  /** The ids of the unit's tests, in catalogue order. */
  ids(): string[] {
    return this.tests.map((t) => t.id);
  }

  /** True when any of the unit's tests is in a selected level. */
  anySelected(): boolean {
    return this.tests.some((t) => this.ctx.levels.has(t.level));
  }

  /**
   * Runs test `id`: `fn` returns undefined for PASS or the reason for FAIL. An
   * error response of the adapter fails the test; a protocol break propagates
   * (the unit stops). Tests outside the selected levels are skipped; tests whose
   * capabilities are missing are UNSUPPORTED without running `fn`.
   */
  async check(id: string, fn: () => Promise<string | undefined>): Promise<void> {
    const info = this.info(id);
    if (!this.ctx.levels.has(info.level) || this.recorded.has(id)) return;
    const missing = info.needs.filter((c) => !this.ctx.adapter.has(c));
    if (missing.length > 0) return this.record(info, "UNSUPPORTED", `the adapter does not declare ${missing.join(", ")}`, 0);
    const t0 = performance.now();
    let reason: string | undefined;
    try {
      reason = await fn();
    } catch (e) {
      if (!(e instanceof AdapterRefused)) throw e;
      reason = e.message;
    }
    this.record(info, reason === undefined ? "PASS" : "FAIL", reason, performance.now() - t0);
  }

  /** True when the adapter declared every capability `id` needs. */
  supported(id: string): boolean {
    return this.info(id).needs.every((c) => this.ctx.adapter.has(c));
  }

  /** Records `outcome` for test `id` without running anything (a step the adapter cannot do). */
  skip(id: string, outcome: Outcome, reason: string): void {
    const info = this.info(id);
    if (this.ctx.levels.has(info.level) && !this.recorded.has(id)) this.record(info, outcome, reason, 0);
  }

  /** Gives every selected test not yet recorded `outcome` with `reason`. */
  finish(outcome: Outcome, reason: string): void {
    for (const t of this.tests) {
      if (this.ctx.levels.has(t.level) && !this.recorded.has(t.id)) this.record(t, outcome, reason, 0);
    }
  }

  /** Runs `unit`, turning how it stops into the verdicts of the tests it did not reach. */
  async runUnit(unit: Unit): Promise<void> {
    try {
      await unit.run(this);
      this.finish("FAIL", "not run: the unit ended before this test (a runner bug)");
    } catch (e) {
      if (e instanceof ProtocolBreak) this.finish("ERROR", breakReason(e));
      else if (e instanceof UnitStopped) this.finish(e.outcome, e.message);
      else if (e instanceof AdapterRefused) this.finish("FAIL", `not run: ${e.message}`);
      // A bug in a check must not cost the report: the unit's remaining tests carry it, and the run goes on.
      else this.finish("ERROR", `internal error of the runner (a bug; please report it): ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private info(id: string): TestInfo {
    const info = this.byId.get(id);
    if (info === undefined) throw new Error(`test ${id} is not in its unit's catalogue (a runner bug)`);
    return info;
  }

  private record(info: TestInfo, outcome: Outcome, reason: string | undefined, ms: number): void {
    const r: TestResult = { id: info.id, level: info.level, outcome, ...(reason === undefined ? {} : { reason }), ms };
    this.recorded.set(info.id, r);
    this.onResult(r);
  }
}

/** A protocol break as a one-line reason, with the adapter's last stderr line. */
export function breakReason(e: ProtocolBreak): string {
  const last = e.stderrTail.at(-1);
  return `the adapter broke the protocol: ${e.message}${last === undefined ? "" : ` (last stderr line: ${last})`}`;
}
