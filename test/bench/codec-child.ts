/**
 * Child process of the codec bench (test/bench/codec-bench.ts): one codec in its own process, serving timed rounds
 * (test/bench/serve-rounds.ts).
 *
 *     node --expose-gc dist/test/bench/codec-child.js ksnap-decode <file>
 *         decode: decodeSnapshot of the file
 *     node --expose-gc dist/test/bench/codec-child.js ksnap-encode <file> <checkpoint shape as JSON>
 *         encode: encodeSnapshot of the checkpoint the shape builds (checked to encode to the file)
 *
 * Decoding and encoding run in processes of their own: the decoder's garbage collections then trace only what it
 * builds, not the encoder's model, as in a process that reads a file.
 *     node --expose-gc dist/test/bench/codec-child.js protobufjs <body>
 *         decode: protobufjs reflection decoding of the body (every message and value built)
 */
import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { decodeSnapshot, encodeSnapshot } from "../../src/codec.js";
import { packageFile } from "../../src/storage/package-files.js";
import { buildCheckpoint, DEFAULT_SHAPE, type CheckpointShape } from "./checkpoint-fixture.js";
import { serveRounds } from "./serve-rounds.js";

const [codec, path, shapeJson] = process.argv.slice(2);
if (path === undefined || (codec !== "ksnap-decode" && codec !== "ksnap-encode" && codec !== "protobufjs")) {
  throw new Error("usage: codec-child.js ksnap-decode <file> | ksnap-encode <file> <shape JSON> | protobufjs <body>");
}
// A copy in a buffer of its own, as a reader of a file would have it.
const bytes = new Uint8Array(readFileSync(path));

if (codec === "ksnap-decode") {
  await serveRounds({ decode: () => decodeSnapshot(bytes) });
} else if (codec === "ksnap-encode") {
  const shape: CheckpointShape = { ...DEFAULT_SHAPE, ...(JSON.parse(shapeJson ?? "{}") as Partial<CheckpointShape>) };
  const snapshot = buildCheckpoint(shape);
  if (Buffer.compare(encodeSnapshot(snapshot), bytes) !== 0) throw new Error("the child's checkpoint encodes to other bytes than the parent's");
  await serveRounds({ encode: () => encodeSnapshot(snapshot) });
} else {
  const Snapshot = protobuf.loadSync(packageFile("schemas/ksnap/v1/snapshot.proto")).lookupType("ksnap.v1.Snapshot");
  await serveRounds({ decode: () => Snapshot.decode(bytes) });
}
