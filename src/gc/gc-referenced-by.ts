/**
 * References into a root from snapshots outside it ([spec](../../spec/ownership.md#references-from-other-roots)): a
 * job restored in CLAIM mode, or a new job started from a retained checkpoint, refers to this root's `shared/` files
 * from its own checkpoints, and nothing under this root records it. gc is given those other roots and snapshots
 * (`--referenced-by`), reads them as validation does, and keeps every file of this root they refer to. It cannot
 * see references from anywhere it was not given.
 */
import { compareCodePoints } from "../body/canonical-order.js";
import { parseFlinkLocation } from "../flink/convert-paths.js";
import { formatS3Location, isS3Location } from "../storage/s3-location.js";
import { eachRef, refKind } from "../snapshot-walk.js";
import type { Storage } from "../storage/storage.js";
import type { Finding } from "../validate/finding.js";
import type { LoadedTree, TreeLoader } from "../validate/load-snapshots.js";
import { refusesGc } from "./gc-refusals.js";

/** What the other snapshots refer to under the root. */
export interface OutsideReferences {
  /** The paths given, as given. */
  sources: string[];
  /** Snapshots read from them. */
  snapshots: number;
  /** Files of the root they refer to (relative to the root) → one metadata file referring to each. */
  paths: Map<string, string>;
  /** Why they cannot be trusted (a snapshot that cannot be read): gc refuses on these. */
  problems: Finding[];
}

/**
 * Reads each of `sources` with `load` and collects the files under `root` (whose real path is `realRoot`) that
 * their snapshots refer to: root-relative refs resolved against each snapshot's own (real) root, and external refs
 * that are local paths (`file:` URIs) or, for a root on S3, `s3://` URIs. IO_ERROR from `load` when a source cannot be read at all.
 */
export async function outsideReferences(
  store: Storage, root: string, realRoot: string, sources: readonly string[], load: TreeLoader,
  storeFor: (location: string) => Storage = () => store,
): Promise<OutsideReferences> {
  const out: OutsideReferences = { sources: [...sources], snapshots: 0, paths: new Map(), problems: [] };
  const given = store.absolute(root);
  const inRoot = (location: string): string | undefined => {
    for (const r of [realRoot, given]) {
      const rel = store.relativeTo(r, location);
      if (rel !== undefined && rel !== "") return rel;
    }
    return undefined;
  };
  for (const source of sources) {
    // Each source on its own storage (a local root may be referenced from a bucket, and the other way round).
    const from = storeFor(source);
    const tree: LoadedTree = await load(source, from);
    out.problems.push(...tree.findings.filter((f) => refusesGc(f.rule)));
    for (const l of tree.loaded) {
      out.problems.push(...l.findings.filter((f) => refusesGc(f.rule)));
      const s = l.located;
      if (s === undefined) continue;
      out.snapshots++;
      const otherReal = await from.realRoot(s.root).catch(() => s.root);
      for (const r of eachRef(s.snapshot)) {
        const kind = refKind(r.ref);
        if (kind === "inline") continue;
        const locations = kind === "external" ? externalLocations((r.ref as { uri: string }).uri, isS3Location(root))
          : [from.locate(otherReal, (r.ref as { path: string }).path), from.locate(s.root, (r.ref as { path: string }).path)];
        for (const location of locations) {
          const rel = inRoot(location) ?? inRoot(await throughLinks(from, location));
          if (rel !== undefined && !out.paths.has(rel)) out.paths.set(rel, l.file);
        }
      }
    }
  }
  out.paths = new Map([...out.paths].sort((a, b) => compareCodePoints(a[0], b[0])));
  return out;
}

/**
 * Where an external ref points, as a location of the root's storage: the local path of a `file:` URI (or a bare
 * absolute path), or, when the root is on S3, an `s3://bucket/key` URI (Flink writes a job's shared files on S3 by
 * such URIs, so a job started from another job's checkpoint refers to the other job's objects this way).
 */
function externalLocations(uri: string, rootOnS3: boolean): string[] {
  const loc = parseFlinkLocation(uri);
  if (loc === undefined) return [];
  if (loc.scheme === "file") return loc.authority === "" ? [loc.path] : [];
  return rootOnS3 && loc.scheme === "s3" && loc.path.length > 1 ? [formatS3Location(loc.authority, loc.path.slice(1))] : [];
}

/** `location` with its folder's real path: a reference through a linked folder still lands in the root. */
async function throughLinks(store: Storage, location: string): Promise<string> {
  try {
    return store.child(await store.realRoot(store.parent(location)), store.baseName(location));
  } catch {
    return location; // the folder does not exist: nothing there to keep
  }
}
