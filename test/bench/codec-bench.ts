/**
 * Codec benchmark: encodeSnapshot and decodeSnapshot of a checkpoint with a
 * million file refs, against a baseline of plain protobufjs reflection
 * decoding of the same body. Runs are interleaved (baseline, decode, encode
 * per round, after a warm-up) with a full GC between phases, so that the ratios to the
 * baseline, measured under the same machine conditions, are the stable figure.
 */
import protobuf from "protobufjs";
import { decodeSnapshot, encodeSnapshot } from "../../src/codec.js";
import { HEADER_SIZE, TRAILER_SIZE } from "../../src/container/layout.js";
import { packageFile } from "../../src/storage/package-files.js";
import { gc, median, time } from "./measure.js";
import { buildCheckpoint, countFileRefs, DEFAULT_SHAPE, type CheckpointShape } from "./checkpoint-fixture.js";

export interface CodecBenchOptions {
  shape?: Partial<CheckpointShape>;
  /** Untimed rounds first (JIT warm-up). */
  warmup?: number;
  /** Timed rounds; medians are reported (the baseline runs in every other round). */
  runs?: number;
  log?: (line: string) => void;
}

/** Timings of one operation over the timed rounds. */
export interface Timing {
  runsMs: number[];
  medianMs: number;
  /** 10^6 bytes of the encoded file per second, at the median. */
  mbPerSec: number;
}

export interface CodecBenchResult {
  fileBytes: number;
  fileRefs: number;
  encode: Timing;
  decode: Timing;
  baseline: Timing;
  /** Throughput ratio to the baseline (baseline median ms / median ms). */
  encodeRatio: number;
  decodeRatio: number;
  /** Peak RSS before the baseline first ran: the fixture, the file and our encode and decode. */
  ownPeakRssBytes: number;
  /** Peak RSS of the whole run (the baseline's decoded tree included). */
  peakRssBytes: number;
}

export const GOAL_DECODE_MB_S = 75;
export const GOAL_ENCODE_MB_S = 150;

function timing(runsMs: number[], bytes: number): Timing {
  const medianMs = median(runsMs);
  return { runsMs, medianMs, mbPerSec: bytes / 1e6 / (medianMs / 1000) };
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

/** The file decodes to as many refs and re-encodes to the same bytes (kept out of the caller's frame, so the decoded model can be collected). */
function sanityCheck(file: Uint8Array, fileRefs: number): void {
  const check = decodeSnapshot(file);
  if (countFileRefs(check) !== fileRefs) throw new Error("decoded file ref count differs");
  if (Buffer.compare(encodeSnapshot(check), file) !== 0) throw new Error("re-encoding the decoded snapshot changed the bytes");
}

/** Runs the codec benchmark and prints a summary block; returns the figures. */
export async function runCodecBench(options: CodecBenchOptions = {}): Promise<CodecBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const warmup = options.warmup ?? 2;
  const runs = options.runs ?? 5;
  const shape = { ...DEFAULT_SHAPE, ...options.shape };
  if (!(globalThis as { gc?: unknown }).gc) log("note: run node with --expose-gc for GC between phases");

  let t0 = performance.now();
  const snapshot = buildCheckpoint(shape);
  const fileRefs = countFileRefs(snapshot);
  log(`codec bench: built a checkpoint of ${fileRefs} file refs (${shape.operators} operators × ${shape.subtasks} subtasks) in ${f1(performance.now() - t0)} ms`);

  const file = encodeSnapshot(snapshot);
  const fileBytes = file.length;
  const body = file.subarray(HEADER_SIZE, file.length - TRAILER_SIZE);
  sanityCheck(file, fileRefs);
  log(`codec bench: file is ${f1(fileBytes / 1e6)} MB (${f1(fileBytes / fileRefs)} bytes per file ref)`);

  t0 = performance.now();
  const Snapshot = protobuf.loadSync(packageFile("schemas/ksnap/v1/snapshot.proto")).lookupType("ksnap.v1.Snapshot");
  log(`codec bench: loaded the protobufjs schema in ${f1(performance.now() - t0)} ms`);

  // Warm-up: ours `warmup` times (then the peak RSS is ours alone), the baseline once (it is slow).
  for (let i = 0; i < warmup; i++) {
    const d = time(() => decodeSnapshot(file));
    const e = time(() => encodeSnapshot(snapshot));
    log(`  warm-up ${i + 1}: decode ${f1(d)} ms, encode ${f1(e)} ms`);
  }
  const ownPeakRssBytes = process.resourceUsage().maxRSS * 1024;
  const b0 = time(() => Snapshot.decode(body));
  log(`  warm-up: baseline ${f1(b0)} ms`);
  // Timed rounds: ours every round, the baseline (7+ s a run) every other round, first round included.
  const enc: number[] = [], dec: number[] = [], base: number[] = [];
  for (let i = 0; i < runs; i++) {
    const b = i % 2 === 0 ? time(() => Snapshot.decode(body)) : undefined;
    const d = time(() => decodeSnapshot(file));
    const e = time(() => encodeSnapshot(snapshot));
    log(`  run ${i + 1}: ${b === undefined ? "" : `baseline ${f1(b)} ms, `}decode ${f1(d)} ms, encode ${f1(e)} ms`);
    if (b !== undefined) base.push(b);
    dec.push(d); enc.push(e);
  }
  gc();

  const result: CodecBenchResult = {
    fileBytes, fileRefs,
    encode: timing(enc, fileBytes), decode: timing(dec, fileBytes), baseline: timing(base, fileBytes),
    encodeRatio: 0, decodeRatio: 0,
    ownPeakRssBytes, peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  result.encodeRatio = result.baseline.medianMs / result.encode.medianMs;
  result.decodeRatio = result.baseline.medianMs / result.decode.medianMs;

  const goal = (mbs: number, want: number): string => (mbs >= want ? `goal ≥ ${want} MB/s met` : `goal ≥ ${want} MB/s NOT met`);
  log("");
  log(`codec: ${fileRefs} file refs, ${f1(fileBytes / 1e6)} MB file, median of ${runs} runs (baseline ${base.length}) after warm-up`);
  log(`encode: ${f1(result.encode.medianMs)} ms, ${f1(result.encode.mbPerSec)} MB/s (${f2(result.encodeRatio)}× protobufjs decode; ${goal(result.encode.mbPerSec, GOAL_ENCODE_MB_S)})`);
  log(`decode: ${f1(result.decode.medianMs)} ms, ${f1(result.decode.mbPerSec)} MB/s (${f2(result.decodeRatio)}× protobufjs decode; ${goal(result.decode.mbPerSec, GOAL_DECODE_MB_S)})`);
  log(`baseline protobufjs decode: ${f1(result.baseline.medianMs)} ms, ${f1(result.baseline.mbPerSec)} MB/s`);
  const mib = (b: number): string => `${f1(b / (1024 * 1024))} MiB`;
  log(`peak RSS: ${mib(result.peakRssBytes)} (${mib(result.ownPeakRssBytes)} before the baseline first ran)`);
  return result;
}
