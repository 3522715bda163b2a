/**
 * The savepoint level's content and canonical checks
 * ([spec](../../spec/conformance.md#test-catalogue)): what a savepoint's data
 * files hold, read with the reference reader, and whether each file is the
 * canonical file for its range and entries. Canonical is judged without the
 * LZ4 payloads, which depend on the compressor
 * ([spec](../../spec/savepoint-data.md#canonical-file)): the header bytes, and
 * every frame's key group, number, content length and content checksum.
 */
import { isKsnapError } from "../errors.js";
import type { SavepointHandle } from "../model.js";
import type { StateDescriptor, StateEntry } from "../savepoint/data-format.js";
import { readKeyGroups } from "../savepoint/data-reader.js";
import { MemorySink } from "../savepoint/data-sink.js";
import { SavepointDataWriter } from "../savepoint/data-writer.js";
import { listFrames, type FrameInfo } from "../savepoint/frame-list.js";
import { operatorHandlesById } from "../snapshot-walk.js";
import { resolveInRoot } from "../storage/paths.js";
import type { LocatedSnapshot } from "../storage/snapshot-root.js";
import { toDumpEntry } from "./compare-entries.js";
import { readBytes } from "./runner-files.js";
import type { DumpEntry } from "./state-model.js";

/** A savepoint handle of the operator, with its subtask and its data file's local path. */
interface LocatedHandle {
  subtask: number;
  handle: SavepointHandle;
  path: string;
}

/** The operator's savepoint handles in subtask and handle order. */
function savepointHandles(located: LocatedSnapshot, operatorId: string): LocatedHandle[] {
  return [...operatorHandlesById(located.snapshot, operatorId)].flatMap(({ handle: h, subtask }) => h.type !== "savepoint" ? []
    : [{ subtask: subtask.subtaskIndex, handle: h, path: resolveInRoot(located.root, h.dataFile.path) }]);
}

/** Every entry the operator's data files hold, read through their handles, or the reason they cannot be read. */
export async function savepointEntries(located: LocatedSnapshot, operatorId: string): Promise<DumpEntry[] | string> {
  const out: DumpEntry[] = [];
  for (const { subtask, handle, path } of savepointHandles(located, operatorId)) {
    try {
      for await (const e of readKeyGroups(path, handle)) out.push(toDumpEntry(e));
    } catch (e) {
      return `subtask ${subtask}'s data file ${handle.dataFile.path} cannot be read: ${isKsnapError(e) ? `${e.code}: ${e.message}` : String(e)}`;
    }
  }
  return out;
}

/** Undefined when every data file of the operator is canonical for `expected` (the model's entries); else what differs. */
export async function canonicalProblem(located: LocatedSnapshot, operatorId: string, states: readonly StateDescriptor[],
  expected: readonly DumpEntry[]): Promise<string | undefined> {
  for (const { subtask, handle, path } of savepointHandles(located, operatorId)) {
    const problem = await fileCanonicalProblem(path, handle, states, expected);
    if (problem !== undefined) return `subtask ${subtask}'s data file ${handle.dataFile.path}: ${problem}`;
  }
  return undefined;
}

async function fileCanonicalProblem(path: string, handle: SavepointHandle, states: readonly StateDescriptor[],
  expected: readonly DumpEntry[]): Promise<string | undefined> {
  let actual: Uint8Array;
  let frames: FrameInfo[];
  try {
    actual = await readBytes(path);
    frames = listFrames(actual, path);
  } catch (e) {
    return isKsnapError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  const reference = referenceFile(handle, states, expected);
  const referenceFrames = listFrames(reference);
  const headerEnd = referenceFrames[0]!.offset;
  if (frames[0]?.offset !== headerEnd || Buffer.compare(actual.subarray(0, headerEnd), reference.subarray(0, headerEnd)) !== 0) {
    return `its header (bytes 0..${frames[0]?.offset ?? actual.length}) differs from the canonical header (bytes 0..${headerEnd})`;
  }
  return framesProblem(frames, referenceFrames);
}

function framesProblem(actual: readonly FrameInfo[], reference: readonly FrameInfo[]): string | undefined {
  const n = Math.min(actual.length, reference.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i]!;
    const r = reference[i]!;
    if (a.keyGroup !== r.keyGroup || a.block !== r.block || a.uncompressedLength !== r.uncompressedLength || a.xxh64 !== r.xxh64) {
      return `frame ${a.block} of key group ${a.keyGroup} (${a.uncompressedLength} bytes) differs from the canonical frame ` +
        `${r.block} of key group ${r.keyGroup} (${r.uncompressedLength} bytes, content checksum ${r.xxh64.toString(16)})`;
    }
  }
  return actual.length === reference.length ? undefined : `${actual.length} frames, canonical ${reference.length}`;
}

/** The reference writer's file for the handle's range and the expected entries in it. */
function referenceFile(handle: SavepointHandle, states: readonly StateDescriptor[], expected: readonly DumpEntry[]): Uint8Array {
  const sink = new MemorySink();
  const { start, count } = handle.keyGroups;
  const writer = SavepointDataWriter.open(sink, {
    fileId: "reference", filePath: "reference.ksvd", states, keyGroups: handle.keyGroups, presorted: true,
  });
  let next = 0;
  for (let kg = start; kg < start + count; kg++) {
    writer.beginKeyGroup(kg);
    while (next < expected.length && expected[next]!.keyGroup < kg) next++;
    for (; next < expected.length && expected[next]!.keyGroup === kg; next++) writer.add(toStateEntry(expected[next]!));
    writer.endKeyGroup();
  }
  writer.finish();
  return sink.bytes!;
}

function toStateEntry(e: DumpEntry): StateEntry {
  const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
  return {
    state: e.state, key: bytes(e.key), namespace: bytes(e.namespace), value: bytes(e.value),
    ...(e.userKey === undefined ? {} : { userKey: bytes(e.userKey) }),
  };
}
