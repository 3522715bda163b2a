/**
 * The reference LZ4 implementation as a test oracle, through Debian's `lz4`
 * command-line tool (lz4 1.9.4, the C library by LZ4's author): no compiler or
 * native npm module needed. The tool speaks the LZ4 frame format, so a bare
 * block is wrapped in a frame of its own to be decoded (the frame decoder runs
 * LZ4_decompress_safe on it, and checks the decoded length against the frame's
 * content size), and blocks compressed by the tool are taken out of its frames.
 * Frame format: https://github.com/lz4/lz4/blob/v1.9.4/doc/lz4_Frame_format.md
 */
import { spawnSync } from "node:child_process";
import xxhash from "xxhash-wasm";

const { h32Raw } = await xxhash();

/** What to install when the oracle is missing; the tests fail with it rather than skip. */
export const LZ4_INSTALL_HINT = "install Debian's lz4 command-line tool (apt-get install lz4; .ci/run does)";

/** The `lz4` tool is not installed or did not run: the interop tests cannot judge anything. */
export class Lz4OracleMissing extends Error {
  constructor(detail: string) {
    super(`the LZ4 oracle is missing (${detail}): ${LZ4_INSTALL_HINT}`);
    this.name = "Lz4OracleMissing";
  }
}

/** The reference tool refused its input: a block it cannot decode, say. */
export class Lz4OracleRefused extends Error {
  constructor(readonly args: string[], readonly stderr: string) {
    super(`lz4 ${args.join(" ")} failed: ${stderr.trim()}`);
    this.name = "Lz4OracleRefused";
  }
}

/** The tool's version line, e.g. `*** LZ4 command line interface 64-bits v1.9.4, by Yann Collet ***`. */
export function lz4Version(): string {
  const r = spawnSync("lz4", ["--version"], { encoding: "utf8" });
  if (r.error !== undefined) throw new Lz4OracleMissing(r.error.message);
  if (r.status !== 0) throw new Lz4OracleMissing(`lz4 --version exited with status ${r.status}`);
  return r.stdout.trim();
}

/** A bare LZ4 block and the length it decodes to. */
export interface Lz4Block {
  payload: Uint8Array;
  uncompressedLength: number;
}

/** Largest block the frames below declare (BD 7, 4 MiB): the frame decoder refuses a block that decodes to more. */
const MAX_BLOCK_BYTES = 4 << 20;

/**
 * Decodes each bare block with the reference decoder, in one run of `lz4 -d`
 * over one frame per block. Throws {@link Lz4OracleRefused} when the tool
 * rejects any of them (a malformed block, or one that does not decode to its
 * length), naming the first such block.
 */
export function referenceDecode(blocks: readonly Lz4Block[]): Uint8Array[] {
  const frames = blocks.map(frameOf);
  let out: Buffer;
  try {
    out = runLz4(["-d", "-c"], Buffer.concat(frames));
  } catch (e) {
    if (!(e instanceof Lz4OracleRefused)) throw e;
    // Decode one by one to say which block the tool refused.
    const bad = blocks.findIndex((_, i) => !succeeds(() => runLz4(["-d", "-c"], frames[i]!)));
    throw new Lz4OracleRefused(e.args, `${e.stderr.trim()} (first refused: block ${bad} of ${blocks.length})`);
  }
  const total = blocks.reduce((n, b) => n + b.uncompressedLength, 0);
  if (out.length !== total) throw new Lz4OracleRefused(["-d", "-c"], `decoded ${out.length} bytes, expected ${total}`);
  const decoded: Uint8Array[] = [];
  let at = 0;
  for (const b of blocks) {
    decoded.push(out.subarray(at, at + b.uncompressedLength));
    at += b.uncompressedLength;
  }
  return decoded;
}

/**
 * Compresses `content` with the reference encoder at `level` (1 is
 * LZ4_compress_fast, 3–12 are LZ4_compress_HC) and returns its one block, or
 * undefined when the tool stored the block uncompressed (it did not shrink).
 */
export function referenceCompress(content: Uint8Array, level: number): Uint8Array | undefined {
  if (content.length > MAX_BLOCK_BYTES) throw new RangeError(`${content.length} bytes: more than one 4 MiB block`);
  const frame = runLz4([`-${level}`, "-c", "-B7", "-BI", "--no-frame-crc"], content);
  const blocks = blocksOf(frame);
  if (blocks.length !== 1) throw new Lz4OracleRefused([`-${level}`], `expected one block, the frame has ${blocks.length}`);
  const [block] = blocks;
  return block!.raw ? undefined : block!.data;
}

/** One frame holding `block`: independent blocks, content size set, no checksums. */
function frameOf(block: Lz4Block): Buffer {
  if (block.uncompressedLength > MAX_BLOCK_BYTES) throw new RangeError(`a block of ${block.uncompressedLength} bytes: more than 4 MiB`);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0b0110_1000; // version 01, block independence, content size present
  descriptor[1] = 7 << 4; // block maximum size 4 MiB
  descriptor.writeBigUInt64LE(BigInt(block.uncompressedLength), 2);
  const header = Buffer.alloc(4 + descriptor.length + 1);
  header.writeUInt32LE(0x184d2204, 0);
  descriptor.copy(header, 4);
  header[header.length - 1] = (h32Raw(descriptor, 0) >>> 8) & 0xff;
  const size = Buffer.alloc(4);
  size.writeUInt32LE(block.payload.length, 0); // high bit clear: a compressed block
  return Buffer.concat([header, size, block.payload, Buffer.alloc(4)]); // ends with the end mark, a zero size
}

/** The data blocks of one LZ4 frame, as the tool wrote it. */
function blocksOf(frame: Buffer): { raw: boolean; data: Uint8Array }[] {
  if (frame.readUInt32LE(0) !== 0x184d2204) throw new Lz4OracleRefused([], "the tool's output is not an LZ4 frame");
  const flg = frame[4]!;
  let at = 7 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0); // magic, FLG, BD, [content size], [dictionary id], HC
  const blocks: { raw: boolean; data: Uint8Array }[] = [];
  for (;;) {
    const word = frame.readUInt32LE(at);
    at += 4;
    if (word === 0) return blocks;
    const length = word & 0x7fff_ffff;
    blocks.push({ raw: word >>> 31 === 1, data: new Uint8Array(frame.subarray(at, at + length)) });
    at += length + (flg & 0x10 ? 4 : 0); // [block checksum]
  }
}

function runLz4(args: string[], input: Uint8Array): Buffer {
  const r = spawnSync("lz4", ["-q", ...args], { input, maxBuffer: 1 << 30 });
  if (r.error !== undefined) {
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT") throw new Lz4OracleMissing(r.error.message);
    throw r.error;
  }
  if (r.status !== 0) throw new Lz4OracleRefused(args, r.stderr.toString("utf8"));
  return r.stdout;
}

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
