/**
 * One subtask's embedded keyed store: a memtable over a stack of immutable
 * sorted run files in a local folder, like a tiny RocksDB. Changes go to the
 * memtable; a flush turns it into a new run; a compaction merges all runs into
 * one new run. Runs are also kept in memory (they are small), which serves as
 * the block cache.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { KsnapError, localNameProblem, type KeyGroupRange } from "../../src/index.js";
import { lookup, mergedView, type Layer, type ViewEntry } from "./merged-view.js";
import { combine, recordFor, sameResolved, type EntryKey, type RecordOp, type StoredRecord } from "./records.js";
import { writeRun, type Run, type RunIdentity } from "./run-file.js";

/** Chooses the identity of a new run; the checkpoint passes its own, so a fault can hook in there. */
export type IdentityChooser = () => RunIdentity;

/** One subtask's store. */
export class SubtaskStore {
  /** This store instance: part of every file id it creates, so ids are unique by construction. */
  readonly instanceId = randomUUID();
  /** The backend id of its handles: fresh, or the restored handle's when its runs are adopted. */
  backendId: string = randomUUID();
  /** Oldest first. */
  runs: Run[] = [];
  /** Retained checkpoints this store's state builds on, oldest first: the last is the next handle's base. */
  lineage: bigint[] = [];
  private memtable = new Map<string, StoredRecord>();
  private nextFile = 1;
  private nextLocal = 1;

  constructor(readonly index: number, readonly keyGroups: KeyGroupRange, private readonly localDir: string) {}

  /** Applies one change to the memtable. */
  apply(key: EntryKey, sk: string, op: RecordOp): void {
    this.memtable.set(sk, { sk, key, op: combine(this.memtable.get(sk)?.op, op) });
  }

  /** Every present entry, in canonical order. */
  view(): ViewEntry[] {
    return mergedView([this.memtable, ...this.runLayers()]);
  }

  /** A fresh identity for a new run: `<backendId>/<instanceId>/<n>`, under shared/. */
  freshIdentity(): RunIdentity {
    const n = this.nextFile++;
    return { id: `${this.backendId}/${this.instanceId}/${n}`, path: `shared/${this.instanceId}-${n}.run` };
  }

  /**
   * Writes the memtable's effective changes as a new run and empties it. Records
   * that leave the state as the runs have it (a delete of an absent key, a put
   * of the same value) are dropped, so an unchanged subtask writes no run and
   * its next checkpoint uploads nothing. Returns the new run, if any.
   */
  flush(chooseIdentity: IdentityChooser): Run | undefined {
    const older = this.runLayers();
    const effective = [...this.memtable.values()]
      .filter((r) => !sameResolved(lookup([new Map([[r.sk, r]]), ...older], r.sk), lookup(older, r.sk)))
      .sort((a, b) => (a.sk < b.sk ? -1 : 1));
    this.memtable.clear();
    if (effective.length === 0) return undefined;
    const run = writeRun(this.localPath(), chooseIdentity(), effective);
    this.runs.push(run);
    return run;
  }

  /** Merges every run into one new run (no tombstones, lists whole), replacing them all. */
  compact(chooseIdentity: IdentityChooser): Run | undefined {
    const records = mergedView(this.runLayers()).map((e) => ({ sk: e.sk, key: e.key, op: recordFor(e.resolved)! }));
    this.runs = records.length === 0 ? [] : [writeRun(this.localPath(), chooseIdentity(), records)];
    return this.runs[0];
  }

  /** Starts from restored records (in canonical order) as one fresh, not yet uploaded run. */
  loadFresh(records: StoredRecord[]): void {
    this.runs = records.length === 0 ? [] : [writeRun(this.localPath(), this.freshIdentity(), records)];
  }

  /** Takes over runs already uploaded to the checkpoint root (a restore of the same key groups). */
  adopt(runs: Run[], backendId: string, lineage: bigint[]): void {
    this.runs = runs;
    this.backendId = backendId;
    this.lineage = lineage;
  }

  /** A new local file path: local names are the store's own, apart from the runs' ids and shared paths. */
  localPath(): string {
    return join(this.localDir, `${this.instanceId}-${this.nextLocal++}.run`);
  }

  /**
   * The local path of a downloaded file under the name its ref records
   * ([local names](../../spec/format-v1.md#local-names)); a fresh name when the
   * ref has none. A name that is not a plain file name is refused, never joined.
   */
  localPathNamed(localName: string | undefined, field: string): string {
    if (localName === undefined || localName === "") return this.localPath();
    const problem = localNameProblem(localName);
    if (problem !== undefined) {
      throw new KsnapError("INVALID_FIELD", `local name ${JSON.stringify(localName)} ${problem}: not a plain file name`, { field: `${field}.localName` });
    }
    return join(this.localDir, localName);
  }

  private runLayers(): Layer[] {
    return this.runs.map((r) => r.records).reverse();
  }
}

