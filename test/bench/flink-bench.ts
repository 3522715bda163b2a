/**
 * Flink reader benchmark: `readFlinkMetadata` of a V6 `_metadata` with a million file references, alone and
 * followed by `flinkToSnapshot`, against `decodeSnapshot` of the equivalent KSNAP file (the conversion of the same
 * `_metadata`, encoded: the same operators, handles and file refs), measured in the same rounds. The reader and the
 * decoder run in child processes of their own (test/bench/flink-child.ts, codec-child.ts), asked for one round at a
 * time with a full GC before each; rounds interleave the three, in an order rotated every round, and the ratios to
 * the decoder, measured under the same machine conditions, are the stable figure.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeSnapshot, encodeSnapshot } from "../../src/codec.js";
import { readFlinkMetadata } from "../../src/flink/index.js";
import { flinkToSnapshot } from "../../src/flink/convert.js";
import type { Snapshot } from "../../src/model.js";
import { loadAverage, median, spread } from "./measure.js";
import { buildFlinkMetadataBytes, DEFAULT_FLINK_SHAPE, FLINK_BENCH_OPTIONS as OPTIONS, type FlinkCheckpointShape } from "./flink-fixture.js";
import { recordRow } from "./summary-table.js";
import { RoundChild } from "./round-child.js";

export interface FlinkBenchOptions {
  shape?: Partial<FlinkCheckpointShape>;
  warmup?: number;
  runs?: number;
  log?: (line: string) => void;
}

export interface FlinkBenchResult {
  fileRefs: number;
  flinkBytes: number;
  ksnapBytes: number;
  /** Medians in ms (of `runs` rounds, each running all three). */
  readMs: number;
  readConvertMs: number;
  decodeMs: number;
  /** Median ms over the decoder's median ms: 1 is as fast as the decoder. */
  readRatio: number;
  readConvertRatio: number;
}

/** Goal: reading `_metadata` takes at most this many times the KSNAP decoder's time on the equivalent snapshot. */
export const GOAL_FLINK_READ_RATIO = 2;

/** File refs of a converted snapshot: every keyed handle's shared, private and meta files. */
function countRefs(s: Snapshot): number {
  let n = 0;
  for (const op of s.operators) {
    for (const st of op.subtasks) {
      for (const h of st.handles) {
        if (h.type === "incremental" || h.type === "stream-incremental") n += h.sharedFiles.length + h.privateFiles.length + 1;
        else n += 1;
      }
    }
  }
  return n;
}

