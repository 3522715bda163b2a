/**
 * The CLI as users meet it, each run a fresh process (issue 17, part 3): `ksnap --version` beside `node -e 0` (start
 * up), a small `inspect` of a vector, and on the 1,000,000-ref checkpoint `ksnap inspect --json` beside `protoc
 * --decode` (Debian's protobuf-compiler, with schemas/*.proto: the native tool's text dump of the same body) and
 * `ksnap validate --json --no-storage`. Wall time and peak RSS (GNU time's maximum resident set size of the child;
 * without /usr/bin/time, wall time only) are medians of alternated rounds, printed with their spread and each ratio. Without protoc the protoc rows are skipped, and say why.
 * KSNAP_BENCH_CLI_LARGE=0 skips the large file (start-up figures only); KSNAP_BENCH_CLI_ROUNDS sets the rounds.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeSnapshot } from "../../src/codec.js";
import { HEADER_SIZE, TRAILER_SIZE } from "../../src/container/layout.js";
import { buildCheckpoint, countFileRefs, DEFAULT_SHAPE } from "./checkpoint-fixture.js";
import { loadAverage, median, spread } from "./measure.js";
import { recordRow } from "./summary-table.js";

const f2 = (x: number): string => x.toFixed(2);
const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(PACKAGE_ROOT, "dist", "src", "cli", "bin.js");
const SMALL_VECTOR = join(PACKAGE_ROOT, "conformance", "vectors", "v1.0", "valid", "savepoint-two-operators.ksnap");

/** The start-up goal of issue 17 (part 3), for `ksnap --version` and a small `inspect`. */
const START_GOAL_S = 0.15;

/** One process run: wall seconds, CPU seconds (user + system) and peak resident set in MB. */
interface Run { seconds: number; cpu: number; peakMb: number }

/** A command measured: its label and argv (stdout goes to a file, as a user's redirect would). */
interface Subject { label: string; argv: string[]; stdin?: string }

const TIME = "/usr/bin/time";

