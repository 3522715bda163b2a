/**
 * The RocksDB backend behind the adapter protocol
 * ([spec](../../../spec/conformance.md#operations)): one request object in, one
 * response object out. The format-level operations (decode, encode, read-data)
 * are the reference backend's, through the library; the state operations run on
 * real RocksDB instances in the C++ helper, started on the first `open`. Every
 * failure becomes an error response with a code (format-v1's for file
 * problems, the adapter's own otherwise); nothing a request holds can make it throw.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdapterError, errorOf } from "../../reference-backend/adapter-error.js";
import { decodePath, encodeTo, readData } from "../../reference-backend/format-ops.js";
import { absolutePath, arr, asObject, int, requestId, str, u64, type Fields } from "../../reference-backend/request-fields.js";
import { parseStates } from "../../reference-backend/state-descriptors.js";
import type { Response } from "../../reference-backend/backend.js";
import { takeCheckpoint } from "./checkpoint.js";
import { discardCheckpoint } from "./discard.js";
import { helperBinary } from "./helper-build.js";
import { HelperProcess } from "./helper-process.js";
import { restoreSession } from "./restore.js";
import { RocksError } from "./rocks-error.js";
import { takeSavepoint } from "./savepoint.js";
import { RocksSession } from "./session.js";

export type { Response } from "../../reference-backend/backend.js";

/** The protocol version this adapter speaks. */
export const PROTOCOL = 1;

/** Every capability of the protocol, and `compact`: RocksDB's CompactRange on every instance. */
export const CAPABILITIES = [
  "decode", "encode", "read-data", "state", "checkpoint", "incremental", "savepoint", "discard",
  "restore-savepoint", "restore-checkpoint", "rescale", "compact",
] as const;

/** The backend: the helper process, the open sessions and the local working folder. */
export class RocksBackend {
  private helper: HelperProcess | undefined;
  private workDir: string | undefined;
  private readonly sessions = new Map<string, RocksSession>();
  private sessionCount = 0;
  private engineVersion = "";

  /** `helperPath` runs that helper binary instead of the built one ({@link helperBinary}). */
  constructor(private readonly helperPath?: string) {}

  /** Answers one request (already parsed from JSON, of any shape). */
  async handle(request: unknown): Promise<Response> {
    const id = requestId(request);
    try {
      const result = await this.dispatch(asObject(request, "request"));
      return { id, ok: true, result };
    } catch (e) {
      return { id, ok: false, error: errorOf(e, RocksError) };
    }
  }

  /** Stops the helper and removes every local file; snapshots written stay. Safe to call twice. */
  async dispose(): Promise<void> {
    this.sessions.clear();
    await this.helper?.quit();
    this.helper = undefined;
    this.disposeNow();
  }

  /** {@link dispose} for a process that is exiting: kills the helper rather than waiting for it. */
  disposeNow(): void {
    this.helper?.kill();
    this.helper = undefined;
    if (this.workDir !== undefined) rmSync(this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
  }

  private async dispatch(req: Fields): Promise<object> {
    const op = str(req, "op");
    switch (op) {
      case "hello":
        if (req["protocol"] !== PROTOCOL) throw new AdapterError("UNSUPPORTED", `this adapter speaks protocol ${PROTOCOL} only`);
        return {
          protocol: PROTOCOL, name: "ksnap-rocksdb-backend", version: "0.1.0", capabilities: [...CAPABILITIES],
          formats: { read: "1.1", write: "1.1" },
        };
      case "decode":
        return { json: decodePath(absolutePath(req, "path"), 1) };
      case "encode":
        encodeTo(req["json"], absolutePath(req, "out"));
        return {};
      case "read-data":
        return { entries: await readData(absolutePath(req, "path"), req["handle"], req["keyGroups"]) };
      case "open":
        await this.open(req);
        return {};
      case "apply":
        await this.session(req).apply(arr(req, "changes"));
        return {};
      case "dump":
        return { entries: await this.session(req).dump(int(req, "subtask", 0, 32767)) };
      case "compact":
        await this.session(req).compact();
        return {};
      case "checkpoint":
        return { metadata: await takeCheckpoint(this.session(req), u64(req, "checkpointId")) };
      case "savepoint":
        return { metadata: await takeSavepoint(this.session(req), u64(req, "savepointId"), absolutePath(req, "dir")) };
      case "discard":
        return { deleted: await discardCheckpoint(this.session(req), u64(req, "checkpointId")) };
      case "close":
        await this.close(str(req, "session"));
        return {};
      case "shutdown":
        await this.dispose();
        return {};
      default:
        throw new AdapterError("UNSUPPORTED", `unknown op "${op}"`);
    }
  }

  private async open(req: Fields): Promise<void> {
    const name = str(req, "session");
    if (this.sessions.has(name)) throw new AdapterError("BAD_REQUEST", `session "${name}" is already open`);
    const checkpointRoot = absolutePath(req, "checkpointRoot");
    const spec = {
      name, operatorId: str(req, "operatorId"), maxParallelism: int(req, "maxParallelism", 1, 32768),
      parallelism: int(req, "parallelism", 1, 32768), states: parseStates(arr(req, "states")), checkpointRoot,
    };
    const helper = await this.startHelper();
    mkdirSync(checkpointRoot, { recursive: true });
    const localDir = join(this.localRoot(), `session-${++this.sessionCount}`);
    const session = new RocksSession(spec, localDir, helper, this.sessionCount);
    try {
      if (req["restore"] !== undefined) await restoreSession(session, absolutePath(asObject(req["restore"], "restore"), "metadata"));
      else for (const db of session.dbs) await db.open(true);
      this.sessions.set(name, session);
    } catch (e) {
      await closeQuietly(session);
      rmSync(localDir, { recursive: true, force: true });
      throw e;
    }
  }

  private async close(name: string): Promise<void> {
    const session = this.sessions.get(name);
    if (session === undefined) throw new AdapterError("UNKNOWN_SESSION", `no open session "${name}"`);
    this.sessions.delete(name);
    try {
      for (const db of session.dbs) await db.close();
    } finally {
      rmSync(session.localDir, { recursive: true, force: true });
    }
  }

  private session(req: Fields): RocksSession {
    const name = str(req, "session");
    const session = this.sessions.get(name);
    if (session === undefined) throw new AdapterError("UNKNOWN_SESSION", `no open session "${name}"`);
    return session;
  }

  /** The helper, started (and built if needed) on first use, and again after it exited. */
  private async startHelper(): Promise<HelperProcess> {
    if (this.helper === undefined || !this.helper.alive) {
      const helper = new HelperProcess(this.helperPath ?? helperBinary());
      [this.engineVersion = ""] = await helper.command("version");
      this.helper = helper;
      process.stderr.write(`rocksdb backend: RocksDB ${this.engineVersion}\n`);
    }
    return this.helper;
  }

  /** The process's working folder, created on first use. */
  private localRoot(): string {
    this.workDir ??= mkdtempSync(join(tmpdir(), "ksnap-rocksdb-backend-"));
    return this.workDir;
  }
}

/** Closes whatever instances of a failed open are open; a close that fails changes nothing more. */
async function closeQuietly(session: RocksSession): Promise<void> {
  for (const db of session.dbs) {
    if (db.identity === "") continue;
    try {
      await db.close();
    } catch {
      // the open already failed; its error is the one to report
    }
  }
}
