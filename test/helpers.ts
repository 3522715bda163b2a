/** Shared test helpers: the vector folders and reading them. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { packageFile } from "../src/storage/package-files.js";
import { KsnapError } from "../src/errors.js";

/** conformance/vectors, absolute. */
export const VECTORS = packageFile("conformance/vectors");

/** Every metadata-format version folder under conformance/vectors (v1.0, ...); other folders hold other formats. */
export function versionDirs(): string[] {
  return readdirSync(VECTORS).filter((d) => /^v\d+\.\d+$/.test(d) && statSync(join(VECTORS, d)).isDirectory()).sort();
}

/**
 * Released v1.0 vectors that only a 1.0 reader reads as recorded. `accepted/future-minor-unknown-fields` holds,
 * as "fields a later minor might add", field numbers that 1.1 then defined with other wire types (Snapshot 9 as a
 * varint, FileRef 5, KeyedStateHandle 3, ...): a 1.1 reader rejects it (MALFORMED_BODY), a 1.0 reader
 * (`readerMinor: 0`) still reads it to its JSON. spec/format-v1.md#versioning says so.
 */
export const READ_AS_1_0_ONLY: readonly string[] = ["v1.0/accepted/future-minor-unknown-fields"];

/** The reader minor whose outcome the vector `version/category/name` records: 0 for {@link READ_AS_1_0_ONLY}, else 1. */
export function readerMinorOf(version: string, category: string, name: string): 0 | 1 {
  return READ_AS_1_0_ONLY.includes(`${version}/${category}/${name}`) ? 0 : 1;
}

/** Names (without extension) of the `.ksnap` files in `dir`, sorted; [] when `dir` does not exist. */
export function caseNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".ksnap")).map((f) => f.slice(0, -6)).sort();
  } catch {
    return [];
  }
}

/** Every file under `dir`, as paths relative to it, sorted: for comparing a regenerated tree with the committed one. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

/** Reads a file as bytes. */
export function bytesOf(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Runs `fn` and returns the KsnapError it throws; fails with the actual outcome otherwise. */
export function thrown(fn: () => unknown): KsnapError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KsnapError) return e;
    throw new Error(`expected a KsnapError, got ${String(e)}`, { cause: e });
  }
  throw new Error("expected a KsnapError, but nothing was thrown");
}

/** {@link thrown} for asynchronous work: awaits `fn` and returns the KsnapError it rejects with. */
export async function rejection(fn: () => Promise<unknown>): Promise<KsnapError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof KsnapError) return e;
    throw new Error(`expected a KsnapError, got ${String(e)}`, { cause: e });
  }
  throw new Error("expected a KsnapError, but nothing was thrown");
}

/**
 * What `fn` writes to stdout, captured; stdout is restored before the result
 * or the rejection is returned, because tap prints its own output there.
 */
export async function capturedStdout(fn: () => Promise<unknown>): Promise<string> {
  let out = "";
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}
