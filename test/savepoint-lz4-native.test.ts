/**
 * The two LZ4 implementations (src/savepoint/lz4-block.ts): lz4-napi, native and
 * optional, and lz4-wasm-nodejs, the fallback. Whichever writes and whichever
 * reads, the content is the same: every block of the savepoint vectors and of
 * random data decodes to the same bytes with both, blocks of either compressor
 * decode with the other, both refuse the same broken blocks, and the vector
 * generator keeps the pinned compressor when another is chosen. `KSNAP_LZ4`
 * is parsed and a bad value is refused. On linux-x64 (glibc) `npm ci` installs
 * the native binding's prebuilt package, so there it must load: the tests fail
 * rather than skip.
 */
import t, { type Test } from "tap";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  generateSavepointVectors, pseudoRandomBytes, SAVEPOINT_VECTORS_DIR, THREE_STATES, threeKindsInput, writeInMemory,
} from "../conformance/generate-savepoint-vectors.js";
import { packageFile } from "../src/storage/package-files.js";
import { CompressionWorkers, dumpSavepointData, listFrames, MemorySink, SavepointDataWriter } from "../src/savepoint/index.js";
import {
  compressBlock, decompressBlock, Lz4DecodeError, lz4Implementations, nativeLz4Available, useLz4, type Lz4Implementation,
} from "../src/savepoint/lz4-block.js";
import { nativeLz4Problem } from "../src/savepoint/lz4-native.js";
import { listFiles } from "./helpers.js";

