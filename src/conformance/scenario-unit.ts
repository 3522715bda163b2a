/**
 * Runs a scenario ([spec](../../spec/conformance.md#scenarios)) in one session
 * (a new one after each restore step) and judges each snapshot as soon as it is
 * taken, while storage is as the snapshot left it; restore tests run after the
 * last step, each in its own session.
 */
import { join } from "node:path";
import type { LocatedSnapshot } from "../storage/snapshot-root.js";
import { AdapterRefused } from "./adapter.js";
import { discardProblem, incrementalProblem } from "./checkpoint-checks.js";
import { entriesDifference } from "./compare-entries.js";
import { closeQuietly, restoreProblem, restoreRoot } from "./restore-check.js";
import { canonicalProblem, savepointEntries } from "./savepoint-checks.js";
import { RUNNER_STORAGE } from "./runner-files.js";
import { crossRestoreId, restoreNeeds, scenarioTests, snapshotKey, type Scenario, type Step } from "./scenario.js";
import { ProtocolBreak } from "./adapter-process.js";
import type { Adapter } from "./adapter.js";
import { loadOrReason, shapeProblem, validationProblem } from "./snapshot-shape.js";
import type { Capability } from "./outcomes.js";
import { StateModel } from "./state-model.js";
import { UnitStopped, type Unit, type UnitRun } from "./unit.js";

/** What a discard step needs besides a session. */
const DISCARD_NEEDS: readonly Capability[] = ["checkpoint", "discard"];

/** A snapshot the scenario took. */
interface Taken {
  metadata: string;
  model: StateModel;
  parallelism: number;
  restoreAt: number[];
}

/** The unit of scenario `s`; with `crossRestore`, its savepoints are also restored by the second adapter. */
export function scenarioUnit(s: Scenario, crossRestore = false): Unit {
  return { tests: scenarioTests(s, crossRestore), run: (u) => new ScenarioRun(s, u).run() };
}

class ScenarioRun {
  private readonly dir: string;
  private readonly root: string;
  private model: StateModel;
  private parallelism: number;
  private changed = new Set<number>();
  private sessionNumber = 0;
  private session = "";
  private open = false;
  private checkpointInSession = false;
  private readonly taken = new Map<string, Taken>();
  private readonly retained = new Map<number, string>();

  constructor(private readonly s: Scenario, private readonly u: UnitRun) {
    this.dir = join(u.ctx.workDir, "scenarios", s.name);
    this.root = join(this.dir, "checkpoints");
    this.model = new StateModel(s.states);
    this.parallelism = s.parallelism;
  }

  async run(): Promise<void> {
    if (!this.u.ctx.adapter.has("state")) throw new UnitStopped("UNSUPPORTED", "the adapter does not declare state");
    await RUNNER_STORAGE.makeFolder(this.root);
    await this.openSession();
    for (const [i, step] of this.s.steps.entries()) await this.step(i, step);
    await this.closeSession();
    await this.restoreTests();
  }

  private async step(i: number, step: Step): Promise<void> {
    try {
      switch (step.do) {
        case "apply": return await this.apply(step.changes);
        case "checkpoint": return await this.checkpoint(step.id, step.restoreAt ?? []);
        case "savepoint": return await this.savepoint(step.id, step.restoreAt ?? []);
        case "discard": return await this.discard(step.checkpoint);
        case "compact": return await this.compact();
        case "restore": return await this.restore(step.from, step.parallelism);
      }
    } catch (e) {
      if (e instanceof AdapterRefused) throw new UnitStopped("FAIL", `not run: step ${i} (${describe(step)}): ${e.message}`);
      throw e;
    }
  }

  private async apply(changes: Extract<Step, { do: "apply" }>["changes"]): Promise<void> {
    await this.u.ctx.adapter.call("apply", { session: this.session, changes });
    for (const c of changes) {
      this.model.apply(c);
      this.changed.add(c.keyGroup);
    }
  }

  private async checkpoint(id: number, restoreAt: number[]): Promise<void> {
    const key = `chk-${id}`;
    if (!this.u.supported(`checkpoint/${this.s.name}/${key}/valid`)) return this.unsupportedSnapshot(key);
    const { metadata } = await this.u.ctx.adapter.call("checkpoint", { session: this.session, checkpointId: String(id) }) as { metadata: string };
    const expectedPath = join(this.root, key, "_metadata.ksnap");
    const base = `checkpoint/${this.s.name}/${key}`;
    await this.u.check(`${base}/valid`, async () => metadata !== expectedPath
      ? `the metadata is at ${metadata}, expected ${expectedPath}` : this.snapshotProblem(metadata, "checkpoint", id));
    if (this.checkpointInSession) await this.u.check(`${base}/incremental`, () => this.incremental(metadata, id));
    this.taken.set(key, { metadata, model: this.model.clone(), parallelism: this.parallelism, restoreAt });
    this.retained.set(id, metadata);
    this.changed.clear();
    this.checkpointInSession = true;
  }

