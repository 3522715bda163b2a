/**
 * Storage validation with many files: the local storage hashes them in worker threads (`hashWholeFiles`,
 * src/storage/local-hash-pool.ts) while the caller goes on. The findings must be those of the one-file-at-a-time
 * check, for every safety property the workers re-implement: a link as the last segment (inside and outside the
 * root), a link as a middle folder, a folder swapped for a link after the snapshot was read, a FIFO, a folder
 * where a file is expected, a missing file, a wrong size or content, two names of one file, no recorded hash.
 */
import t, { type Test } from "tap";
import { spawnSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xxh64 } from "../src/hash/xxh64.js";
import { LOCAL_STORAGE } from "../src/storage/local-storage.js";
import { readSnapshot } from "../src/storage/snapshot-root.js";
import type { Storage } from "../src/storage/storage.js";
import { BACKGROUND_MAX_FILE_BYTES, BACKGROUND_MIN_FILES, validateStorage } from "../src/validate/validate-storage.js";
import { validatePath } from "../src/validate/validate-path.js";
import { type HashedFile, writeHashRoot } from "./bench/hash-root-fixture.js";
import { oneAtATime } from "./fixtures/one-at-a-time-storage.js";

/** The local storage, counting the files it was asked to hash in the background. */
function counting(): { store: Storage; asked: () => number } {
  let asked = 0;
  const store = Object.create(LOCAL_STORAGE) as Storage;
  store.hashWholeFiles = (root, requests, onBytes) => {
    asked += requests.length;
    return LOCAL_STORAGE.hashWholeFiles!(root, requests, onBytes);
  };
  return { store, asked: () => asked };
}

const N = BACKGROUND_MIN_FILES + 16;

/** A root whose one checkpoint refers to N files under shared/, each right; a folder outside the root. */
function root(t: Test): { root: string; outside: string; files: HashedFile[]; bytes: Map<string, Uint8Array> } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "ksnap-workers-")));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, "root");
  const outside = join(base, "outside");
  mkdirSync(join(root, "shared"), { recursive: true });
  mkdirSync(outside);
  const bytes = new Map<string, Uint8Array>();
  const files = Array.from({ length: N }, (_, i) => {
    const path = `shared/f${String(i).padStart(3, "0")}`;
    // Sizes around the stripe and chunk edges, some over one 1 MiB chunk.
    const data = randomFillSync(new Uint8Array(i % 10 === 9 ? (1 << 20) + 17 * i : 31 * i));
    writeFileSync(join(root, path), data);
    bytes.set(path, data);
    return { path, size: BigInt(data.length), xxh64: xxh64(data) };
  });
  return { root, outside, files, bytes };
}

const summary = (fs: { rule: string; location: { path?: string } }[]): string[] => fs.map((f) => `${f.rule} ${f.location.path}`);

t.test("many right files: hashed in the background, no finding, every byte counted once", async (t) => {
  const { root: r, files } = root(t);
  const located = await readSnapshot(writeHashRoot(r, files));
  const { store, asked } = counting();
  let bytesRead = 0;
  const result = await validateStorage(located, { store, onProgress: (p) => (bytesRead = p.bytesRead) });
  t.strictSame(result.findings, []);
  t.equal(result.filesChecked, N + 1);
  const large = files.filter((f) => f.size > BigInt(BACKGROUND_MAX_FILE_BYTES)).length;
  t.ok(large > 0, "some files are over 1 MiB");
  t.equal(asked(), N + 1 - large, "every small file went to the workers; the large ones were hashed on this thread");
  const total = files.reduce((n, f) => n + Number(f.size), 0) + readFileSync(join(r, "chk-1", "op-a", "0", "MANIFEST")).length;
  t.equal(bytesRead, total);
});

