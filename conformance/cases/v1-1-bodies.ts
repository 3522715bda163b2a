/**
 * Raw 1.1 bodies for the accepted and invalid cases, built field by field (raw-protobuf.ts) independently of
 * ksnap's encoder: one snapshot, one operator, one subtask, and whatever the case puts in them.
 */
import { frameBody } from "../../src/container/frame.js";
import { raw, type RawField } from "./raw-protobuf.js";

/** Checkpoint properties: sharing FORWARD_BACKWARD, ownership SYSTEM. */
export const PROPS: RawField = [3, "msg", [[3, "varint", 3], [4, "varint", 1]]];
/** A FileRef's required fields. */
export const FILE = (id: string, path: string): RawField[] => [[1, "bytes", id], [2, "bytes", path]];
/** A StreamRef of a whole file. */
export const FILE_STREAM: RawField[] = [[1, "msg", FILE("f", "chk-1/f")]];
/** A StreamRef of inline bytes. */
export const INLINE_STREAM: RawField[] = [[3, "msg", [[1, "bytes", "abc"]]]];
/** A KeyGroupRange [0, 1). */
export const KG: RawField[] = [[2, "varint", 1]];

/** A Snapshot body (id 1, checkpoint, max parallelism 128) with `extra` top-level fields. */
export function snapshotBody(extra: RawField[]): Uint8Array {
  return raw([[1, "varint", 1], [2, "varint", 1], PROPS, [4, "varint", 128], ...extra]);
}

/** An operator "op" of parallelism 1 with `fields` added. */
export function operator(fields: RawField[]): RawField {
  return [5, "msg", [[1, "bytes", "op"], [3, "varint", 1], ...fields]];
}

/** A body whose one operator has one subtask (index 0) with `fields`. */
export function subtaskBody(fields: RawField[]): Uint8Array {
  return snapshotBody([operator([[4, "msg", fields]])]);
}

/** A body whose one subtask has one handle of variant `n` with `fields`. */
export function handleBody(n: number, fields: RawField[]): Uint8Array {
  return subtaskBody([[2, "msg", [[n, "msg", fields]]]]);
}

/** A StreamIncrementalHandle's required fields, with `meta` and then `extra`. */
export function streamIncremental(meta: RawField[], extra: RawField[] = []): RawField[] {
  return [[1, "bytes", "b"], [2, "msg", KG], [4, "varint", 1], [8, "msg", meta], ...extra];
}

/** A body framed as format 1.1 with the feature bits `features`. */
export function file11(features: number, body: Uint8Array): Uint8Array {
  return frameBody(body, { minor: 1, requiredFeatures: features });
}
