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