t.test("every safety property: the same findings as one file at a time, nothing read through a link", async (t) => {
  const { root: r, outside, files, bytes } = root(t);
  const at = (i: number): string => join(r, files[i]!.path);
  // 0: the last segment a link to a file outside with the same content; 1: a link to a file inside.
  writeFileSync(join(outside, "f000"), bytes.get(files[0]!.path)!);
  rmSync(at(0));
  symlinkSync(join(outside, "f000"), at(0));
  rmSync(at(1));
  symlinkSync("f002", at(1));
  files[1]!.size = files[2]!.size;
  files[1]!.xxh64 = files[2]!.xxh64;
  // 3: a FIFO; 4: a folder; 5: missing; 6: another size; 7: the same size, one byte changed.
  rmSync(at(3));
  t.equal(spawnSync("mkfifo", [at(3)]).status, 0, "mkfifo");
  rmSync(at(4));
  mkdirSync(at(4));
  rmSync(at(5));
  writeFileSync(at(6), "short");
  const seven = Uint8Array.from(bytes.get(files[7]!.path)!);
  seven[3] = seven[3]! ^ 1;
  writeFileSync(at(7), seven);
  // 8: a second name (hard link) of 10; 11: no recorded hash; 12: through a folder that is a link inside the root.
  rmSync(at(8));
  linkSync(at(10), at(8));
  files[8]!.size = files[10]!.size;
  files[8]!.xxh64 = files[10]!.xxh64;
  files[11]!.xxh64 = 0n;
  symlinkSync("shared", join(r, "alias"));
  files[12]!.path = "alias/f012";
  const located = await readSnapshot(writeHashRoot(r, files));
  // 13 to 15: after the snapshot was read, a folder of their path becomes a link to a copy outside the root.
  mkdirSync(join(r, "moved"));
  for (const i of [13, 14, 15]) files[i]!.path = `moved/f${i}`;
  for (const i of [13, 14, 15]) writeFileSync(join(r, files[i]!.path), bytes.get(`shared/f0${i}`)!);
  const late = await readSnapshot(writeHashRoot(r, files));
  renameSync(join(r, "moved"), join(outside, "moved"));
  symlinkSync(join(outside, "moved"), join(r, "moved"));

  const { store, asked } = counting();
  let bytesRead = 0;
  const background = await validateStorage(late, { store, onProgress: (p) => (bytesRead = p.bytesRead) });
  t.ok(asked() > 0, "the workers were used");
  const alone = await validateStorage(late, { store: oneAtATime() });
  t.strictSame(background, alone, "the same result as one file at a time");
  // f002 is also what the link f001 leads to, and f010 is f008 under another name: KS-E093 for each second name.
  t.strictSame(summary(background.findings), [
    "KS-E091 shared/f000", "KS-E094 shared/f001", "KS-E093 shared/f002", "KS-E101 shared/f003", "KS-E101 shared/f004", "KS-E100 shared/f005",
    "KS-E102 shared/f006", "KS-E103 shared/f007", "KS-E093 shared/f010", "KS-W105 shared/f011", "KS-E094 alias/f012",
    "KS-E091 moved/f13", "KS-E091 moved/f14", "KS-E091 moved/f15",
  ]);
  const notRead = new Set([0, 1, 3, 4, 5, 6, 11, 12, 13, 14, 15]);
  const read = files.reduce((n, f, i) => n + (notRead.has(i) ? 0 : Number(f.size)), 0) + readFileSync(join(r, "chk-1", "op-a", "0", "MANIFEST")).length;
  t.equal(bytesRead, read, "no byte behind a link, a FIFO, a folder or a file of another size was read");
  t.ok(located, "the first snapshot was read before the swap");
});

t.test("validatePath: the storage check runs beside the structural checks, findings in their usual order", async (t) => {
  const { root: r, files } = root(t);
  files[20]!.xxh64 ^= 1n;
  writeHashRoot(r, files);
  const result = await validatePath(r);
  const alone = await validatePath(r, { store: oneAtATime() });
  t.strictSame(result, alone);
  t.strictSame(result.findings.map((f) => f.rule), ["KS-E103"]);
});
