/**
 * A snapshot refers only to its own files and to shared files: never to a
 * metadata file, and never to a file inside another snapshot's folder
 * ([KS-E092](../../spec/validation.md#ks-e092)). Garbage collection deletes a
 * subsumed checkpoint's private files; were one of them a retained checkpoint's
 * metadata or a savepoint's data file, it would delete what it must never touch.
 * The physical file of a segment (1.1) is held to the same rule as a whole file.
 */
import { METADATA_FILE } from "../storage/snapshot-root.js";
import type { Storage } from "../storage/storage.js";
import { eachRootRef, fileField, isSegmentSite } from "../snapshot-walk.js";
import type { Finding } from "./finding.js";
import type { LocatedInput } from "./located-input.js";
import { finding } from "./rules.js";
import { quote } from "./text.js";

const META_SUFFIX = `/${METADATA_FILE}`;

/**
 * Checks KS-E092 for `located` against the folders of every metadata file found
 * (`metadataFiles`, as locations; those that could not be read count too: their
 * folder still belongs to a snapshot).
 */
export function checkForeignRefs(located: readonly LocatedInput[], metadataFiles: readonly string[], storage: Storage): Finding[] {
  const out: Finding[] = [];
  const byRoot = new Map<string, Map<string, string>>();
  for (const s of located) {
    let folders = byRoot.get(s.root);
    if (folders === undefined) byRoot.set(s.root, (folders = snapshotFoldersUnder(s.root, metadataFiles, storage)));
    const own = storage.relativeTo(s.root, storage.parent(s.metadataPath));
    for (const f of eachRootRef(s.snapshot)) {
      const path = f.ref.path;
      const at = { file: s.metadataPath, field: fileField(f), path };
      const what = isSegmentSite(f) ? `physical file of a ${f.role} segment` : `${f.role} file`;
      if (path === METADATA_FILE || path.endsWith(META_SUFFIX)) {
        out.push(finding("KS-E092", at, `${what} ${quote(path)} is a metadata file: a snapshot never refers to a metadata file as its data`));
        continue;
      }
      const other = folders.size === 0 ? undefined : foreignFolder(path, own, folders);
      if (other !== undefined) {
        out.push(finding("KS-E092", at, `${what} ${quote(path)} is inside the folder of another snapshot (${other}), which owns it`));
      }
    }
  }
  return out;
}

/** The folders strictly below `root` that hold a metadata file, relative to it, each with that file. */
function snapshotFoldersUnder(root: string, metadataFiles: readonly string[], storage: Storage): Map<string, string> {
  const folders = new Map<string, string>();
  for (const m of metadataFiles) {
    const rel = storage.relativeTo(root, storage.parent(m));
    if (rel !== undefined && rel !== "") folders.set(rel, m);
  }
  return folders;
}

/** The metadata file of another snapshot whose folder holds `path`, if any. Compares '/'-separated prefixes, no I/O. */
function foreignFolder(path: string, own: string | undefined, folders: Map<string, string>): string | undefined {
  for (let i = path.indexOf("/"); i > 0; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i);
    if (prefix === own) continue;
    const metadata = folders.get(prefix);
    if (metadata !== undefined) return metadata;
  }
  return undefined;
}