  private async savepoint(id: number, restoreAt: number[]): Promise<void> {
    const key = `sp-${id}`;
    if (!this.u.supported(`savepoint/${this.s.name}/${key}/valid`)) return this.unsupportedSnapshot(key);
    const dir = join(this.dir, key);
    await RUNNER_STORAGE.makeFolder(dir);
    const { metadata } = await this.u.ctx.adapter.call("savepoint", { session: this.session, savepointId: String(id), dir }) as { metadata: string };
    const base = `savepoint/${this.s.name}/${key}`;
    const expected = this.model.entries();
    await this.u.check(`${base}/valid`, async () => metadata !== join(dir, "_metadata.ksnap")
      ? `the metadata is at ${metadata}, expected ${join(dir, "_metadata.ksnap")}` : this.snapshotProblem(metadata, "savepoint", id));
    await this.u.check(`${base}/content`, () => this.withSnapshot(metadata, async (located) => {
      const entries = await savepointEntries(located, this.s.operatorId);
      return typeof entries === "string" ? entries : entriesDifference("the data files", expected, entries);
    }));
    await this.u.check(`${base}/canonical`, () => this.withSnapshot(metadata, async (located) =>
      canonicalProblem(located, this.s.operatorId, this.s.states, expected)));
    this.taken.set(key, { metadata, model: this.model.clone(), parallelism: this.parallelism, restoreAt });
  }

  private async discard(checkpointId: number): Promise<void> {
    const id = `ownership/${this.s.name}/discard-chk-${checkpointId}`;
    if (!this.u.supported(id) || !this.retained.has(checkpointId)) {
      const missing = DISCARD_NEEDS.filter((c) => !this.u.ctx.adapter.has(c));
      return this.u.skip(id, "UNSUPPORTED", `the adapter does not declare ${missing.join(", ")}`);
    }
    const { deleted } = await this.u.ctx.adapter.call("discard", { session: this.session, checkpointId: String(checkpointId) }) as { deleted: string[] };
    this.retained.delete(checkpointId);
    await this.u.check(id, () => discardProblem(this.root, deleted, [...this.retained.values()]));
  }

  /**
   * Compacts the session's state if the adapter declares `compact`, and does
   * nothing otherwise. A compaction rewrites files whatever changed, so for the
   * next checkpoint's incremental test every key group counts as changed.
   */
  private async compact(): Promise<void> {
    if (!this.u.ctx.adapter.has("compact")) return;
    await this.u.ctx.adapter.call("compact", { session: this.session });
    for (let kg = 0; kg < this.s.maxParallelism; kg++) this.changed.add(kg);
  }

  private async restore(from: string, parallelism: number): Promise<void> {
    const source = this.taken.get(from);
    if (source === undefined) throw new UnitStopped("UNSUPPORTED", `not run: ${from} was not taken (the adapter does not declare what it needs)`);
    const missing = restoreNeeds(from, source.parallelism, parallelism).filter((c) => !this.u.ctx.adapter.has(c));
    if (missing.length > 0) throw new UnitStopped("UNSUPPORTED", `not run: restoring ${from} needs ${missing.join(", ")}`);
    await this.closeSession();
    this.model = source.model.clone();
    this.parallelism = parallelism;
    await this.openSession(source.metadata);
  }

  private async openSession(restoreFrom?: string): Promise<void> {
    this.session = `${this.s.name}-${++this.sessionNumber}`;
    this.changed.clear();
    this.checkpointInSession = false;
    try {
      await this.u.ctx.adapter.call("open", {
        session: this.session, operatorId: this.s.operatorId, maxParallelism: this.s.maxParallelism,
        parallelism: this.parallelism, states: this.s.states, checkpointRoot: this.root,
        ...(restoreFrom === undefined ? {} : { restore: { metadata: restoreFrom } }),
      });
    } catch (e) {
      if (e instanceof AdapterRefused) throw new UnitStopped("FAIL", `not run: ${e.message}`);
      throw e;
    }
    this.open = true;
  }

  private async closeSession(): Promise<void> {
    if (this.open) await closeQuietly(this.u.ctx.adapter, this.session);
    this.open = false;
  }

