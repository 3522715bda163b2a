/**
 * The logical dump ([spec](../../spec/savepoint-data.md#logical-dump)): one JSON
 * object per entry, binary fields in lowercase hex, members in a fixed order, so
 * two files with the same logical content dump to the same text.
 */
import type { KeyGroupRange } from "../model.js";
import type { DataFileInfo, DataReadLimits, SavepointEntry } from "./data-format.js";
import { readDataFileInfo, readKeyGroupBatches, type HandleLocation } from "./data-reader.js";

/** Options of {@link dumpSavepointData}. */
export interface DumpOptions {
  /** Read through this handle (checked against the file); without one, the file's own index is used. */
  handle?: HandleLocation;
  /** Only these key groups (default: all). */
  keyGroups?: KeyGroupRange;
  limits?: Partial<DataReadLimits>;
}

/** One entry as its dump line, without the trailing newline. */
export function entryToJsonLine(entry: SavepointEntry): string {
  // Built member by member: the order is part of the format, and JSON.stringify
  // of each string gives the escaping the spec prescribes.
  const members = [
    `"keyGroup":${entry.keyGroup}`,
    `"state":${JSON.stringify(entry.state)}`,
    `"kind":"${entry.kind}"`,
    `"key":"${hex(entry.key)}"`,
    `"namespace":"${hex(entry.namespace)}"`,
  ];
  if (entry.kind === "map") members.push(`"userKey":"${hex(entry.userKey ?? new Uint8Array(0))}"`);
  members.push(`"value":"${hex(entry.value)}"`);
  return `{${members.join(",")}}`;
}

/**
 * The dump of the data file at `path`: each entry's line followed by `"\n"`.
 * Without a handle the file's verified index gives the offsets, so a data file
 * separated from its metadata can still be dumped.
 */
export async function* dumpSavepointData(path: string, options: DumpOptions = {}): AsyncGenerator<string> {
  const handle = options.handle ?? await handleFromIndex(path);
  // Batches, and entries viewing their bytes: a line is built from each entry at once, so nothing needs a copy.
  for await (const batch of readKeyGroupBatches(path, handle, options.keyGroups, options.limits)) {
    for (let i = 0; i < batch.length; i++) yield entryToJsonLine(batch.entryView(i)) + "\n";
  }
}

async function handleFromIndex(path: string): Promise<HandleLocation> {
  const info = await readDataFileInfo(path);
  return { keyGroups: info.keyGroups, offsets: info.offsets, dataFile: { size: info.size } };
}

/** A data file's header and trailer as JSON: 64-bit values as decimal strings, as in the snapshot's JSON form. */
export function dataFileInfoToJson(info: DataFileInfo): object {
  return {
    formatVersion: `${info.formatVersion.major}.${info.formatVersion.minor}`,
    keyGroups: { start: info.keyGroups.start, count: info.keyGroups.count },
    states: info.states.map((s) => ({
      name: s.name, kind: s.kind, keySerializer: s.keySerializer, namespaceSerializer: s.namespaceSerializer,
      valueSerializer: s.valueSerializer, userKeySerializer: s.userKeySerializer ?? "",
    })),
    offsets: info.offsets.map(String),
    entryCount: String(info.entryCount),
    size: String(info.size),
  };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}
