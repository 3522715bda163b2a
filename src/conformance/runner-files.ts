/**
 * The conformance runner's file access, through the storage seam
 * ([spec](../../spec/ownership.md#the-storage-seam)): the catalogue's vectors,
 * scenarios and expectations, and the files an adapter wrote in the work folder.
 * The adapter runs on the same machine and writes local paths, so these go
 * through the local file system; a link is never followed.
 */
import { DEFAULT_DECODE_LIMITS } from "../limits.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";
import type { EntryKind } from "../storage/storage.js";
import type { DumpEntry } from "./state-model.js";

/** The storage the runner reads and writes through. */
export const RUNNER_STORAGE = LOCAL_STORAGE;

/** Largest file the runner reads whole: the decoder's default limit, far above any vector or scenario. */
const MAX_FILE_BYTES = DEFAULT_DECODE_LIMITS.maxFileBytes;

/** A whole file. IO_ERROR naming it when it cannot be read or is not a regular file. */
export function readBytes(path: string): Promise<Uint8Array> {
  return RUNNER_STORAGE.read(path, MAX_FILE_BYTES);
}

/** A whole file as UTF-8 text. */
export async function readText(path: string): Promise<string> {
  return Buffer.from(await readBytes(path)).toString("utf8");
}

/** A JSON file. */
export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readText(path));
}

/** A JSON-lines file: one value per non-empty line. */
export async function readJsonLines(path: string): Promise<DumpEntry[]> {
  return (await readText(path)).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as DumpEntry);
}

/** True when there is a regular file at `path` (not a link, not a folder). */
export async function isFile(path: string): Promise<boolean> {
  return (await RUNNER_STORAGE.info(path))?.kind === "file";
}

/** The names of the entries of kind `kind` in `folder` matching `pattern`, in code-point order; [] when there is no such folder. */
export async function namesOf(folder: string, kind: EntryKind, pattern: RegExp): Promise<string[]> {
  // The folder itself was named by the package or the caller: a link to it is followed.
  if ((await RUNNER_STORAGE.infoFollowing(folder))?.kind !== "folder") return [];
  return (await RUNNER_STORAGE.list(folder)).filter((e) => e.kind === kind && pattern.test(e.name)).map((e) => e.name);
}
