/**
 * Finds files shipped with the package (schemas, vectors) whether the code runs
 * from src/ (tests) or from dist/src/ (the built CLI).
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
