/**
 * The adapter as a child process ([spec](../../spec/conformance.md#transport)):
 * one JSON request per line on its stdin, one JSON response per line on its
 * stdout, stderr kept for reports. Anything that breaks the protocol (a hang, an
 * exit, a line that is not a response to the request, a line over
 * {@link MAX_LINE_BYTES}) rejects with {@link ProtocolBreak}; the caller then
 * kills the process and starts another.
 *
 * The adapter runs in a process group of its own, which {@link AdapterProcess.kill}
 * kills whole. A descendant that left the group can still hold the adapter's
 * stdout open: the runner never waits for the pipes to close once the adapter
 * itself has exited, and closes its ends when it kills the adapter, so such a
 * process cannot keep the runner alive.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { LineSplitter } from "./line-splitter.js";
import { checkResponse } from "./protocol-schema.js";

/**
 * Longest line the runner reads from the adapter's stdout, in bytes without the
 * newline ([spec](../../spec/conformance.md#transport)). The largest response the
 * catalogue asks for is under 1 MiB (a dump of a scenario's state); the bound only
 * caps what a broken adapter can make the runner hold.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Lines of the adapter's stderr kept for reports. */
const STDERR_LINES = 20;
/** Characters kept of one stderr line; the bytes read of a longer line are bounded too. */
const STDERR_LINE_CHARS = 500;
/**
 * How long after the adapter's exit its stdout may still deliver what it wrote:
 * the pipe's contents arrive within a few event-loop turns, unless a descendant
 * holds the pipe open, and then it never ends.
 */
const EXIT_DRAIN_MS = 500;

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

  /** Starts `command` through the shell in `cwd`, in a process group of its own (`detached`). */
  constructor(readonly command: string, cwd: string) {
    this.child = spawn(command, { shell: true, cwd, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const { stdin, stdout, stderr } = this.child;
    for (const stream of [stdin, stdout, stderr]) stream.on("error", () => undefined); // a dead adapter's EPIPE surfaces as its exit
    const lines = new LineSplitter(MAX_LINE_BYTES, (line) => this.onLine(line), (prefix) => this.fail(
      `a line of more than ${MAX_LINE_BYTES} bytes (the protocol's limit) on stdout, starting ${preview(prefix.toString("utf8", 0, 200))}`));
    stdout.on("data", (chunk: Buffer) => lines.push(chunk));
    stdout.on("end", () => lines.end());
    const stderrLines = new LineSplitter(4 * STDERR_LINE_CHARS, (line) => this.keepStderr(line), (prefix) => this.keepStderr(prefix.toString("utf8")));
    stderr.on("data", (chunk: Buffer) => stderrLines.push(chunk));
    stderr.on("end", () => stderrLines.end());
    this.child.on("error", (e) => this.fail(`the adapter command could not be started: ${e.message}`));
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => this.fail(`the adapter exited (${signal ?? `status ${code}`})`);
    // "close" comes after stdout is drained, so a last line is judged before the exit is. A
    // descendant holding stdout delays "close" for its whole life: then the exit counts soon after.
    this.child.on("close", onExit);
    this.child.on("exit", (code, signal) => {
      setTimeout(() => {
        onExit(code, signal);
        this.closePipes();
      }, EXIT_DRAIN_MS).unref();
    });
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

  /**
   * Kills the adapter and everything in its process group, and closes the
   * runner's ends of its pipes: a descendant that left the group and still
   * holds them cannot keep the runner waiting.
   */
  kill(): void {
    this.fail("the adapter was stopped");
    if (this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
        // the group is gone: the adapter and all of its group have exited
      }
    }
    this.closePipes();
  }

  /** Resolves once the adapter process itself has exited (not its descendants), or after `ms`. */
  async exited(ms: number): Promise<boolean> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private closePipes(): void {
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) stream.destroy();
  }

  private onLine(line: string): void {
    if (this.broken !== undefined) return; // what a broken adapter writes until it is killed judges nothing
    const p = this.pending;
    if (p === undefined) {
      this.fail(`the adapter wrote a line when no request was waiting: ${preview(line)}`);
      return;
    }
    const problem = responseProblem(line, p);
    if (problem !== undefined) {
      this.fail(problem);
      return;
    }
    this.settle();
    p.resolve(JSON.parse(line) as Response);
  }

  private keepStderr(line: string): void {
    this.stderr.push(line.length > STDERR_LINE_CHARS ? line.slice(0, STDERR_LINE_CHARS) + "…" : line);
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
