/**
 * The decode and encode levels' tests, one per golden vector
 * ([spec](../../spec/conformance.md#test-catalogue)): every metadata vector of
 * every version folder under conformance/vectors, and every savepoint data
 * vector. A new vector is a new test, with no code change.
 */
import { join } from "node:path";
import { covers, folderVersion, unknownFeatureBits, versionText, type FormatVersionText } from "./format-versions.js";
import { jsonDifference } from "./json-difference.js";
import type { Response } from "./adapter-process.js";
import { entriesDifference } from "./compare-entries.js";
import { isFile, namesOf, readBytes, readJson, readJsonLines, RUNNER_STORAGE } from "./runner-files.js";
import type { DumpEntry } from "./state-model.js";
import type { Unit, UnitRun } from "./unit.js";

/** The metadata format's version folders (`v1.0`, …) under `vectors`. */
export function metadataVersions(vectors: string): Promise<string[]> {
  return namesOf(vectors, "folder", /^v\d+\.\d+$/);
}

/** The savepoint data format's folders (`savepoint-data-v1`, …) under `vectors`. */
export function dataVersions(vectors: string): Promise<string[]> {
  return namesOf(vectors, "folder", /^savepoint-data-v\d+$/);
}

/** Names (without `ext`) of the files in `dir` ending in `ext`, sorted; [] when `dir` does not exist. */
export async function namesIn(dir: string, ext: string): Promise<string[]> {
  return (await namesOf(dir, "file", /./)).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length));
}

const CATEGORIES = ["valid", "accepted", "invalid"] as const;

/** Decode units of every metadata vector, then of every savepoint data vector. */
export async function decodeUnits(vectors: string): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const version of await metadataVersions(vectors)) {
    for (const category of CATEGORIES) {
      const dir = join(vectors, version, category);
      for (const name of await namesIn(dir, ".ksnap")) units.push(decodeUnit(`decode/${version}/${category}/${name}`, join(dir, name), versionOf(version)));
    }
  }
  for (const version of await dataVersions(vectors)) {
    for (const category of CATEGORIES) {
      const dir = join(vectors, version, category);
      for (const name of await namesIn(dir, ".ksvd")) units.push(readDataUnit(`decode/${version}/${category}/${name}`, join(dir, name)));
    }
  }
  return units;
}

/** Encode units: one per valid metadata vector of every version. */
export async function encodeUnits(vectors: string): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const version of await metadataVersions(vectors)) {
    const dir = join(vectors, version, "valid");
    for (const name of await namesIn(dir, ".ksnap")) units.push(encodeUnit(`encode/${version}/valid/${name}`, join(dir, name), versionOf(version)));
  }
  return units;
}

function versionOf(folder: string): FormatVersionText {
  const v = folderVersion(folder);
  if (v === undefined) throw new Error(`vector folder ${folder} is not v<major>.<minor> (a runner bug)`);
  return v;
}

/**
 * A vector of a version the adapter reads is judged by its expectation. Of a
 * newer version, the adapter must refuse a file that sets a feature bit its
 * version does not define, with UNKNOWN_REQUIRED_FEATURE, which is what keeps
 * an older reader from acting on state it cannot see; other files of that
 * version are UNSUPPORTED.
 */
function decodeUnit(id: string, base: string, version: FormatVersionText): Unit {
  return {
    tests: [{ id, level: "decode", needs: ["decode"] }],
    run: async (u) => {
      const reads = u.ctx.adapter.formats().read;
      if (covers(reads, version)) {
        return u.check(id, async () => {
          const r = await u.ctx.adapter.send("decode", { path: `${base}.ksnap` });
          return outcomeProblem(base, r, async (result) => jsonDifference(await readJson(`${base}.json`), result.json));
        });
      }
      const unknown = unknownFeatureBits(await readBytes(`${base}.ksnap`), reads);
      if (unknown === 0) return u.skip(id, "UNSUPPORTED", `the adapter reads format ${versionText(reads)}; this is a ${versionText(version)} file`);
      return u.check(id, async () => {
        const r = await u.ctx.adapter.send("decode", { path: `${base}.ksnap` });
        const why = `the file sets required-feature bits 0x${unknown.toString(16)}, which format ${versionText(reads)} does not define`;
        if (r.ok) return `the adapter read the file; ${why}, so it must be refused with UNKNOWN_REQUIRED_FEATURE`;
        return r.error.code === "UNKNOWN_REQUIRED_FEATURE" ? undefined : `refused with ${r.error.code} (${r.error.message}); ${why}: expected UNKNOWN_REQUIRED_FEATURE`;
      });
    },
  };
}

function readDataUnit(id: string, base: string): Unit {
  return {
    tests: [{ id, level: "decode", needs: ["read-data"] }],
    run: (u) => u.check(id, async () => {
      const error = await isFile(`${base}.error.json`) ? await readJson(`${base}.error.json`) as { read?: unknown } : {};
      const r = await u.ctx.adapter.send("read-data", {
        path: `${base}.ksvd`, handle: await readJson(`${base}.handle.json`), ...(error.read === undefined ? {} : { keyGroups: error.read }),
      });
      return outcomeProblem(base, r, async (result) =>
        entriesDifference("the entries", await readJsonLines(`${base}.jsonl`), result.entries as DumpEntry[]));
    }),
  };
}

/**
 * A decode-style verdict: a vector with an `.error.json` must be refused with
 * its code; any other must be read, and `compare` judges the result.
 */
async function outcomeProblem(base: string, r: Response,
  compare: (result: Record<string, unknown>) => string | undefined | Promise<string | undefined>): Promise<string | undefined> {
  if (await isFile(`${base}.error.json`)) {
    const code = (await readJson(`${base}.error.json`) as { code: string }).code;
    if (r.ok) return `the adapter read the file; it must be refused with ${code}`;
    return r.error.code === code ? undefined : `refused with ${r.error.code} (${r.error.message}), expected ${code}`;
  }
  if (!r.ok) return `refused with ${r.error.code}: ${r.error.message}`;
  return compare(r.result);
}

function encodeUnit(id: string, base: string, version: FormatVersionText): Unit {
  return {
    tests: [{ id, level: "encode", needs: ["encode"] }],
    run: (u) => !covers(u.ctx.adapter.formats().write, version)
      ? Promise.resolve(u.skip(id, "UNSUPPORTED", `the adapter writes format ${versionText(u.ctx.adapter.formats().write)}; this is a ${versionText(version)} file`))
      : u.check(id, async () => {
      const dir = join(u.ctx.workDir, "encode");
      await RUNNER_STORAGE.makeFolder(dir);
      const out = join(dir, `${id.replace(/\//g, "-")}.ksnap`);
      await u.ctx.adapter.call("encode", { json: await readJson(`${base}.json`), out });
      if (await RUNNER_STORAGE.info(out) === undefined) return `the adapter answered but wrote no file at ${out}`;
      return bytesDifference(await readBytes(`${base}.ksnap`), await readBytes(out));
    }),
  };
}

/** Undefined when equal; otherwise the first differing byte and the lengths. */
export function bytesDifference(expected: Uint8Array, actual: Uint8Array): string | undefined {
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== actual[i]) {
      return `byte ${i} is 0x${hex2(actual[i]!)}, expected 0x${hex2(expected[i]!)} (${actual.length} bytes written, ${expected.length} expected)`;
    }
  }
  return actual.length === expected.length ? undefined : `${actual.length} bytes written, ${expected.length} expected (equal up to byte ${n})`;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}
