/**
 * The reference backend behind the adapter protocol
 * ([spec](../../spec/conformance.md#operations)): one request object in, one
 * response object out. Every failure becomes an error response with a code
 * (format-v1's for file problems, the adapter's own otherwise); nothing a
 * request holds can make it throw.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReaderMinor } from "../../src/index.js";
import { AdapterError, errorOf } from "./adapter-error.js";
import { takeCheckpoint } from "./checkpoint.js";
import { discardCheckpoint } from "./discard.js";
import type { Fault } from "./faults.js";
import { decodePath, encodeTo, readData } from "./format-ops.js";
import { restoreSession } from "./restore.js";
import { absolutePath, arr, asObject, int, requestId, str, u64, type Fields } from "./request-fields.js";
import { takeSavepoint } from "./savepoint.js";
import { Session } from "./session.js";
import { parseStates } from "./state-descriptors.js";

/** The protocol version this adapter speaks. */
export const PROTOCOL = 1;

/** Every capability of the conformance protocol: the reference backend does all of it. */
export const CAPABILITIES = [
  "decode", "encode", "read-data", "state", "checkpoint", "incremental", "savepoint", "discard",
  "restore-savepoint", "restore-checkpoint", "rescale", "compact",
] as const;

/** The newest metadata format minor (of major 1) the backend reads and writes unless told otherwise. */
export const FORMAT_MINOR: ReaderMinor = 1;

/** A response ([spec](../../spec/conformance.md#requests-and-responses)). */
export type Response =
  | { id: number; ok: true; result: object }
  | { id: number; ok: false; error: { code: string; message: string } };

/** The backend: its sessions and its local working folder. */
export class ReferenceBackend {
  private workDir: string | undefined;
  private readonly sessions = new Map<string, Session>();
  private sessionCount = 0;

  /**
   * `formatMinor` makes the backend a reader and writer of format 1.`formatMinor`
   * (0: the released 1.0 behaviour), to test how the suite judges an older adapter.
   */
  constructor(readonly fault?: Fault, readonly formatMinor: ReaderMinor = FORMAT_MINOR) {}

  /** Answers one request (already parsed from JSON, of any shape). */
  async handle(request: unknown): Promise<Response> {
    const id = requestId(request);
    try {
      const result = await this.dispatch(asObject(request, "request"));
      return { id, ok: true, result };
    } catch (e) {
      return { id, ok: false, error: errorOf(e) };
    }
  }

  /** Removes every local file (sessions' stores); snapshots written stay. Safe to call twice. */
  dispose(): void {
    this.sessions.clear();
    if (this.workDir !== undefined) rmSync(this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
  }

  private async dispatch(req: Fields): Promise<object> {
    const op = str(req, "op");
    switch (op) {
      case "hello":
        if (req["protocol"] !== PROTOCOL) throw new AdapterError("UNSUPPORTED", `this adapter speaks protocol ${PROTOCOL} only`);
        return {
          protocol: PROTOCOL, name: "ksnap-reference-backend", version: "0.1.0", capabilities: [...CAPABILITIES],
          formats: { read: `1.${this.formatMinor}`, write: `1.${this.formatMinor}` },
        };
      case "decode":
        return { json: decodePath(absolutePath(req, "path"), this.formatMinor) };
      case "encode":
        encodeTo(req["json"], absolutePath(req, "out"));
        return {};
      case "read-data":
        return { entries: await readData(absolutePath(req, "path"), req["handle"], req["keyGroups"]) };
      case "open":
        await this.open(req);
        return {};
      case "apply":
        this.session(req).apply(arr(req, "changes"));
        return {};
      case "dump":
        return { entries: this.session(req).dump(int(req, "subtask", 0, 32767)) };
      case "compact":
        this.session(req).compact();
        return {};
      case "checkpoint":
        return { metadata: takeCheckpoint(this.session(req), u64(req, "checkpointId"), this.fault) };
      case "savepoint":
        return { metadata: takeSavepoint(this.session(req), u64(req, "savepointId"), absolutePath(req, "dir"), this.fault) };
      case "discard":
        return { deleted: await discardCheckpoint(this.session(req), u64(req, "checkpointId")) };
      case "close":
        this.close(str(req, "session"));
        return {};
      case "shutdown":
        this.dispose();
        return {};
      default:
        throw new AdapterError("UNSUPPORTED", `unknown op "${op}"`);
    }
  }

  private async open(req: Fields): Promise<void> {
    const name = str(req, "session");
    if (this.sessions.has(name)) throw new AdapterError("BAD_REQUEST", `session "${name}" is already open`);
    const checkpointRoot = absolutePath(req, "checkpointRoot");
    const maxParallelism = int(req, "maxParallelism", 1, 32768);
    const spec = {
      name, operatorId: str(req, "operatorId"), maxParallelism, parallelism: int(req, "parallelism", 1, 32768),
      states: parseStates(arr(req, "states")), checkpointRoot,
    };
    mkdirSync(checkpointRoot, { recursive: true });
    const localDir = join(this.localRoot(), `session-${++this.sessionCount}`);
    try {
      const session = new Session(spec, localDir);
      if (req["restore"] !== undefined) await restoreSession(session, absolutePath(asObject(req["restore"], "restore"), "metadata"), this.fault);
      this.sessions.set(name, session);
    } catch (e) {
      rmSync(localDir, { recursive: true, force: true });
      throw e;
    }
  }

  private close(name: string): void {
    const session = this.sessions.get(name);
    if (session === undefined) throw new AdapterError("UNKNOWN_SESSION", `no open session "${name}"`);
    this.sessions.delete(name);
    rmSync(session.localDir, { recursive: true, force: true });
  }

  private session(req: Fields): Session {
    const name = str(req, "session");
    const session = this.sessions.get(name);
    if (session === undefined) throw new AdapterError("UNKNOWN_SESSION", `no open session "${name}"`);
    return session;
  }

  /** The process's working folder, created on first use. */
  private localRoot(): string {
    this.workDir ??= mkdtempSync(join(tmpdir(), "ksnap-reference-backend-"));
    return this.workDir;
  }
}
