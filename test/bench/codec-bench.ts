/**
 * Codec benchmark: encodeSnapshot and decodeSnapshot of a checkpoint with a million file refs, against Python's C++
 * protobuf (Debian's python3-protobuf, code generated from schemas/ by protoc) decoding the same body with every
 * field touched and encoding it, and protobufjs reflection decoding. Each codec runs in its own long-lived process
 * (test/bench/codec-child.ts, python-codec-child.py; ours decodes and encodes in two); the parent asks each for one round at a time, in an order
 * rotated every round, so that every figure and its baseline are measured in the same minutes. Reported: medians
 * of the rounds, their spread (fastest–slowest), the ratio of the medians and the load average, and beside them the
 * CPU time of each child's threads, which the machine's other jobs move less than wall-clock time.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeSnapshot, encodeSnapshot } from "../../src/codec.js";
import { HEADER_SIZE, TRAILER_SIZE } from "../../src/container/layout.js";
import { buildCheckpoint, countFileRefs, DEFAULT_SHAPE, type CheckpointShape } from "./checkpoint-fixture.js";
import { loadAverage, median } from "./measure.js";
import { recordRow } from "./summary-table.js";
import { preparePythonBaseline } from "./python-baseline.js";
import { RoundChild, type RoundTime } from "./round-child.js";

export interface CodecBenchOptions {
  shape?: Partial<CheckpointShape>;
  /** Untimed rounds of each figure first (JIT warm-up). Default 1. */
  warmup?: number;
  /** Timed rounds of each figure; medians are reported. Default 5 (env KSNAP_BENCH_CODEC_ROUNDS). */
  runs?: number;
  /** Run the protobufjs baseline (8+ s a round). Default true; env KSNAP_BENCH_PROTOBUFJS=0 turns it off. */
  protobufjs?: boolean;
  log?: (line: string) => void;
}

/** Timings of one figure over the timed rounds. */
export interface Timing {
  runsMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** 10^6 bytes of the encoded file per second, at the median. */
  mbPerSec: number;
  /** CPU milliseconds of the child's threads in each round, and their median. */
  cpuMs: number[];
  medianCpuMs: number;
}

export interface CodecBenchResult {
  fileBytes: number;
  fileRefs: number;
  encode: Timing;
  decode: Timing;
  /** Python's C++ protobuf, when python3-protobuf is installed. */
  pythonDecode?: Timing;
  pythonEncode?: Timing;
  /** The protobuf implementation Python reported (`cpp` or `upb`). */
  pythonImplementation?: string;
  protobufjsDecode?: Timing;
  /** Baseline median ms over ours: above 1, ours is faster. */
  decodeVsPython?: number;
  encodeVsPython?: number;
  decodeVsProtobufjs?: number;
  loadBefore: number[];
  loadAfter: number[];
  seconds: number;
}

export const GOAL_DECODE_VS_PYTHON = 1.0;
export const GOAL_ENCODE_MB_S = 150;

function timing(rounds: RoundTime[], bytes: number): Timing {
  const runsMs = rounds.map((r) => r.ms), cpuMs = rounds.map((r) => r.cpuMs);
  const medianMs = median(runsMs);
  return {
    runsMs, medianMs, minMs: Math.min(...runsMs), maxMs: Math.max(...runsMs), mbPerSec: bytes / 1e6 / (medianMs / 1000),
    cpuMs, medianCpuMs: median(cpuMs),
  };
}

const f0 = (x: number): string => x.toFixed(0);
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const show = (t: Timing): string =>
  `${f0(t.medianMs)} ms (${f0(t.minMs)}–${f0(t.maxMs)}), ${f1(t.mbPerSec)} MB/s; CPU ${f0(t.medianCpuMs)} ms (${f0(Math.min(...t.cpuMs))}–${f0(Math.max(...t.cpuMs))})`;

/** One figure: which child, which operation. */
interface Figure { key: string; child: RoundChild; operation: string }

