/**
 * Records the SHA-256 of every file of the released vector folders in
 * conformance/vectors/RELEASED.json: `npm run vectors:freeze [-- FOLDER...]`.
 * Freezing only adds: a file already listed must still be there with the same
 * bytes, or the freeze fails, so re-freezing cannot bless a changed vector.
 * test/vectors-released.test.ts checks the committed folders against the list.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { packageFile } from "../src/storage/package-files.js";

/** The manifest's file name under conformance/vectors. */
export const RELEASED_MANIFEST = "RELEASED.json";

/** What RELEASED.json holds: per released folder, each frozen file's path (relative, `/`-separated) and SHA-256. */
export interface ReleasedManifest {
  rule: string;
  folders: Record<string, Record<string, string>>;
}

const RULE = "Files listed here are released and never change or disappear; new files may be added to a released " +
  "folder and are frozen by `npm run vectors:freeze`. README.md files are documentation and gain rows, so they are not listed.";

/** Whether a file is frozen: all but the READMEs, which gain a row whenever a case is added. */
function frozen(path: string): boolean {
  return !path.split("/").includes("README.md");
}

/** SHA-256 (lowercase hex) of every frozen file under `dir`, by path relative to `dir`, sorted. */
export function hashFolder(dir: string): Record<string, string> {
  const paths = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join("/"))
    .filter(frozen)
    .sort();
  return Object.fromEntries(paths.map((p) => [p, sha256(join(dir, ...p.split("/")))]));
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The manifest in `vectorsDir`, or an empty one when there is none yet. */
export function readManifest(vectorsDir: string): ReleasedManifest {
  const path = join(vectorsDir, RELEASED_MANIFEST);
  if (!existsSync(path)) return { rule: RULE, folders: {} };
  return JSON.parse(readFileSync(path, "utf8")) as ReleasedManifest;
}

/**
 * How the released folders in `vectorsDir` differ from `manifest`: frozen files
 * changed or missing (problems), and files not listed yet (allowed).
 */
export function compareWithManifest(vectorsDir: string, manifest: ReleasedManifest): { problems: string[]; unfrozen: string[] } {
  const problems: string[] = [];
  const unfrozen: string[] = [];
  for (const [folder, files] of Object.entries(manifest.folders)) {
    const dir = join(vectorsDir, folder);
    const now = existsSync(dir) ? hashFolder(dir) : {};
    for (const [path, hash] of Object.entries(files)) {
      if (now[path] === undefined) problems.push(`${folder}/${path} is released but missing`);
      else if (now[path] !== hash) problems.push(`${folder}/${path} is released but its bytes changed`);
    }
    for (const path of Object.keys(now)) if (files[path] === undefined) unfrozen.push(`${folder}/${path}`);
  }
  return { problems, unfrozen };
}

/**
 * Freezes the folders already released plus `addFolders`: lists every file not
 * listed yet. Throws, writing nothing, when a listed file changed or vanished.
 * @returns the paths newly frozen.
 */
export function freezeVectors(vectorsDir: string, addFolders: readonly string[] = []): string[] {
  const manifest = readManifest(vectorsDir);
  for (const folder of addFolders) {
    if (!existsSync(join(vectorsDir, folder))) throw new Error(`no vector folder ${folder} in ${vectorsDir}`);
    manifest.folders[folder] ??= {};
  }
  const { problems, unfrozen } = compareWithManifest(vectorsDir, manifest);
  if (problems.length > 0) {
    throw new Error(`released vectors must not change; restore them before freezing:\n  ${problems.join("\n  ")}`);
  }
  const folders: Record<string, Record<string, string>> = {};
  for (const folder of Object.keys(manifest.folders).sort()) {
    const now = hashFolder(join(vectorsDir, folder));
    // Listed hashes are kept as they are; only files new to the folder are taken from disk.
    const merged = { ...now, ...manifest.folders[folder] };
    folders[folder] = Object.fromEntries(Object.keys(merged).sort().map((p) => [p, merged[p]!]));
  }
  writeFileSync(join(vectorsDir, RELEASED_MANIFEST), JSON.stringify({ rule: RULE, folders }, null, 2) + "\n");
  return unfrozen;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!)) {
  try {
    const added = freezeVectors(packageFile("conformance/vectors"), process.argv.slice(2));
    console.log(added.length === 0 ? "nothing new to freeze" : `frozen:\n  ${added.join("\n  ")}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
