/**
 * Files shipped with the ksnap package itself (schemas, vectors, scenarios, the
 * compression worker), found whether the code runs from src/ (tests) or from
 * dist/src/ (the built CLI) ([spec](../../spec/ownership.md#the-storage-seam)).
 *
 * These reads are synchronous and bypass the {@link Storage} seam on purpose:
 * they are ksnap's own files, not user data, and never on object storage; and
 * the JSON Schemas are compiled synchronously (Ajv) the first time a check
 * needs them, from code paths that are synchronous by design.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** The folder holding ksnap's package.json. */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, "utf8")).name === "ksnap") return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error("ksnap's package.json not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Absolute path of a file shipped with the package, from a '/'-separated path relative to its root. */
export function packageFile(relative: string): string {
  return join(packageRoot(), ...relative.split("/"));
}

/** A JSON file shipped with the package, parsed (the schemas). */
export function readPackageJson(relative: string): unknown {
  return JSON.parse(readFileSync(packageFile(relative), "utf8"));
}

/** True when the module file at `url` (one of ksnap's own, such as the compression worker) exists. */
export function moduleFileExists(url: URL): boolean {
  return existsSync(fileURLToPath(url));
}
