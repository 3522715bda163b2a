/**
 * The decode and encode levels' tests, one per golden vector
 * ([spec](../../spec/conformance.md#test-catalogue)): every metadata vector of
 * every version folder under conformance/vectors, and every savepoint data
 * vector. A new vector is a new test, with no code change.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { jsonDifference } from "./json-difference.js";
import type { Response } from "./adapter-process.js";
import { entriesDifference } from "./compare-entries.js";
import type { DumpEntry } from "./state-model.js";
import type { Unit, UnitRun } from "./unit.js";

/** The metadata format's version folders (`v1.0`, …) under `vectors`. */
export function metadataVersions(vectors: string): string[] {
  return readdirSync(vectors).filter((d) => /^v\d+\.\d+$/.test(d) && statSync(join(vectors, d)).isDirectory()).sort();
}

/** The savepoint data format's folders (`savepoint-data-v1`, …) under `vectors`. */
export function dataVersions(vectors: string): string[] {
  return readdirSync(vectors).filter((d) => /^savepoint-data-v\d+$/.test(d) && statSync(join(vectors, d)).isDirectory()).sort();
}

/** Names (without `ext`) of the files in `dir` ending in `ext`, sorted; [] when `dir` does not exist. */
export function namesIn(dir: string, ext: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort() : [];
}

const CATEGORIES = ["valid", "accepted", "invalid"] as const;

/** Decode units of every metadata vector, then of every savepoint data vector. */
export function decodeUnits(vectors: string): Unit[] {
  const units: Unit[] = [];
  for (const version of metadataVersions(vectors)) {
    for (const category of CATEGORIES) {
      const dir = join(vectors, version, category);
      for (const name of namesIn(dir, ".ksnap")) units.push(decodeUnit(`decode/${version}/${category}/${name}`, join(dir, name)));
    }
  }
  for (const version of dataVersions(vectors)) {
    for (const category of CATEGORIES) {
      const dir = join(vectors, version, category);
      for (const name of namesIn(dir, ".ksvd")) units.push(readDataUnit(`decode/${version}/${category}/${name}`, join(dir, name)));
    }
  }
  return units;
}

/** Encode units: one per valid metadata vector of every version. */
export function encodeUnits(vectors: string): Unit[] {
  return metadataVersions(vectors).flatMap((version) => {
    const dir = join(vectors, version, "valid");
    return namesIn(dir, ".ksnap").map((name) => encodeUnit(`encode/${version}/valid/${name}`, join(dir, name)));
  });
}

function decodeUnit(id: string, base: string): Unit {
  return {
    tests: [{ id, level: "decode", needs: ["decode"] }],
    run: (u) => u.check(id, async () => {
      const r = await u.ctx.adapter.send("decode", { path: `${base}.ksnap` });
      return outcomeProblem(base, r, (result) => jsonDifference(readJson(`${base}.json`), result.json));
    }),
  };
}

function readDataUnit(id: string, base: string): Unit {
  return {
    tests: [{ id, level: "decode", needs: ["read-data"] }],
    run: (u) => u.check(id, async () => {
      const error = existsSync(`${base}.error.json`) ? readJson(`${base}.error.json`) as { read?: unknown } : {};
      const r = await u.ctx.adapter.send("read-data", {
        path: `${base}.ksvd`, handle: readJson(`${base}.handle.json`), ...(error.read === undefined ? {} : { keyGroups: error.read }),
      });
      return outcomeProblem(base, r, (result) =>
        entriesDifference("the entries", readJsonLines(`${base}.jsonl`), result.entries as DumpEntry[]));
    }),
  };
}

/**
 * A decode-style verdict: a vector with an `.error.json` must be refused with
 * its code; any other must be read, and `compare` judges the result.
 */
function outcomeProblem(base: string, r: Response, compare: (result: Record<string, unknown>) => string | undefined): string | undefined {
  if (existsSync(`${base}.error.json`)) {
    const code = (readJson(`${base}.error.json`) as { code: string }).code;
    if (r.ok) return `the adapter read the file; it must be refused with ${code}`;
    return r.error.code === code ? undefined : `refused with ${r.error.code} (${r.error.message}), expected ${code}`;
  }
  if (!r.ok) return `refused with ${r.error.code}: ${r.error.message}`;
  return compare(r.result);
}

function encodeUnit(id: string, base: string): Unit {
  return {
    tests: [{ id, level: "encode", needs: ["encode"] }],
    run: (u) => u.check(id, async () => {
      const dir = join(u.ctx.workDir, "encode");
      mkdirSync(dir, { recursive: true });
      const out = join(dir, `${id.replace(/\//g, "-")}.ksnap`);
      await u.ctx.adapter.call("encode", { json: readJson(`${base}.json`), out });
      if (!existsSync(out)) return `the adapter answered but wrote no file at ${out}`;
      return bytesDifference(new Uint8Array(readFileSync(`${base}.ksnap`)), new Uint8Array(readFileSync(out)));
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

/** A JSON file of the package. */
export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** A JSON-lines file of the package: one value per non-empty line. */
export function readJsonLines(path: string): DumpEntry[] {
  return readFileSync(path, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as DumpEntry);
}
