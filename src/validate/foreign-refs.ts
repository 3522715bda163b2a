/**
 * A snapshot refers only to its own files and to shared files: never to a
 * metadata file, and never to a file inside another snapshot's folder
 * ([KS-E092](../../spec/validation.md#ks-e092)). Garbage collection deletes a
 * subsumed checkpoint's private files; were one of them a retained checkpoint's
 * metadata or a savepoint's data file, it would delete what it must never touch.
 */
import { pathProblem } from "../storage/paths.js";
import { METADATA_FILE } from "../storage/snapshot-root.js";
import type { Storage } from "../storage/storage.js";
import { eachFile, fileField } from "../snapshot-walk.js";
import type { Finding } from "./finding.js";
import type { LocatedInput } from "./located-input.js";
import { finding } from "./rules.js";
import { quote } from "./text.js";

/**
 * Checks KS-E092 for `located` against the folders of every metadata file found
 * (`metadataFiles`, as locations; those that could not be read count too: their
 * folder still belongs to a snapshot).
 */
export function checkForeignRefs(located: readonly LocatedInput[], metadataFiles: readonly string[], storage: Storage): Finding[] {
  const folders = new Map<string, string>(metadataFiles.map((m) => [storage.parent(m), m]));
  const out: Finding[] = [];
  for (const s of located) {
    const own = storage.parent(s.metadataPath);
    for (const f of eachFile(s.snapshot)) {
      const segments = f.ref.path.split("/");
      const at = { file: s.metadataPath, field: fileField(f), path: f.ref.path };
      if (segments.at(-1) === METADATA_FILE) {
        out.push(finding("KS-E092", at, `${f.role} file ${quote(f.ref.path)} is a metadata file: a snapshot never refers to a metadata file as its data`));
        continue;
      }
      // A path that breaks the path rules is KS-E090's, and is never resolved.
      if (folders.size < 2 || pathProblem(f.ref.path) !== undefined) continue;
      const other = foreignFolder(s.root, segments, own, folders, storage);
      if (other !== undefined) {
        out.push(finding("KS-E092", at, `${f.role} file ${quote(f.ref.path)} is inside the folder of another snapshot (${other}), which owns it`));
      }
    }
  }
  return out;
}

/** The metadata file of another snapshot whose folder holds the path, if any (only folders strictly below the root). */
function foreignFolder(root: string, segments: readonly string[], own: string, folders: Map<string, string>, storage: Storage): string | undefined {
  for (let i = 1; i < segments.length; i++) {
    const folder = storage.locate(root, segments.slice(0, i).join("/"));
    if (folder === own) continue;
    const metadata = folders.get(folder);
    if (metadata !== undefined) return metadata;
  }
  return undefined;
}
