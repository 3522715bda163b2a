/**
 * SequentialReader (src/savepoint/sequential-reader.ts): whatever the reads
 * asked for, it returns the file's bytes; it reads the span in chunks, ahead,
 * and outside the span only what is asked.
 */
import t from "tap";
import fc from "fast-check";
import { SequentialReader } from "../src/savepoint/sequential-reader.js";

/** A file in memory whose reads are logged. */
function fakeFile(size: number) {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);
  const reads: [number, number][] = [];
  const read = async (position: number, length: number) => {
    if (position < 0 || position + length > size) throw new Error(`read ${position}+${length} outside a ${size}-byte file`);
    reads.push([position, length]);
    return bytes.slice(position, position + length);
  };
  return { bytes, reads, read };
}

t.test("property: any mix of reads returns the file's bytes, and the span is read in chunks only", async (t) => {
  const input = fc.record({
    size: fc.integer({ min: 1, max: 3000 }),
    a: fc.double({ min: 0, max: 1, noNaN: true }),
    b: fc.double({ min: 0, max: 1, noNaN: true }),
    chunk: fc.integer({ min: 1, max: 700 }),
    steps: fc.array(fc.record({ skip: fc.integer({ min: -50, max: 400 }), length: fc.integer({ min: 0, max: 900 }) }), { maxLength: 30 }),
  });
  let checked = 0;
  await fc.assert(fc.asyncProperty(input, async ({ size, a, b, chunk, steps }) => {
    const file = fakeFile(size);
    const start = Math.floor(Math.min(a, b) * size);
    const end = Math.floor(Math.max(a, b) * size);
    const reader = new SequentialReader(file.read, start, end, chunk);
    let position = start;
    const asked = new Set<string>();
    for (const step of steps) {
      position = Math.max(0, Math.min(size, position + step.skip));
      const length = Math.min(step.length, size - position);
      asked.add(`${position}+${length}`);
      const got = await reader.read(position, length);
      if (!Buffer.from(got).equals(file.bytes.subarray(position, position + length))) return false;
      checked++;
      position += length;
    }
    // Chunk reads stay inside the span and are at most `chunk` long; any other read is exactly one that was asked for.
    return file.reads.every(([p, l]) => (p >= start && p + l <= end && l <= chunk) || asked.has(`${p}+${l}`));
  }), { numRuns: 300 });
  t.ok(checked > 1000, `${checked} reads compared with the file`);
});

t.test("front-to-back reads of the span make one file read per chunk, one chunk ahead", async (t) => {
  const file = fakeFile(10_000);
  const reader = new SequentialReader(file.read, 1000, 9000, 1024);
  t.strictSame(file.reads, [[1000, 1024]], "the first chunk is read at once");
  for (let p = 1000; p < 9000; p += 100) {
    const got = await reader.read(p, Math.min(100, 9000 - p));
    t.equal(got[0], file.bytes[p], `byte ${p}`);
  }
  t.strictSame(file.reads.map(([p]) => p), [1000, 2024, 3048, 4072, 5096, 6120, 7144, 8168], "8000 bytes in 8 chunk reads");
  t.ok(file.reads.every(([p, l]) => p >= 1000 && p + l <= 9000), "nothing outside the span");
  t.equal(file.reads.at(-1)![1], 9000 - 8168, "the last chunk stops at the span's end");
});

t.test("reads outside the span, or behind, go to the file; a failed chunk read fails the read that needs it", async (t) => {
  const file = fakeFile(5000);
  const reader = new SequentialReader(file.read, 100, 2000, 512);
  t.strictSame([...await reader.read(1990, 20)], [...file.bytes.subarray(1990, 2010)], "a read past the span's end");
  t.strictSame([...await reader.read(50, 10)], [...file.bytes.subarray(50, 60)], "a read before it");
  const failing = new SequentialReader(async (p, l) => {
    if (p > 0) throw new Error(`the file changed at ${p}`);
    return new Uint8Array(l);
  }, 0, 100, 50);
  t.equal((await failing.read(0, 50)).length, 50);
  await t.rejects(failing.read(50, 10), /the file changed at 50/);
});
