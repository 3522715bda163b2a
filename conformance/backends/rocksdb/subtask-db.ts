/**
 * One subtask's RocksDB instance ([README](README.md#one-instance-per-subtask)):
 * its local folder, its name in the helper, its database identity, and what
 * its checkpoints uploaded. SST files are immutable and RocksDB never reuses a
 * file number within a database, so an SST's local name identifies its
 * content for the life of the instance, across restores that adopt it: the
 * `uploaded` map is keyed by local name.
 */
import { randomUUID } from "node:crypto";
import type { KeyGroupRange, SharedFileRef } from "../../../src/index.js";
import type { HelperProcess } from "./helper-process.js";

/** A subtask's database. */
export class SubtaskDb {
  /** The backend id of its handles: fresh, or the restored handle's when its files are adopted. */
  backendId: string = randomUUID();
  /** RocksDB's identity of the open instance (GetDbIdentity): part of the id of every SST it writes. */
  identity = "";
  /** Retained checkpoints this instance's state builds on, oldest first: the last is the next handle's base. */
  lineage: bigint[] = [];
  /** SSTs already in the checkpoint root, by local name: listed again as shared refs, never uploaded twice. */
  readonly uploaded = new Map<string, SharedFileRef>();

  /**
   * `name` is the helper's handle of the instance, `dir` its local folder,
   * `keyGroups` Flink's range of subtask `index`.
   */
  constructor(readonly helper: HelperProcess, readonly name: string, readonly dir: string, readonly index: number,
    readonly keyGroups: KeyGroupRange) {}

  /** Opens the instance in `dir` (creating it when `create`) and records its identity. */
  async open(create: boolean): Promise<void> {
    const [identity] = await this.helper.command("open", this.name, this.dir, create ? "1" : "0");
    this.identity = identity ?? "";
  }

  /** Closes the instance; its local files stay until the session's folder is removed. */
  async close(): Promise<void> {
    await this.helper.command("close", this.name);
  }
}