/** Runs `argv` once with stdout into `out`; the peak RSS from GNU time's "Maximum resident set size" (NaN without it). */
function runOnce(s: Subject, out: string): Run {
  const stdout = openSync(out, "w");
  const stdin = s.stdin === undefined ? "ignore" : openSync(s.stdin, "r");
  try {
    const gnuTime = existsSync(TIME);
    const argv = gnuTime ? [TIME, "-v", ...s.argv] : s.argv;
    const t0 = performance.now();
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: [stdin, stdout, "pipe"], encoding: "utf8", maxBuffer: 64 << 20 });
    const seconds = (performance.now() - t0) / 1000;
    if (r.error !== undefined) throw r.error;
    if (r.status !== 0 && !(s.label.startsWith("ksnap validate") && r.status === 1)) {
      throw new Error(`${s.label} exited ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    }
    const field = (name: string): number => (gnuTime ? Number(new RegExp(`${name}: ([\\d.]+)`).exec(r.stderr)?.[1] ?? NaN) : NaN);
    return { seconds, cpu: field("User time \\(seconds\\)") + field("System time \\(seconds\\)"), peakMb: field("Maximum resident set size \\(kbytes\\)") / 1024 };
  } finally {
    closeSync(stdout);
    if (typeof stdin === "number") closeSync(stdin);
  }
}

/** `rounds` rounds after one warm-up, the subjects' order rotated each round. */
function alternate(subjects: readonly Subject[], rounds: number, out: string): Run[][] {
  const runs: Run[][] = subjects.map(() => []);
  for (let round = -1; round < rounds; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + Math.max(round, 0)) % subjects.length;
      const r = runOnce(subjects[i]!, out);
      if (round >= 0) runs[i]!.push(r);
    }
  }
  return runs;
}

function describe(label: string, runs: readonly Run[], withRss: boolean): string {
  const secs = runs.map((r) => r.seconds), mbs = runs.map((r) => r.peakMb), cpu = runs.map((r) => r.cpu);
  return `  ${label.padEnd(38)} ${f2(median(secs))} s (${spread(secs, 2)}), CPU ${f2(median(cpu))} s` +
    (withRss ? `, peak RSS ${median(mbs).toFixed(0)} MB (${spread(mbs)})` : "");
}

function ratio(label: string, a: readonly Run[], b: readonly Run[], withRss: boolean): string {
  const wall = a.map((r, i) => r.seconds / b[i]!.seconds);
  const rss = a.map((r, i) => r.peakMb / b[i]!.peakMb);
  return `  ${label}: wall ${f2(median(a.map((r) => r.seconds)) / median(b.map((r) => r.seconds)))}× (rounds ${wall.map(f2).join(" ")}), ` +
    `CPU ${f2(median(a.map((r) => r.cpu)) / median(b.map((r) => r.cpu)))}×` +
    (withRss ? `, peak RSS ${f2(median(a.map((r) => r.peakMb)) / median(b.map((r) => r.peakMb)))}× (rounds ${rss.map(f2).join(" ")})` : "");
}

/** Why protoc cannot be the baseline here, or undefined when it can. */
function protocMissing(): string | undefined {
  const r = spawnSync("protoc", ["--version"], { encoding: "utf8" });
  if (r.error !== undefined) return `protoc is not installed (Debian: protobuf-compiler): ${r.error.message}`;
  return r.status === 0 ? undefined : `protoc --version exited ${r.status}`;
}

/** Runs the CLI bench and prints its block. */
export async function runCliBench(options: { rounds?: number; log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? console.log;
  const rounds = options.rounds ?? Number(process.env.KSNAP_BENCH_CLI_ROUNDS ?? 5);
  const node = process.execPath;
  const loadBefore = loadAverage();
  const dir = mkdtempSync(join(tmpdir(), "ksnap-bench-cli-"));
  try {
    const out = join(dir, "out");
    log(`cli bench: each run a new process (node ${process.version}); medians of ${rounds} alternated rounds after a warm-up; load average ${loadBefore.map(f2).join(" ")}`);
    const start = alternate([
      { label: "ksnap --version", argv: [node, BIN, "--version"] },
      { label: "node -e 0", argv: [node, "-e", "0"] },
      { label: "ksnap inspect (small vector)", argv: [node, BIN, "inspect", SMALL_VECTOR] },
    ], rounds, out);
    log(describe("ksnap --version", start[0]!, false));
    log(describe("node -e 0", start[1]!, false));
    log(describe("ksnap inspect (small vector)", start[2]!, false));
    const wall = (i: number): number => median(start[i]!.map((r) => r.seconds));
    log(`  start-up goal < 0.15 s wall: ksnap --version ${f2(wall(0))} s, small inspect ${f2(wall(2))} s (node -e 0 alone: ${f2(wall(1))} s)`);
    log(ratio("ksnap --version / node -e 0", start[0]!, start[1]!, false));
    const cpu = (i: number): number => median(start[i]!.map((r) => r.cpu));
    const node0 = `node -e 0: ${f2(wall(1))} s (${spread(start[1]!.map((r) => r.seconds), 2)}), CPU ${f2(cpu(1))} s`;
    for (const [i, what] of [[0, "ksnap --version (a new process)"], [2, "ksnap inspect of a small vector"]] as const) {
      recordRow({
        bench: "cli", what, figure: `${f2(wall(i))} s (${spread(start[i]!.map((r) => r.seconds), 2)}), CPU ${f2(cpu(i))} s`, baseline: node0,
        ratio: `${f2(wall(i) / wall(1))}× wall, ${f2(cpu(i) / cpu(1))}× CPU`, goal: `< ${START_GOAL_S} s`, met: wall(i) < START_GOAL_S,
      });
    }

    if (process.env.KSNAP_BENCH_CLI_LARGE === "0") {
      log("  large file skipped: KSNAP_BENCH_CLI_LARGE=0");
      return;
    }
    const snapshot = buildCheckpoint(DEFAULT_SHAPE);
    const refs = countFileRefs(snapshot);
    const file = encodeSnapshot(snapshot);
    const filePath = join(dir, "checkpoint.ksnap"), bodyPath = join(dir, "body.bin");
    writeFileSync(filePath, file);
    writeFileSync(bodyPath, file.subarray(HEADER_SIZE, file.length - TRAILER_SIZE));
    log(`  large file: ${refs} file refs, ${(file.length / 1e6).toFixed(1)} MB`);
    const ksnap: Subject[] = [
      { label: "ksnap inspect --json", argv: [node, BIN, "inspect", "--json", filePath] },
      { label: "ksnap validate --json --no-storage", argv: [node, BIN, "validate", "--json", "--no-storage", filePath] },
    ];
    const missing = protocMissing();
    const protoc: Subject[] = missing !== undefined ? [] : [{
      label: "protoc --decode", stdin: bodyPath,
      argv: ["protoc", "-I", join(PACKAGE_ROOT, "schemas"), "--decode=ksnap.v1.Snapshot", join(PACKAGE_ROOT, "schemas", "ksnap", "v1", "snapshot.proto")],
    }];
    const large = alternate([...ksnap, ...protoc], rounds, out);
    for (let i = 0; i < ksnap.length + protoc.length; i++) log(describe([...ksnap, ...protoc][i]!.label, large[i]!, true));
    if (missing !== undefined) log(`  protoc baseline skipped: ${missing}`);
    else {
      log(ratio("inspect --json / protoc --decode (goal wall ≤ 1×, RSS ≤ 2×)", large[0]!, large[2]!, true));
      log(ratio("validate --json --no-storage / protoc --decode", large[1]!, large[2]!, true));
      const sec = (rs: readonly Run[]): number => median(rs.map((r) => r.seconds));
      const mb = (rs: readonly Run[]): number => median(rs.map((r) => r.peakMb));
      const show = (rs: readonly Run[]): string => `${f2(sec(rs))} s (${spread(rs.map((r) => r.seconds), 2)}), peak RSS ${mb(rs).toFixed(0)} MB`;
      const baseline = `protoc --decode of the body: ${show(large[2]!)}`;
      const what = `${refs.toLocaleString("en")}-ref checkpoint (${(file.length / 1e6).toFixed(0)} MB)`;
      const [inspectRuns, validateRuns, protocRuns] = [large[0]!, large[1]!, large[2]!];
      recordRow({
        bench: "cli", what: `ksnap inspect --json, ${what}`, figure: show(inspectRuns), baseline,
        ratio: `${f2(sec(inspectRuns) / sec(protocRuns))}× wall, ${f2(mb(inspectRuns) / mb(protocRuns))}× RSS`,
        goal: "wall ≤ 1×, RSS ≤ 2× protoc", met: sec(inspectRuns) <= sec(protocRuns) && mb(inspectRuns) <= 2 * mb(protocRuns),
      });
      recordRow({
        bench: "cli", what: "ksnap validate --json --no-storage, same file", figure: show(validateRuns), baseline,
        ratio: `${f2(sec(validateRuns) / sec(protocRuns))}× wall, ${f2(mb(validateRuns) / mb(protocRuns))}× RSS`,
      });
    }
    log(`cli bench: load average ${loadAverage().map(f2).join(" ")} at the end`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runCliBench();