  private async restoreTests(): Promise<void> {
    for (const [key, t] of this.taken) {
      for (const p of t.restoreAt) {
        const id = `restore/${this.s.name}/${key}/p${p}`;
        await this.u.check(id, () => restoreProblem(this.u.ctx.adapter, {
          metadata: t.metadata, operatorId: this.s.operatorId, maxParallelism: this.s.maxParallelism, parallelism: p,
          states: this.s.states, expected: t.model.entries(), checkpointRoot: restoreRoot(this.u.ctx.workDir, id),
          session: `${this.s.name}-restore-${key}-p${p}`,
        }));
      }
    }
    const second = this.u.ctx.restoreWith;
    if (second !== undefined && this.u.ctx.levels.has("cross-restore")) await this.crossRestoreTests(second);
  }

  /**
   * The second adapter restores each savepoint the adapter under test wrote, at
   * each parallelism of its `restoreAt`. Checkpoints are not restored across
   * backends: an incremental handle's files are in the writing backend's own format.
   */
  private async crossRestoreTests(second: Adapter): Promise<void> {
    let startFailure: string | undefined;
    try {
      await second.start();
    } catch (e) {
      if (!(e instanceof ProtocolBreak)) throw e;
      startFailure = `the restore-with adapter could not be started: ${e.message}`;
    }
    for (const [key, t] of this.taken) {
      if (!key.startsWith("sp-")) continue;
      for (const p of t.restoreAt) {
        const id = crossRestoreId(this.s.name, key, p);
        if (startFailure !== undefined) {
          this.u.skip(id, "ERROR", startFailure);
          continue;
        }
        const missing = restoreNeeds(key, t.parallelism, p).filter((c) => !second.has(c));
        if (missing.length > 0) {
          this.u.skip(id, "UNSUPPORTED", `the restore-with adapter does not declare ${missing.join(", ")}`);
          continue;
        }
        await this.u.check(id, async () => {
          try {
            return await restoreProblem(second, {
              metadata: t.metadata, operatorId: this.s.operatorId, maxParallelism: this.s.maxParallelism, parallelism: p,
              states: this.s.states, expected: t.model.entries(), checkpointRoot: restoreRoot(this.u.ctx.workDir, id),
              session: `${this.s.name}-cross-${key}-p${p}`,
            });
          } catch (e) {
            if (e instanceof ProtocolBreak) throw new ProtocolBreak(`the restore-with adapter: ${e.message}`, e.stderrTail);
            if (e instanceof AdapterRefused) return `the restore-with adapter refused: ${e.message}`;
            throw e;
          }
        });
      }
    }
  }

  /** The tests of a snapshot the adapter cannot take are UNSUPPORTED; no request is sent. */
  private async unsupportedSnapshot(key: string): Promise<void> {
    const prefix = new RegExp(`^[a-z-]+/${this.s.name}/${key}/`);
    const what = key.startsWith("chk-") ? "checkpoint" : "savepoint";
    for (const id of this.u.ids().filter((id) => prefix.test(id))) this.u.skip(id, "UNSUPPORTED", `the adapter does not declare ${what}`);
  }

  private async snapshotProblem(metadata: string, kind: "checkpoint" | "savepoint", id: number): Promise<string | undefined> {
    const invalid = await validationProblem(metadata, true);
    if (invalid !== undefined) return invalid;
    return this.withSnapshot(metadata, async (located) => shapeProblem(located.snapshot, {
      kind, snapshotId: id, operatorId: this.s.operatorId, maxParallelism: this.s.maxParallelism, parallelism: this.parallelism,
    }));
  }

  private async incremental(metadata: string, id: number): Promise<string | undefined> {
    return this.withSnapshot(metadata, (located) => incrementalProblem(this.root, located.snapshot, {
      checkpointId: id, operatorId: this.s.operatorId, maxParallelism: this.s.maxParallelism,
      parallelism: this.parallelism, changedKeyGroups: this.changed,
    }));
  }

  private async withSnapshot(metadata: string, fn: (l: LocatedSnapshot) => Promise<string | undefined>): Promise<string | undefined> {
    const located = await loadOrReason(metadata);
    return typeof located === "string" ? `the snapshot cannot be read: ${located}` : fn(located);
  }
}

function describe(step: Step): string {
  switch (step.do) {
    case "apply": return `apply ${step.changes.length} changes`;
    case "checkpoint": case "savepoint": return snapshotKey(step);
    case "discard": return `discard chk-${step.checkpoint}`;
    case "compact": return "compact";
    case "restore": return `restore ${step.from} at parallelism ${step.parallelism}`;
  }
}