/** Runs the codec benchmark and prints a summary block; returns the figures. */
export async function runCodecBench(options: CodecBenchOptions = {}): Promise<CodecBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const warmup = options.warmup ?? 1;
  const runs = options.runs ?? Number(process.env.KSNAP_BENCH_CODEC_ROUNDS ?? 5);
  const withProtobufjs = options.protobufjs ?? process.env.KSNAP_BENCH_PROTOBUFJS !== "0";
  const shape = { ...DEFAULT_SHAPE, ...options.shape };
  const loadBefore = loadAverage();

  let t0 = performance.now();
  // The model is not kept: the encoding child builds its own.
  const { fileRefs, file } = ((snapshot) => ({ fileRefs: countFileRefs(snapshot), file: encodeSnapshot(snapshot) }))(buildCheckpoint(shape));
  const fileBytes = file.length;
  if (countFileRefs(decodeSnapshot(file)) !== fileRefs) throw new Error("decoded file ref count differs");
  log(`codec bench: ${fileRefs} file refs (${shape.operators} operators × ${shape.subtasks} subtasks), ${f1(fileBytes / 1e6)} MB file, built in ${f0(performance.now() - t0)} ms; load average ${loadBefore.map(f2).join(" ")}`);

  const dir = mkdtempSync(join(tmpdir(), "ksnap-bench-codec-"));
  const children: RoundChild[] = [];
  try {
    const filePath = join(dir, "checkpoint.ksnap"), bodyPath = join(dir, "body.bin");
    writeFileSync(filePath, file);
    writeFileSync(bodyPath, file.subarray(HEADER_SIZE, file.length - TRAILER_SIZE));
    const codecChild = fileURLToPath(new URL("./codec-child.js", import.meta.url));
    const nodeArgs = ["--expose-gc", codecChild];

    t0 = performance.now();
    const [decoder, encoder] = await Promise.all([
      RoundChild.start("ksnap decode", process.execPath, [...nodeArgs, "ksnap-decode", filePath]),
      RoundChild.start("ksnap encode", process.execPath, [...nodeArgs, "ksnap-encode", filePath, JSON.stringify(shape)]),
    ]);
    children.push(decoder, encoder);
    const figures: Figure[] = [{ key: "decode", child: decoder, operation: "decode" }, { key: "encode", child: encoder, operation: "encode" }];
    const python = preparePythonBaseline(dir);
    let pythonImplementation: string | undefined;
    if ("skip" in python) log(`codec bench: no Python baseline: ${python.skip}`);
    else {
      const py = await RoundChild.start("python", python.command, [...python.args, bodyPath]);
      children.push(py);
      pythonImplementation = py.preamble.find((l) => l.startsWith("implementation "))?.slice("implementation ".length);
      log(`codec bench: Python baseline ${python.description}, protobuf implementation ${pythonImplementation ?? "unknown"}`);
      figures.push({ key: "pythonDecode", child: py, operation: "decode" }, { key: "pythonEncode", child: py, operation: "encode" });
    }
    if (withProtobufjs) {
      const pbjs = await RoundChild.start("protobufjs", process.execPath, [...nodeArgs, "protobufjs", bodyPath]);
      children.push(pbjs);
      figures.push({ key: "protobufjsDecode", child: pbjs, operation: "decode" });
    } else log("codec bench: protobufjs baseline off (KSNAP_BENCH_PROTOBUFJS=0)");
    log(`codec bench: ${children.length} child processes ready in ${f0(performance.now() - t0)} ms`);

    for (let i = 0; i < warmup; i++) {
      const line: string[] = [];
      for (const f of figures) line.push(`${f.key} ${f0((await f.child.round(f.operation)).ms)}`);
      log(`  warm-up ${i + 1}: ${line.join(", ")} ms`);
    }
    const ms = new Map<string, RoundTime[]>(figures.map((f) => [f.key, []]));
    for (let i = 0; i < runs; i++) {
      // Rotate the order each round: no figure always runs first, or right after the slowest.
      const order = figures.map((_, j) => figures[(i + j) % figures.length]!);
      const line: string[] = [];
      for (const f of order) {
        const t = await f.child.round(f.operation);
        ms.get(f.key)!.push(t);
        line.push(`${f.key} ${f0(t.ms)} (CPU ${f0(t.cpuMs)})`);
      }
      log(`  round ${i + 1}: ${line.join(", ")} ms`);
    }

    const get = (key: string): Timing | undefined => (ms.has(key) ? timing(ms.get(key)!, fileBytes) : undefined);
    const decode = get("decode")!, encode = get("encode")!;
    const pythonDecode = get("pythonDecode"), pythonEncode = get("pythonEncode"), protobufjsDecode = get("protobufjsDecode");
    const loadAfter = loadAverage();
    const result: CodecBenchResult = {
      fileBytes, fileRefs, decode, encode, pythonDecode, pythonEncode, pythonImplementation, protobufjsDecode,
      decodeVsPython: pythonDecode && pythonDecode.medianMs / decode.medianMs,
      encodeVsPython: pythonEncode && pythonEncode.medianMs / encode.medianMs,
      decodeVsProtobufjs: protobufjsDecode && protobufjsDecode.medianMs / decode.medianMs,
      loadBefore, loadAfter, seconds: (performance.now() - started) / 1000,
    };
    // The per-round ratios show how far load moved the ratio of the medians.
    const roundRatios = (base: string, ours: string): string => {
      const b = ms.get(base)!, o = ms.get(ours)!;
      const rs = b.map((x, i) => x.ms / o[i]!.ms);
      return `${f2(Math.min(...rs))}–${f2(Math.max(...rs))}`;
    };
    // CPU time counts what the machine's other jobs leave out of wall time (and a GC's helper threads in).
    const cpuRatio = (base: Timing, ours: Timing): string => f2(base.medianCpuMs / ours.medianCpuMs);
    const met = (ok: boolean): string => (ok ? "met" : "NOT met");

    log("");
    log(`codec: ${fileRefs} file refs, ${f1(fileBytes / 1e6)} MB file; medians of ${runs} rounds after ${warmup} warm-up, (fastest–slowest); each codec in its own process; ${f1(result.seconds)} s in all`);
    log(`load average (1, 5, 15 min): ${loadBefore.map(f2).join(" ")} before, ${loadAfter.map(f2).join(" ")} after`);
    log(`decode: ${show(decode)}`);
    if (pythonDecode) {
      log(`  Python ${pythonImplementation} protobuf decode, fields touched: ${show(pythonDecode)}`);
      log(`  ratio ${f2(result.decodeVsPython!)}× Python (rounds ${roundRatios("pythonDecode", "decode")}; goal ≥ ${f1(GOAL_DECODE_VS_PYTHON)}×, ${met(result.decodeVsPython! >= GOAL_DECODE_VS_PYTHON)}); in CPU time ${cpuRatio(pythonDecode, decode)}×`);
    } else log(`  no Python baseline: goal ≥ ${f1(GOAL_DECODE_VS_PYTHON)}× Python not measured`);
    if (protobufjsDecode) log(`  protobufjs reflection decode: ${show(protobufjsDecode)}; ratio ${f2(result.decodeVsProtobufjs!)}× (rounds ${roundRatios("protobufjsDecode", "decode")}); in CPU time ${cpuRatio(protobufjsDecode, decode)}×`);
    log(`encode: ${show(encode)} (goal ≥ ${GOAL_ENCODE_MB_S} MB/s, ${met(encode.mbPerSec >= GOAL_ENCODE_MB_S)})`);
    if (pythonEncode) log(`  Python ${pythonImplementation} protobuf encode: ${show(pythonEncode)}; ratio ${f2(result.encodeVsPython!)}× (rounds ${roundRatios("pythonEncode", "encode")}); in CPU time ${cpuRatio(pythonEncode, encode)}×`);
    const ms0 = (t: Timing): string => `${f0(t.medianMs)} ms (${f0(t.minMs)}–${f0(t.maxMs)})`;
    const what = `${fileRefs.toLocaleString("en")}-ref checkpoint (${f0(fileBytes / 1e6)} MB)`;
    recordRow({
      bench: "codec", what: `decode, ${what}`, figure: ms0(decode),
      baseline: pythonDecode && `Python ${pythonImplementation} protobuf, fields touched: ${ms0(pythonDecode)}`,
      ratio: pythonDecode && `${f2(result.decodeVsPython!)}× (rounds ${roundRatios("pythonDecode", "decode")})`,
      goal: `≥ ${f1(GOAL_DECODE_VS_PYTHON)}× Python`, met: pythonDecode && result.decodeVsPython! >= GOAL_DECODE_VS_PYTHON,
    });
    if (protobufjsDecode) recordRow({ bench: "codec", what: `decode, same file`, figure: ms0(decode), baseline: `protobufjs reflection: ${ms0(protobufjsDecode)}`, ratio: `${f2(result.decodeVsProtobufjs!)}×` });
    recordRow({
      bench: "codec", what: `encode, same checkpoint`, figure: `${f0(encode.mbPerSec)} MB/s, ${ms0(encode)}`,
      baseline: pythonEncode && `Python protobuf encode: ${ms0(pythonEncode)}`,
      ratio: pythonEncode && `${f2(result.encodeVsPython!)}×`,
      goal: `≥ ${GOAL_ENCODE_MB_S} MB/s`, met: encode.mbPerSec >= GOAL_ENCODE_MB_S,
    });
    return result;
  } finally {
    for (const c of children) await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
