/**
 * `ksnap savepoint dump PATH [--key-groups A-B] [--json]`
 * ([spec](../../spec/savepoint-data.md#logical-dump)): the entries of a savepoint
 * data file (read standalone, through its own verified index), or of every
 * savepoint handle of a snapshot (its data files resolved under the snapshot
 * root and read through the handles' offsets). Files go through the storage
 * seam: a data file named by the snapshot is read only when it is a regular file
 * reached without a link ([spec](../../spec/ownership.md#the-storage-seam)).
 */
import { type Command, InvalidArgumentError } from "commander";
import { inFile, KsnapError } from "../errors.js";
import type { KeyGroupRange, SavepointHandle } from "../model.js";
import { DATA_MAGIC, DATA_FORMAT_LIMITS } from "../savepoint/data-format.js";
import { readDataFileInfo, readKeyGroups, type DataFileAccess, type HandleLocation } from "../savepoint/data-reader.js";
import { entryToJsonLine } from "../savepoint/dump.js";
import type { SavepointEntry } from "../savepoint/data-format.js";
import { storageFor, type StorageChoice } from "../storage/storage-for.js";
import { addEndpointOption } from "./endpoint-option.js";
import { resolveRoot } from "../storage/snapshot-root.js";
import { describeKind, type Storage } from "../storage/storage.js";
import { readSnapshotArgument } from "./snapshot-argument.js";
import { STANDARD_STREAM, writeStandardOutput } from "./standard-streams.js";
import { usageError } from "./usage-error.js";

/** Options of {@link savepointDump}, as commander parses them. */
export interface SavepointDumpOptions extends StorageChoice {
  /** Only these key groups (inclusive `A-B` on the command line). */
  keyGroups?: KeyGroupRange;
  /** Print the spec's dump (JSON lines) instead of the readable form. */
  json?: boolean;
}

/** Where {@link savepointDump} writes; may return a promise to apply backpressure. */
export type DumpWriter = (chunk: string) => void | Promise<void>;

/** Adds `savepoint dump` to `program`. */
export function registerSavepoint(program: Command): void {
  const savepoint = program.command("savepoint").description("work with savepoint data files (spec/savepoint-data.md)");
  addEndpointOption(savepoint.command("dump"))
    .description("print the entries of a savepoint data file, or of every savepoint handle of a snapshot, one per line")
    .argument("<path>", "a savepoint data file (.ksvd), or a KSNAP metadata file or snapshot folder")
    .option("--key-groups <a-b>", "only key groups a..b (inclusive), or a single key group", parseKeyGroups)
    .option("--json", "print the logical dump: one JSON object per entry (spec/savepoint-data.md#logical-dump)")
    .action((path: string, opts: SavepointDumpOptions) => savepointDump(path, opts, (chunk) => writeStandardOutput(chunk)));
}

/**
 * Writes the entries `path` holds to `write`: a data file's own entries, or those
 * of each savepoint handle of the snapshot `path` names (operator, subtask and
 * handle order), restricted to `opts.keyGroups`. Errors are KsnapErrors naming
 * the file.
 */
export async function savepointDump(path: string, opts: SavepointDumpOptions, write: DumpWriter): Promise<void> {
  // A data file is read by position through its index, which a stream cannot give.
  if (path === STANDARD_STREAM) throw usageError("savepoint dump reads a file or folder, not standard input (-): a data file is read by position");
  const out = new Batcher(write);
  const render = opts.json ? (e: SavepointEntry) => entryToJsonLine(e) + "\n" : (e: SavepointEntry) => readableLine(e) + "\n";
  const storage = storageFor(path, opts);
  for (const source of await isDataFile(storage, path) ? [await dataFileSource(storage, path)] : await snapshotSources(storage, path, opts)) {
    const keyGroups = intersect(source.handle.keyGroups, opts.keyGroups);
    if (keyGroups.count === 0) continue;
    if (!opts.json) await out.add(`# ${source.label}: key groups ${rangeText(keyGroups)}\n`);
    for await (const entry of readKeyGroups(source.path, source.handle, keyGroups, {}, source.access)) await out.add(render(entry));
  }
  await out.flush();
}

/** One data file to dump and the handle to read it through. */
interface Source {
  path: string;
  handle: HandleLocation;
  label: string;
  access: DataFileAccess;
}

/**
 * True when `path` is a regular file starting with the data file magic. The user
 * named it, so a link is followed; a FIFO or a folder is not a data file, and is
 * never opened for a blocking read.
 */
async function isDataFile(storage: Storage, path: string): Promise<boolean> {
  const info = await storage.infoFollowing(path);
  if (info === undefined) throw storage.missing(path);
  if (info.kind !== "file") return false;
  const file = await storage.open(path, { followLinks: true });
  try {
    const head = new Uint8Array(DATA_MAGIC.length);
    const n = await file.read(head, 0, head.length, 0);
    return n === head.length && Buffer.from(head).equals(DATA_MAGIC);
  } finally {
    await file.close();
  }
}

