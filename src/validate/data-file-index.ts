/**
 * KS-E107 ([spec](../../spec/validation.md#ks-e107)): a savepoint handle's
 * key groups and offsets are those its data file's header and index record
 * ([spec](../../spec/savepoint-data.md#layout)). A reader through the handle never
 * compares them (it reads where the handle says and the block checksums catch a
 * wrong place), so validation does. Only data files that passed every other
 * storage check are read, and only their header and trailer.
 */
import type { SavepointHandle } from "../model.js";
import { readDataFileInfo } from "../savepoint/data-reader.js";
import type { DataFileInfo } from "../savepoint/data-format.js";
import { pathProblem } from "../storage/paths.js";
import type { Storage } from "../storage/storage.js";
import { KsnapError } from "../errors.js";
import { eachHandle, variantField, type HandleSite } from "../snapshot-walk.js";
import type { Finding } from "./finding.js";
import type { LocatedInput } from "./located-input.js";
import { finding } from "./rules.js";
import { forEachLimited } from "./run-limited.js";
import type { StorageTarget } from "./storage-targets.js";
import { plural, quote } from "./text.js";

/** A savepoint handle and the metadata file that lists it. */
interface HandleRef {
  site: HandleSite;
  handle: SavepointHandle;
  file: string;
}

/**
 * KS-E107 findings by target index, for the data files among `targets` whose
 * own checks (`perTarget`) found nothing. `realRootOf` resolves a snapshot root.
 */
export async function checkDataFileIndexes(inputs: readonly LocatedInput[], targets: readonly StorageTarget[],
  perTarget: readonly Finding[][], storage: Storage, realRootOf: (root: string) => Promise<string | Error>,
  concurrency: number): Promise<Map<number, Finding[]>> {
  const indexOf = new Map(targets.map((target, i) => [`${target.root}\0${target.path}`, i]));
  const byTarget = new Map<number, HandleRef[]>();
  for (const input of inputs) {
    for (const site of eachHandle(input.snapshot)) {
      if (site.handle.type !== "savepoint" || pathProblem(site.handle.dataFile.path) !== undefined) continue;
      const i = indexOf.get(`${input.root}\0${site.handle.dataFile.path}`);
      if (i === undefined || perTarget[i]!.length > 0) continue;
      const refs = byTarget.get(i) ?? [];
      refs.push({ site, handle: site.handle, file: input.metadataPath });
      byTarget.set(i, refs);
    }
  }
  const out = new Map<number, Finding[]>();
  await forEachLimited([...byTarget], concurrency, async ([i, refs]) => {
    const target = targets[i]!;
    const info = await readInfo(target, storage, await realRootOf(target.root));
    const findings = refs.flatMap((ref) => compare(ref, target.path, info));
    if (findings.length > 0) out.set(i, findings);
  });
  return out;
}

/** The file's header and verified index, or why they cannot be read. */
async function readInfo(target: StorageTarget, storage: Storage, realRoot: string | Error): Promise<DataFileInfo | KsnapError> {
  if (realRoot instanceof Error) return new KsnapError("IO_ERROR", realRoot.message);
  const r = await storage.resolve(realRoot, target.path);
  if (r.status !== "file") return new KsnapError("IO_ERROR", "it changed while it was checked");
  try {
    return await readDataFileInfo(r.location, { storage });
  } catch (e) {
    if (e instanceof KsnapError) return e;
    throw e;
  }
}

function compare(ref: HandleRef, path: string, info: DataFileInfo | KsnapError): Finding[] {
  const field = variantField(ref.site);
  const at = (member: string) => ({ file: ref.file, field: `${field}.${member}`, path });
  const name = `data file ${quote(path)}`;
  if (info instanceof KsnapError) {
    const where = info.offset === undefined ? "" : ` at byte ${info.offset}`;
    return [finding("KS-E107", at("dataFile"), `${name} cannot be read as a savepoint data file: ${info.code}${where}: ${info.message}`)];
  }
  const { start, count } = ref.handle.keyGroups;
  if (start !== info.keyGroups.start || count !== info.keyGroups.count) {
    return [finding("KS-E107", at("keyGroups"), `${name} holds key groups start ${info.keyGroups.start}, count ${info.keyGroups.count}; ` +
      `the handle says start ${start}, count ${count}`)];
  }
  // A number of offsets other than count is KS-E050's to report.
  if (ref.handle.offsets.length !== info.offsets.length) return [];
  const differ = ref.handle.offsets.flatMap((o, i) => (o === info.offsets[i] ? [] : [i]));
  const first = differ[0];
  if (first === undefined) return [];
  return [finding("KS-E107", at(`offsets[${first}]`), `offsets[${first}] = ${ref.handle.offsets[first]}, but the index of ${name} ` +
    `says key group ${start + first} begins at ${info.offsets[first]} (${plural(differ.length, "such offset")})`)];
}
