/**
 * The `lz4` command-line tool's in-memory benchmark (`lz4 -b1`) as the savepoint
 * bench's baseline, sampled several times between the bench's own runs. On a
 * shared 2-core machine the load drifts within a minute; one lz4 run before or
 * after ours measured a different machine. Interleaved, both sides are the best
 * of runs spread over the same minutes, so a ratio compares like with like.
 */
import { spawnSync } from "node:child_process";

/** lz4 -b1's figures for one run on one file ([lz4 1.9.4 bench.c]: MB = 10^6 bytes). */
export interface Lz4Bench {
  bytes: number;
  compressedBytes: number;
  ratio: number;
  compressMBs: number;
  decompressMBs: number;
}

/** Several runs combined: the best speed of each direction (maybe from different runs), and the slowest. */
export interface Lz4Summary extends Lz4Bench {
  runs: number;
  slowestCompressMBs: number;
  slowestDecompressMBs: number;
}

/** Runs `lz4 -b1 -i<seconds>` on one file whenever {@link sample} is called, and combines the runs. */
export class Lz4Baseline {
  readonly runs: Lz4Bench[] = [];
  /** Why lz4 could not run (not installed, say); set by the first failed run, after which sampling stops. */
  unavailable: string | undefined;

  constructor(private readonly path: string, private readonly seconds: number) {}

  /** One more run of lz4 -b1, also returned; nothing once lz4 has failed. */
  sample(): Lz4Bench | undefined {
    if (this.unavailable !== undefined) return undefined;
    const r = spawnSync("lz4", ["-b1", `-i${this.seconds}`, this.path], { encoding: "utf8", maxBuffer: 1 << 20 });
    if (r.error !== undefined || r.status !== 0) {
      this.unavailable = r.error?.message ?? `exit ${r.status}: ${r.stderr.trim().split("\n").at(-1)}`;
      return undefined;
    }
    const parsed = parseLz4Bench(`${r.stdout}${r.stderr}`);
    if (parsed === undefined) throw new Error(`cannot parse lz4 -b1 output: ${JSON.stringify(r.stderr.slice(-300))}`);
    this.runs.push(parsed);
    return parsed;
  }

  summary(): Lz4Summary | undefined {
    return combineLz4Runs(this.runs);
  }
}

/** The best and slowest speeds of `runs` (of one file); undefined when there are none. */
export function combineLz4Runs(runs: readonly Lz4Bench[]): Lz4Summary | undefined {
  const first = runs[0];
  if (first === undefined) return undefined;
  const compress = runs.map((r) => r.compressMBs);
  const decompress = runs.map((r) => r.decompressMBs);
  return {
    ...first,
    compressMBs: Math.max(...compress),
    decompressMBs: Math.max(...decompress),
    runs: runs.length,
    slowestCompressMBs: Math.min(...compress),
    slowestDecompressMBs: Math.min(...decompress),
  };
}

/**
 * The final figures of `lz4 -b1 FILE`. lz4 1.9.4 prints progress lines on stderr
 * separated by `\r`, each `<mark><name> : <bytes> -> <compressed> (<ratio>),<c> MB/s ,<d> MB/s`,
 * the last complete one holding the best (fastest) speeds, then ` 1#` and a
 * newline. Other versions print `1#<name> : … MB/s, … MB/s`; both are accepted.
 */
export function parseLz4Bench(output: string): Lz4Bench | undefined {
  const re = /(\d+)\s*->\s*(\d+)\s*\(\s*([\d.]+)\s*\)\s*,\s*([\d.]+)\s*MB\/s\s*,\s*([\d.]+)\s*MB\/s/;
  let found: Lz4Bench | undefined;
  for (const segment of output.split(/[\r\n]+/)) {
    const m = re.exec(segment);
    if (m === null) continue;
    found = {
      bytes: Number(m[1]), compressedBytes: Number(m[2]), ratio: Number(m[3]), compressMBs: Number(m[4]), decompressMBs: Number(m[5]),
    };
  }
  return found;
}