/** A data file on its own: its verified index stands in for the handle. */
async function dataFileSource(storage: Storage, path: string): Promise<Source> {
  const access = { storage, followLinks: true };
  const info = await readDataFileInfo(path, access);
  return { path, handle: { keyGroups: info.keyGroups, offsets: info.offsets, dataFile: { size: info.size } }, label: path, access };
}

/**
 * Every savepoint handle of the snapshot `path` names, its data file resolved
 * under the snapshot root one segment at a time, never through a link. Each is
 * checked before anything is printed.
 */
async function snapshotSources(storage: Storage, path: string, choice: StorageChoice): Promise<Source[]> {
  const { snapshot, metadataPath } = await readSnapshotArgument(path, choice);
  const root = await storage.realRoot(resolveRoot(metadataPath, snapshot.snapshotDir, storage));
  const sources: Source[] = [];
  for (const op of snapshot.operators) {
    for (const st of op.subtasks) {
      for (const [i, h] of st.handles.entries()) {
        if (h.type !== "savepoint") continue;
        sources.push({
          path: await dataFileLocation(storage, root, h.dataFile.path, metadataPath),
          handle: h satisfies SavepointHandle,
          label: `operator ${op.operatorId} subtask ${st.subtaskIndex} handle ${i} (${h.dataFile.path})`,
          access: { storage },
        });
      }
    }
  }
  if (sources.length === 0) {
    throw new KsnapError("INVALID_FIELD",
      `${snapshot.kind} ${snapshot.snapshotId} has no savepoint handles: only key-group-aware savepoint data files can be dumped`,
      { file: metadataPath, field: "operators" });
  }
  return sources;
}

/**
 * Where the data file at `relative` under `realRoot` is, when it is a regular
 * file reached without a link. UNSAFE_PATH for a link on its path (inside or
 * outside the root: nothing behind it is opened), IO_ERROR for anything else.
 */
async function dataFileLocation(storage: Storage, realRoot: string, relative: string, metadataPath: string): Promise<string> {
  // A path breaking the path rules is the metadata file's fault: the error names it.
  inFile(metadataPath, () => storage.locate(realRoot, relative));
  const r = await storage.resolve(realRoot, relative);
  switch (r.status) {
    case "file":
      return r.location;
    case "link":
      throw new KsnapError("UNSAFE_PATH", `the data file "${relative}" is reached through the symbolic link "${r.linkAt}"` +
        `${r.outside ? ", which leads outside the snapshot root" : ""}; ksnap does not follow links inside a snapshot`, { file: r.location });
    case "not-file":
      throw new KsnapError("IO_ERROR", `the data file "${relative}" is ${describeKind(r.info)}, not a regular file`, { file: r.location });
    default:
      throw new KsnapError("IO_ERROR", `the data file "${relative}" ${r.why}`, { file: r.location });
  }
}

/** `A-B` (inclusive) or `A`, within the format's key groups. */
export function parseKeyGroups(value: string): KeyGroupRange {
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(value);
  const start = m === null ? NaN : Number(m[1]);
  const last = m === null ? NaN : Number(m[2] ?? m[1]);
  if (!(start <= last && last < DATA_FORMAT_LIMITS.maxKeyGroups)) {
    throw new InvalidArgumentError(`must be A-B or A, key groups with A ≤ B < ${DATA_FORMAT_LIMITS.maxKeyGroups}`);
  }
  return { start, count: last - start + 1 };
}

function intersect(held: KeyGroupRange, wanted: KeyGroupRange | undefined): KeyGroupRange {
  if (wanted === undefined) return held;
  const start = Math.max(held.start, wanted.start);
  const end = Math.min(held.start + held.count, wanted.start + wanted.count);
  return { start, count: Math.max(0, end - start) };
}

/** Binary fields shown up to this many bytes, then elided with their length. */
const SHOWN_BYTES = 32;

/** One entry as a readable line: `kg 5 clicks map key=0000002a ns= userKey=01 value=03`. */
export function readableLine(e: SavepointEntry): string {
  const parts = [`kg ${e.keyGroup}`, `${JSON.stringify(e.state)}`, e.kind, `key=${shown(e.key)}`, `ns=${shown(e.namespace)}`];
  if (e.kind === "map") parts.push(`userKey=${shown(e.userKey ?? new Uint8Array(0))}`);
  parts.push(`value=${shown(e.value)}`);
  return parts.join(" ");
}

function shown(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, SHOWN_BYTES)).toString("hex");
  return bytes.length <= SHOWN_BYTES ? hex : `${hex}…(${bytes.length} bytes)`;
}

function rangeText(kg: KeyGroupRange): string {
  return kg.count === 1 ? `${kg.start}` : `${kg.start}-${kg.start + kg.count - 1}`;
}

/** Collects lines into chunks of about 64 KiB, so a dump of millions of entries is not one write per line. */
class Batcher {
  private parts: string[] = [];
  private length = 0;

  constructor(private readonly write: DumpWriter) {}

  async add(text: string): Promise<void> {
    this.parts.push(text);
    this.length += text.length;
    if (this.length >= 65536) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join("");
    this.parts = [];
    this.length = 0;
    await this.write(chunk);
  }
}

