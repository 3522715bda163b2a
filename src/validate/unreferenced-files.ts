/**
 * KS-W098: files in a snapshot's own folder that no ref of the snapshot names
 * ([spec](../../spec/validation.md#ks-w098)). Run on converted Flink snapshots, whose folder holds `_metadata` and
 * the files its handles name: anything else there was left by something other than the checkpoint that wrote it.
 * (For KSNAP roots, `ksnap gc` lists such files as orphans.)
 */
import type { Storage } from "../storage/storage.js";
import { scanTree } from "../storage/tree-scan.js";
import type { Finding } from "./finding.js";
import type { LocatedInput } from "./located-input.js";
import { finding } from "./rules.js";
import { collectTargets } from "./storage-targets.js";
import { quote } from "./text.js";

/**
 * KS-W098 for each regular file under the folder of `input`'s snapshot (`root/snapshot_dir`, walked without
 * following links) that is neither `metadataName` at the folder's top nor a path the snapshot refers to.
 * Paths in the findings are relative to the root, as refs are. A folder that cannot be walked gives no finding:
 * the storage check reports the files it cannot read.
 */
export async function unreferencedFiles(input: LocatedInput, metadataName: string, store: Storage): Promise<Finding[]> {
  const dir = input.snapshot.snapshotDir;
  const folder = dir === "" ? input.root : store.locate(input.root, dir);
  let files: string[];
  try {
    files = (await scanTree(store, folder)).files;
  } catch {
    return [];
  }
  const referenced = new Set(collectTargets([input]).map((t) => t.path));
  const findings: Finding[] = [];
  for (const rel of files) {
    if (rel === metadataName) continue;
    const path = dir === "" ? rel : `${dir}/${rel}`;
    if (referenced.has(path)) continue;
    findings.push(finding("KS-W098", { file: input.metadataPath, path },
      `file ${quote(path)} in the snapshot's folder is referenced by no handle of the snapshot`));
  }
  return findings;
}
