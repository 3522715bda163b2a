/**
 * Parent side of the benches' round protocol (test/bench/serve-rounds.ts): one long-lived child process per codec,
 * so that each is measured with its own heap and none pays for another's garbage, asked for one round at a time so
 * that the parent can alternate them within the same minutes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface, type Interface } from "node:readline";

/** One round: wall-clock milliseconds, and the CPU milliseconds of the child's threads (less moved by other jobs). */
export interface RoundTime { ms: number; cpuMs: number }

/** A child process that times one round per request. */
export class RoundChild {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private readonly rl: Interface;
  private stderr = "";
  /** Lines the child printed before "ready" (such as the implementation it runs). */
  readonly preamble: string[] = [];

  private constructor(readonly name: string, command: string, args: readonly string[]) {
    this.proc = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stderr.on("data", (d: Buffer) => { this.stderr += d.toString(); });
    this.rl = createInterface({ input: this.proc.stdout });
    this.lines = this.rl[Symbol.asyncIterator]();
  }

  /** Starts `command args` and waits for its "ready" line. */
  static async start(name: string, command: string, args: readonly string[]): Promise<RoundChild> {
    const child = new RoundChild(name, command, args);
    for (;;) {
      const line = await child.next();
      if (line === "ready") return child;
      child.preamble.push(line);
    }
  }

  private async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`${this.name} child ended: ${this.stderr.trim().split("\n").slice(-5).join("\n")}`);
    return r.value;
  }

  /** One round of `operation`, timed by the child. */
  async round(operation: string): Promise<RoundTime> {
    this.proc.stdin.write(`${operation}\n`);
    const line = await this.next();
    const [ms, cpuMs] = line.split(" ").map(Number);
    if (!Number.isFinite(ms) || !Number.isFinite(cpuMs)) throw new Error(`${this.name} child: ${line}`);
    return { ms: ms!, cpuMs: cpuMs! };
  }

  /** Ends the child (end of its input) and waits for its exit. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
    this.proc.stdin.end();
    await exited;
    this.rl.close();
  }
}