const IMPLEMENTATIONS: Lz4Implementation[] = ["wasm", "native"];
const VECTORS = packageFile(`conformance/vectors/${SAVEPOINT_VECTORS_DIR}`);
const dir = mkdtempSync(join(tmpdir(), "ksnap-lz4-native-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
/** Each test that changes the implementations puts them back. */
const restoring = (t: Test) => {
  const saved = lz4Implementations();
  t.teardown(() => void useLz4(saved));
};

t.test("the native binding loads where its prebuilt package exists (linux-x64 glibc)", async (t) => {
  const glibc = process.platform === "linux" && process.arch === "x64"
    && (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime !== undefined;
  if (!glibc) {
    t.pass(`not linux-x64 glibc: native ${nativeLz4Available() ? "loads" : `absent (${nativeLz4Problem()})`}`);
    return;
  }
  t.ok(nativeLz4Available(), `lz4-napi loads (${nativeLz4Problem() ?? "ok"}); npm ci installs it as an optionalDependency`);
});

t.test("KSNAP_LZ4: auto decodes natively and compresses with WebAssembly; wasm forces the fallback; a bad value is refused", async (t) => {
  const probe = (value: string | undefined) => {
    const env = { ...process.env };
    if (value === undefined) delete env.KSNAP_LZ4; else env.KSNAP_LZ4 = value;
    const module = fileURLToPath(new URL("../src/savepoint/lz4-block.js", import.meta.url));
    const r = spawnSync(process.execPath, ["--input-type=module", "-e",
      `import { lz4Implementations } from ${JSON.stringify(module)};
       try { console.log(JSON.stringify(lz4Implementations())); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`],
    { env, encoding: "utf8" });
    return JSON.parse(r.stdout.trim()) as Record<string, string>;
  };
  const nativeDecoder = nativeLz4Available() ? "native" : "wasm";
  t.strictSame(probe(undefined), { compress: "wasm", decompress: nativeDecoder }, "unset: auto");
  t.strictSame(probe("auto"), { compress: "wasm", decompress: nativeDecoder }, "auto");
  t.strictSame(probe("wasm"), { compress: "wasm", decompress: "wasm" }, "wasm: the fallback for both");
  if (nativeLz4Available()) t.strictSame(probe("native"), { compress: "native", decompress: "native" }, "native: lz4-napi for both");
  const bad = probe("fast");
  t.equal(bad.code, "INVALID_FIELD");
  t.match(bad.message, /KSNAP_LZ4=fast is not one of auto, wasm, native/);
});

t.test("useLz4 sets each direction and returns the previous setting", async (t) => {
  restoring(t);
  const before = useLz4("wasm");
  t.strictSame(lz4Implementations(), { compress: "wasm", decompress: "wasm" });
  useLz4({ decompress: "native" });
  t.strictSame(lz4Implementations(), { compress: "wasm", decompress: "native" });
  t.strictSame(useLz4(before), { compress: "wasm", decompress: "native" });
  t.strictSame(lz4Implementations(), before);
});

t.test("every block of the savepoint vectors decodes to the same bytes with both decoders", async (t) => {
  let blocks = 0;
  for (const sub of ["valid", "accepted", "invalid"]) {
    for (const name of readdirSync(join(VECTORS, sub)).filter((f) => f.endsWith(".ksvd"))) {
      const file = new Uint8Array(readFileSync(join(VECTORS, sub, name)));
      let frames;
      try {
        frames = listFrames(file);
      } catch {
        continue; // an invalid vector whose frames do not list: its blocks are read below through the reader
      }
      for (const f of frames) {
        if (f.raw || f.uncompressedLength === 0) continue;
        const payload = file.subarray(f.payloadOffset, f.payloadOffset + f.storedLength);
        const wasm = outcome(() => decompressBlock(payload, f.uncompressedLength, "wasm"));
        const native = outcome(() => decompressBlock(payload, f.uncompressedLength, "native"));
        if (wasm !== native) t.fail(`${sub}/${name} key group ${f.keyGroup} block ${f.block}: wasm ${wasm.slice(0, 60)}, native ${native.slice(0, 60)}`);
        blocks++;
      }
    }
  }
  t.ok(blocks >= 10, `${blocks} blocks compared`);
});

t.test("the valid and accepted vectors dump to their .jsonl whichever decoder reads", async (t) => {
  restoring(t);
  for (const decompress of IMPLEMENTATIONS) {
    useLz4({ decompress });
    for (const sub of ["valid", "accepted"]) {
      for (const name of readdirSync(join(VECTORS, sub)).filter((f) => f.endsWith(".ksvd")).map((f) => f.slice(0, -5))) {
        let dump = "";
        for await (const line of dumpSavepointData(join(VECTORS, sub, `${name}.ksvd`))) dump += line;
        t.equal(dump, readFileSync(join(VECTORS, sub, `${name}.jsonl`), "utf8"), `${decompress}: ${sub}/${name}`);
      }
    }
  }
});

t.test("random data: a block of either compressor decodes with either decoder to the input", async (t) => {
  const samples = [
    fc.uint8Array({ minLength: 1, maxLength: 70_000 }),
    // Compressible: a few repeated words, so that blocks hold matches of every length and offset.
    fc.array(fc.constantFrom("key", "value", "namespace", "\u0000\u0001", "abcabcabc", "x".repeat(300)), { minLength: 1, maxLength: 3000 })
      .map((words) => new Uint8Array(Buffer.from(words.join("")))),
  ];
  for (const sample of samples) {
    fc.assert(fc.property(sample, (input) => {
      for (const compressor of IMPLEMENTATIONS) {
        const block = compressBlock(input, compressor);
        for (const decoder of IMPLEMENTATIONS) {
          const out = decompressBlock(block, input.length, decoder);
          if (!Buffer.from(out).equals(input)) throw new Error(`${compressor} → ${decoder}: differs`);
        }
      }
    }), { numRuns: 60, seed: 17 });
  }
  const big = pseudoRandomBytes(1 << 20, 3);
  for (const c of IMPLEMENTATIONS) {
    for (const d of IMPLEMENTATIONS) t.ok(Buffer.from(decompressBlock(compressBlock(big, c), big.length, d)).equals(big), `${c} → ${d}, 1 MiB`);
  }
});

t.test("both decoders refuse the same broken blocks with Lz4DecodeError", async (t) => {
  const content = new Uint8Array(Buffer.from("abcabcabcabcabcabcabcabcabc".repeat(10)));
  const block = compressBlock(content, "wasm");
  const cases: [string, Uint8Array, number][] = [
    ["a wrong length (longer)", block, content.length + 1],
    ["a wrong length (shorter)", block, content.length - 1],
    ["a cut block", block.subarray(0, block.length - 2), content.length],
    ["garbage", Uint8Array.of(0xf0), 100],
    ["an offset before the start", Uint8Array.of(0x14, 0x61, 0xff, 0x7f, 0x00), 30],
    ["empty", new Uint8Array(0), 10],
  ];
  for (const [what, bytes, length] of cases) {
    for (const d of IMPLEMENTATIONS) t.throws(() => decompressBlock(bytes, length, d), Lz4DecodeError, `${d}: ${what}`);
  }
});

t.test("a file written with the native compressor reads the same through the WebAssembly decoder, and the reverse", async (t) => {
  restoring(t);
  const written = (compress: Lz4Implementation, workers = 0) => {
    useLz4({ compress });
    if (workers === 0) return writeInMemory("x", THREE_STATES, { start: 4, count: 4 }, threeKindsInput(), 4096).bytes;
    const pool = CompressionWorkers.start({ workers });
    try {
      const sink = new MemorySink();
      const w = SavepointDataWriter.open(sink, { fileId: "x", filePath: "x.ksvd", states: THREE_STATES, keyGroups: { start: 4, count: 4 },
        blockBytes: 4096, compressionWorkers: pool });
      for (const kg of threeKindsInput()) {
        w.beginKeyGroup(kg.keyGroup);
        for (const e of kg.entries) w.add(e);
        w.endKeyGroup();
      }
      w.finish();
      return sink.bytes!;
    } finally {
      pool.close();
    }
  };
  const dumpOf = async (bytes: Uint8Array, decompress: Lz4Implementation, name: string) => {
    useLz4({ decompress });
    const path = join(dir, name);
    writeFileSync(path, bytes);
    let out = "";
    for await (const line of dumpSavepointData(path)) out += line;
    return out;
  };
  const byWasm = written("wasm");
  const byNative = written("native");
  t.ok(listFrames(byNative).some((f) => !f.raw && f.uncompressedLength > 0), "the native file has LZ4 blocks");
  t.equal(written("native", 2).length > 0, true, "the native compressor in workers");
  t.ok(Buffer.from(written("native", 2)).equals(byNative), "workers compress with the pool's compressor: the same bytes as in-thread");
  const expected = await dumpOf(byWasm, "wasm", "w-w.ksvd");
  t.ok(expected.length > 1000, "a dump");
  t.equal(await dumpOf(byWasm, "native", "w-n.ksvd"), expected, "wasm-written, native-read");
  t.equal(await dumpOf(byNative, "wasm", "n-w.ksvd"), expected, "native-written, wasm-read");
  t.equal(await dumpOf(byNative, "native", "n-n.ksvd"), expected, "native-written, native-read");
});

t.test("the vector generator pins lz4-wasm-nodejs: byte-identical when the native compressor is chosen", async (t) => {
  restoring(t);
  useLz4("native");
  const out = join(dir, "vectors");
  await generateSavepointVectors(out);
  t.strictSame(lz4Implementations(), { compress: "native", decompress: "native" }, "the choice is restored afterwards");
  const files = listFiles(out);
  t.strictSame(listFiles(VECTORS), files, "the same files");
  for (const f of files) t.ok(readFileSync(join(out, f)).equals(readFileSync(join(VECTORS, f))), `${f} is byte-identical`);
});

/** What decoding gave: the bytes in hex, or the error class (both implementations word their messages differently). */
function outcome(decode: () => Uint8Array): string {
  try {
    return Buffer.from(decode()).toString("hex");
  } catch (e) {
    return e instanceof Lz4DecodeError ? "Lz4DecodeError" : `other error: ${String(e)}`;
  }
}
