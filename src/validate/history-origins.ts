/**
 * A reused shared file was uploaded by an earlier checkpoint of the same
 * backend: the origin checkpoint, when the history retains it, lists the file
 * as its own upload by that backend ([KS-E111](../../spec/validation.md#ks-e111),
 * [KS-E112](../../spec/validation.md#ks-e112), [KS-W113](../../spec/validation.md#ks-w113)).
 * An origin older than the history's oldest snapshot was subsumed and is not
 * retained, which is normal (a warning); a missing origin inside the history's
 * range is a hole in it (an error).
 */
import type { Finding } from "./finding.js";
import type { History } from "./history.js";
import type { LocatedInput } from "./located-input.js";
import { finding } from "./rules.js";
import { Tally } from "./tally.js";
import { plural, quote } from "./text.js";
import { eachHandle, variantField } from "../snapshot-walk.js";

/** Checks KS-E111, KS-E112 and KS-W113. */
export function checkHistoryOrigins(h: History): Finding[] {
  const out: Finding[] = [];
  const uploads = new Map<bigint, Map<string, string>>();
  const uploadsOf = (s: LocatedInput): Map<string, string> => {
    let m = uploads.get(s.snapshot.snapshotId);
    if (m === undefined) uploads.set(s.snapshot.snapshotId, (m = uploadedBy(s)));
    return m;
  };
  for (const s of h.snapshots) {
    const missing = new Tally<bigint>();
    for (const site of eachHandle(s.snapshot)) {
      const handle = site.handle;
      if (handle.type !== "incremental") continue;
      for (const [i, ref] of handle.sharedFiles.entries()) {
        const origin = ref.originCheckpointId;
        // Its own upload, or a later origin (KS-E061): nothing to look up.
        if (origin >= handle.checkpointId) continue;
        const field = `${variantField(site)}.sharedFiles[${i}]`;
        const uploader = h.byId.get(origin);
        if (uploader === undefined) {
          missing.add(origin, () => field);
          continue;
        }
        const backend = uploadsOf(uploader).get(ref.id);
        if (backend === undefined) {
          out.push(finding("KS-E111", { file: s.metadataPath, field, path: ref.path },
            `shared file ${quote(ref.id)} names origin checkpoint ${origin}, but ${uploader.metadataPath} does not list it among the files it uploaded`));
        } else if (backend !== handle.backendId) {
          out.push(finding("KS-E111", { file: s.metadataPath, field, path: ref.path },
            `shared file ${quote(ref.id)} was uploaded in checkpoint ${origin} by backend ${quote(backend)}, not by this handle's backend ${quote(handle.backendId)}`));
        }
      }
    }
    out.push(...missingOrigins(h, s, missing));
  }
  return out;
}

/** File id → backend id of every shared file `s` uploaded itself (origin = its own id). */
function uploadedBy(s: LocatedInput): Map<string, string> {
  const m = new Map<string, string>();
  for (const site of eachHandle(s.snapshot)) {
    const handle = site.handle;
    if (handle.type !== "incremental") continue;
    for (const ref of handle.sharedFiles) {
      if (ref.originCheckpointId === s.snapshot.snapshotId && !m.has(ref.id)) m.set(ref.id, handle.backendId);
    }
  }
  return m;
}

/** One finding per origin checkpoint that `s` names and the history lacks. */
function missingOrigins(h: History, s: LocatedInput, missing: Tally<bigint>): Finding[] {
  return [...missing.entries].map(([origin, { count, field }]) => {
    // The location is the first of them; the message says how many there are.
    const files = count === 1 ? "this shared file names" : `${plural(count, "shared file")}, this one first, name`;
    return origin >= h.oldest
      ? finding("KS-E112", { file: s.metadataPath, field },
        `${files} origin checkpoint ${origin}, which is missing from this history (ids ${h.oldest} to ${h.snapshots.at(-1)!.snapshot.snapshotId})`)
      : finding("KS-W113", { file: s.metadataPath, field },
        `${files} origin checkpoint ${origin}, older than this history's oldest snapshot ${h.oldest} (not retained); the upload cannot be cross-checked`);
  });
}
