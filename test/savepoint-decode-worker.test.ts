/**
 * Decoding in a worker thread (`decodeWorker` of the reader): the same entries
 * and the same errors, in the same order, as decoding in the reader's thread,
 * on every savepoint vector and on damaged multi-block files; a reader that
 * stops early ends its worker.
 */
import t from "tap";
import fc from "fast-check";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAVEPOINT_VECTORS_DIR, THREE_STATES, threeKindsInput, writeInMemory } from "../conformance/generate-savepoint-vectors.js";
import { KsnapError } from "../src/errors.js";
import type { KeyGroupRange } from "../src/model.js";
import { packageFile } from "../src/storage/package-files.js";
import { DECODE_AHEAD } from "../src/savepoint/decode-pool.js";
import { entryToJsonLine, listFrames, readKeyGroups, savepointHandleFromJson, SavepointDataError, type HandleLocation } from "../src/savepoint/index.js";

const VECTORS = packageFile(`conformance/vectors/${SAVEPOINT_VECTORS_DIR}`);
const dir = mkdtempSync(join(tmpdir(), "ksnap-decode-worker-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Key groups 4..7 of THREE_STATES with many small `counts` entries each (canonical order), and a few of the other kinds. */
function manyEntries(): ReturnType<typeof threeKindsInput> {
  const input = threeKindsInput();
  for (const kg of input) {
    for (let i = 0; i < 300; i++) {
      const key = new Uint8Array(9);
      key[0] = 0xee;
      new DataView(key.buffer).setUint32(5, i);
      kg.entries.push({ state: "counts", key, namespace: new Uint8Array(0), value: new TextEncoder().encode(`value ${i * 7919 % 1000}`) });
    }
  }
  return input;
}

/** What a read gives: each entry as its dump line, then the error (code, message, key group, block, offset), if any. */
async function outcome(path: string, handle: HandleLocation, decodeWorker: boolean, range?: KeyGroupRange): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of readKeyGroups(path, handle, range, {}, { decodeWorker })) out.push(entryToJsonLine(e));
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    const d = e instanceof SavepointDataError ? e : undefined;
    out.push(`error ${e.code} ${e.message} kg=${d?.keyGroup} block=${d?.block} offset=${e.offset}`);
  }
  return out;
}

t.test("every savepoint vector reads the same with and without the decode worker", async (t) => {
  let cases = 0;
  for (const sub of ["valid", "accepted", "invalid"]) {
    for (const name of readdirSync(join(VECTORS, sub)).filter((f) => f.endsWith(".ksvd")).map((f) => f.slice(0, -5))) {
      const path = join(VECTORS, sub, `${name}.ksvd`);
      const handle = savepointHandleFromJson(JSON.parse(readFileSync(join(VECTORS, sub, `${name}.handle.json`), "utf8")));
      const read = sub === "invalid"
        ? (JSON.parse(readFileSync(join(VECTORS, sub, `${name}.error.json`), "utf8")) as { read?: KeyGroupRange }).read : undefined;
      t.strictSame(await outcome(path, handle, true, read), await outcome(path, handle, false, read), `${sub}/${name}`);
      cases++;
    }
  }
  t.ok(cases >= 20, `${cases} vectors`);
});

t.test("damaged multi-block files: the same entries, then the same error", async (t) => {
  // Small blocks: many frames per key group, so that the worker decodes several blocks ahead of the one parsed.
  const written = writeInMemory("w", THREE_STATES, { start: 4, count: 4 }, manyEntries(), 256);
  const path = join(dir, "good.ksvd");
  writeFileSync(path, written.bytes);
  const good = await outcome(path, written.handle, false);
  const blocks = listFrames(written.bytes).filter((f) => f.uncompressedLength > 0).length;
  t.ok(blocks > 2 * DECODE_AHEAD && !good.some((l) => l.startsWith("error")), `${good.length} entries in ${blocks} blocks`);
  t.strictSame(await outcome(path, written.handle, true), good, "undamaged");
  t.strictSame(await outcome(path, written.handle, true, { start: 5, count: 2 }), await outcome(path, written.handle, false, { start: 5, count: 2 }),
    "a range of key groups");
  let n = 0;
  await fc.assert(fc.asyncProperty(fc.nat({ max: written.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
    const bad = Uint8Array.from(written.bytes);
    bad[at]! ^= xor;
    const p = join(dir, `bad${n++}.ksvd`);
    writeFileSync(p, bad);
    const [inThread, inWorker] = [await outcome(p, written.handle, false), await outcome(p, written.handle, true)];
    if (JSON.stringify(inThread) !== JSON.stringify(inWorker)) {
      throw new Error(`byte ${at} ^ ${xor}: ${inThread.at(-1)} vs ${inWorker.at(-1)}`);
    }
  }), { numRuns: 20, seed: 5 });
});

t.test("a reader that stops early ends its worker: the process does not wait for it", async (t) => {
  const written = writeInMemory("s", THREE_STATES, { start: 4, count: 4 }, threeKindsInput(), 256);
  const path = join(dir, "stop.ksvd");
  writeFileSync(path, written.bytes);
  let seen = 0;
  for await (const _ of readKeyGroups(path, written.handle, undefined, {}, { decodeWorker: true })) {
    if (++seen === 3) break;
  }
  t.equal(seen, 3);
  // Reading again after the break works (a fresh worker); tap's own time-out catches a worker left keeping the process.
  t.strictSame(await outcome(path, written.handle, true), await outcome(path, written.handle, false));
});