/** The KSNAP file of the conversion (kept out of the caller's frame, so the models can be collected). */
function equivalentKsnap(flink: Uint8Array, fileRefs: number): Uint8Array {
  const { snapshot } = flinkToSnapshot(readFlinkMetadata(flink), OPTIONS);
  if (countRefs(snapshot) !== fileRefs) throw new Error(`the conversion has ${countRefs(snapshot)} file refs, expected ${fileRefs}`);
  const file = encodeSnapshot(snapshot);
  if (countRefs(decodeSnapshot(file)) !== fileRefs) throw new Error("the decoded KSNAP file has another file ref count");
  return file;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

/** Runs the Flink reader benchmark and prints a summary block; returns the figures. */
export async function runFlinkBench(options: FlinkBenchOptions = {}): Promise<FlinkBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const warmup = options.warmup ?? 1;
  const runs = options.runs ?? 5;
  const loadBefore = loadAverage();
  const shape = { ...DEFAULT_FLINK_SHAPE, ...options.shape };

  const t0 = performance.now();
  const flink = buildFlinkMetadataBytes(shape);
  const ksnap = equivalentKsnap(flink, shape.totalRefs);
  log(`flink bench: wrote a V6 _metadata of ${shape.totalRefs} file refs (${f1(flink.length / 1e6)} MB) and its KSNAP conversion (${f1(ksnap.length / 1e6)} MB) in ${f1(performance.now() - t0)} ms`);

  const dir = mkdtempSync(join(tmpdir(), "ksnap-bench-flink-"));
  const children: RoundChild[] = [];
  const dec: number[] = [], rd: number[] = [], rc: number[] = [];
  try {
    const flinkPath = join(dir, "_metadata"), ksnapPath = join(dir, "_metadata.ksnap");
    writeFileSync(flinkPath, flink);
    writeFileSync(ksnapPath, ksnap);
    const child = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
    const [reader, decoder] = await Promise.all([
      RoundChild.start("flink reader", process.execPath, ["--expose-gc", child("./flink-child.js"), flinkPath]),
      RoundChild.start("ksnap decode", process.execPath, ["--expose-gc", child("./codec-child.js"), "ksnap-decode", ksnapPath]),
    ]);
    children.push(reader, decoder);
    const ops: [string, RoundChild, string, number[]][] = [
      ["decode", decoder, "decode", dec], ["read", reader, "read", rd], ["read + convert", reader, "convert", rc],
    ];
    for (let i = 0; i < warmup; i++) {
      const line: string[] = [];
      for (const [name, c, op] of ops) line.push(`${name} ${f1((await c.round(op)).ms)}`);
      log(`  warm-up ${i + 1}: ${line.join(", ")} ms`);
    }
    // Timed rounds: all three every round, the order rotated so that none always runs first.
    for (let i = 0; i < runs; i++) {
      const line: string[] = [];
      for (let j = 0; j < ops.length; j++) {
        const [name, c, op, into] = ops[(i + j) % ops.length]!;
        const t = (await c.round(op)).ms;
        into.push(t);
        line.push(`${name} ${f1(t)}`);
      }
      log(`  run ${i + 1}: ${line.join(", ")} ms`);
    }
  } finally {
    for (const c of children) await c.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const decodeMs = median(dec), readMs = median(rd), readConvertMs = median(rc);
  const result: FlinkBenchResult = {
    fileRefs: shape.totalRefs, flinkBytes: flink.length, ksnapBytes: ksnap.length, readMs, readConvertMs, decodeMs,
    readRatio: readMs / decodeMs, readConvertRatio: readConvertMs / decodeMs,
  };
  const goal = (x: number): string => (x <= GOAL_FLINK_READ_RATIO ? `goal ≤ ${GOAL_FLINK_READ_RATIO}× met` : `goal ≤ ${GOAL_FLINK_READ_RATIO}× NOT met`);
  log("");
  log(`flink: ${shape.totalRefs} file refs, _metadata ${f1(flink.length / 1e6)} MB, KSNAP ${f1(ksnap.length / 1e6)} MB, medians of ${runs} rounds after warm-up (fastest–slowest), reader and decoder each in its own process; ${f1((performance.now() - t0) / 1000)} s in all`);
  log(`load average (1, 5, 15 min): ${loadBefore.map(f2).join(" ")} before, ${loadAverage().map(f2).join(" ")} after`);
  log(`readFlinkMetadata: ${f1(readMs)} ms (${spread(rd)}), ${f2(result.readRatio)}× the KSNAP decoder's time (rounds ${spread(rd.map((x, i) => x / dec[i]!), 2)}; ${goal(result.readRatio)})`);
  log(`readFlinkMetadata + flinkToSnapshot: ${f1(readConvertMs)} ms (${spread(rc)}), ${f2(result.readConvertRatio)}× (rounds ${spread(rc.map((x, i) => x / dec[i]!), 2)}; ${goal(result.readConvertRatio)})`);
  log(`KSNAP decodeSnapshot, equivalent snapshot: ${f1(decodeMs)} ms (${spread(dec)})`);
  const what = `Flink V6 _metadata, ${shape.totalRefs.toLocaleString("en")} refs (${f1(flink.length / 1e6)} MB)`;
  const baseline = `decodeSnapshot of its KSNAP conversion: ${f1(decodeMs)} ms (${spread(dec)})`;
  recordRow({ bench: "flink", what: `readFlinkMetadata, ${what}`, figure: `${f1(readMs)} ms (${spread(rd)})`, baseline, ratio: `${f2(result.readRatio)}× the decoder's time`, goal: `≤ ${GOAL_FLINK_READ_RATIO}×`, met: result.readRatio <= GOAL_FLINK_READ_RATIO });
  recordRow({ bench: "flink", what: `readFlinkMetadata + flinkToSnapshot, same file`, figure: `${f1(readConvertMs)} ms (${spread(rc)})`, baseline, ratio: `${f2(result.readConvertRatio)}×`, goal: `≤ ${GOAL_FLINK_READ_RATIO}×`, met: result.readConvertRatio <= GOAL_FLINK_READ_RATIO });
  return result;
}
