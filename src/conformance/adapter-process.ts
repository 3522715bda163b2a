/**
 * The adapter as a child process ([spec](../../spec/conformance.md#transport)):
 * one JSON request per line on its stdin, one JSON response per line on its
 * stdout, stderr kept for reports. Anything that breaks the protocol (a hang, an
 * exit, a line that is not a response to the request) rejects with
 * {@link ProtocolBreak}; the caller then kills the process and starts another.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { checkResponse } from "./protocol-schema.js";

/** Lines of the adapter's stderr kept for reports. */
const STDERR_LINES = 20;
/** Longest stdout line accepted: a bound on what a broken adapter can make the runner hold. */
const MAX_LINE_CHARS = 256 * 1024 * 1024;

/** The adapter broke the protocol: the test that was running is an ERROR. */
export class ProtocolBreak extends Error {
  constructor(message: string, readonly stderrTail: string[]) {
    super(message);
    this.name = "ProtocolBreak";
  }
}

/** A response the adapter gave: a result, or an error it reported. */
export type Response =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; error: { code: string; message: string } };

interface Pending {
  id: number;
  op: string;
  resolve: (r: Response) => void;
  reject: (e: ProtocolBreak) => void;
  timer: NodeJS.Timeout;
}

/** One running adapter process. */
export class AdapterProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stderr: string[] = [];
  private pending: Pending | undefined;
  private broken: string | undefined;
  private nextId = 1;

  /** Starts `command` through the shell in `cwd`. */
  constructor(readonly command: string, cwd: string) {
    this.child = spawn(command, { shell: true, cwd, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdin.on("error", () => undefined); // a dead adapter's EPIPE surfaces as its exit
    createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on("line", (line) => this.onLine(line));
    createInterface({ input: this.child.stderr, crlfDelay: Infinity }).on("line", (line) => this.keepStderr(line));
    this.child.on("error", (e) => this.fail(`the adapter command could not be started: ${e.message}`));
    // "close", not "exit": it comes after stdout is drained, so a last line is judged before the exit is.
    this.child.on("close", (code, signal) => this.fail(`the adapter exited (${signal ?? `status ${code}`})`));
  }

  /** The last lines the adapter wrote to stderr. */
  stderrTail(): string[] {
    return [...this.stderr];
  }

  /**
   * Sends `op` with `params` and returns the adapter's response, checked against
   * the protocol schema; rejects with ProtocolBreak after `timeoutMs` or on any
   * protocol violation.
   */
  request(op: string, params: Record<string, unknown>, timeoutMs: number): Promise<Response> {
    if (this.broken !== undefined) return Promise.reject(this.breakError(this.broken));
    const id = this.nextId++;
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`no response to ${op} (request ${id}) within ${timeoutMs} ms`), timeoutMs);
      this.pending = { id, op, resolve, reject, timer };
      this.child.stdin.write(JSON.stringify({ id, op, ...params }) + "\n");
    });
  }

  /** Kills the adapter and everything it started (its process group). */
  kill(): void {
    this.fail("the adapter was stopped");
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Resolves once the process has exited, or after `ms`. */
  async exited(ms: number): Promise<boolean> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.child.once("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private onLine(line: string): void {
    const p = this.pending;
    if (p === undefined) {
      this.fail(`the adapter wrote a line when no request was waiting: ${preview(line)}`);
      return;
    }
    const problem = line.length > MAX_LINE_CHARS ? `a response line of ${line.length} characters` : responseProblem(line, p);
    if (problem !== undefined) {
      this.fail(problem);
      return;
    }
    this.settle();
    p.resolve(JSON.parse(line) as Response);
  }

  private keepStderr(line: string): void {
    this.stderr.push(line.length > 500 ? line.slice(0, 500) + "…" : line);
    if (this.stderr.length > STDERR_LINES) this.stderr.shift();
  }

  /** Marks the process broken and rejects the waiting request, once. */
  private fail(reason: string): void {
    if (this.broken === undefined) this.broken = reason;
    const p = this.settle();
    p?.reject(this.breakError(reason));
  }

  private settle(): Pending | undefined {
    const p = this.pending;
    if (p !== undefined) clearTimeout(p.timer);
    this.pending = undefined;
    return p;
  }

  private breakError(reason: string): ProtocolBreak {
    return new ProtocolBreak(reason, this.stderrTail());
  }
}

/** Why `line` is not a valid response to `p`, or undefined. */
function responseProblem(line: string, p: Pending): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return `the response to ${p.op} (request ${p.id}) is not JSON: ${preview(line)}`;
  }
  if (typeof doc === "object" && doc !== null && (doc as { id?: unknown }).id !== p.id) {
    return `the response to request ${p.id} (${p.op}) carries id ${JSON.stringify((doc as { id?: unknown }).id)}`;
  }
  const schemaProblem = checkResponse(p.op, doc);
  return schemaProblem === undefined ? undefined : `the response to ${p.op} (request ${p.id}) breaks the protocol schema: ${schemaProblem}`;
}

function preview(line: string): string {
  return JSON.stringify(line.length > 120 ? line.slice(0, 120) + "…" : line);
}
