/**
 * Child side of the benches' round protocol (test/bench/round-child.ts is the parent's): the child prints "ready"
 * once set up, then answers each line on stdin naming one of its operations with one timed round on its own line:
 * wall-clock milliseconds, then the process's CPU milliseconds (every thread: the GC's helpers too) in the round. A full GC (with --expose-gc) comes before each round, outside the time, so that a round does not
 * pay for the garbage of the one before. An empty line or end of input ends the process.
 */
import { createInterface } from "node:readline";
import { gc } from "./measure.js";

/** One timed operation; what it returns is kept until the next round (so it is not collected inside the time). */
export type RoundOperation = () => unknown;

/** Serves rounds of `operations` on stdin and stdout until the input ends. */
export async function serveRounds(operations: Record<string, RoundOperation>): Promise<void> {
  console.log("ready");
  let kept: unknown;
  for await (const line of createInterface({ input: process.stdin })) {
    const what = line.trim();
    if (what === "") break;
    const op = operations[what];
    if (op === undefined) {
      console.log(`error unknown operation ${what}`);
      continue;
    }
    kept = undefined;
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    kept = op();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    console.log(`${ms.toFixed(3)} ${((cpu.user + cpu.system) / 1000).toFixed(3)}`);
  }
  void kept;
}
