/**
 * What every message decoder of the body shares ([spec](../../spec/format-v1.md#what-a-decoder-accepts-and-rejects)):
 * the reader with the version it reads as and the header's feature bits, typed errors for absent and unknown
 * values, the feature check of 1.1 structures, and the few field shapes several messages have.
 */
import type { ReaderMinor } from "../decode-options.js";
import { KsnapError } from "../errors.js";
import { FORMAT_LIMITS } from "../limits.js";
import type { KeyGroupRange } from "../model.js";
import { describeFeature } from "./features.js";
import { expectWireType, malformed, readLengthEnd, readTag, readUint32, readUint64, skipField, WT_LEN, WT_VARINT, type Reader } from "./wire.js";


/** How a body is read: as which reader, and with which required-feature bits the header set. */
export interface BodyContext {
  readerMinor: ReaderMinor;
  /** The header's required_features; a 1.1 structure whose bit is not among them is INVALID_FIELD. */
  features: number;
}

/** A wire reader that carries its {@link BodyContext}. */
export type BodyReader = Reader & BodyContext;

/** MISSING_FIELD for a required field absent or default, naming the version that requires it. */
export function missing(r: Reader, what: string, field: string, since: ReaderMinor = 0): KsnapError {
  return new KsnapError("MISSING_FIELD", `${what} is required in format 1.${since} and is absent or zero`, { offset: r.pos, field });
}

/**
 * The field number of `tag`; -1 (which every decoder's switch skips as unknown) for a field added in 1.1
 * (number `first11` and up) when the reader reads as 1.0: that is how the 1.0 reader is reproduced exactly.
 */
export function fieldNumber(r: BodyReader, tag: number, first11 = Infinity): number {
  const n = tag >>> 3;
  if (n === 0) throw malformed(r, "field number 0 is not allowed");
  return n >= first11 && r.readerMinor === 0 ? -1 : n;
}

/** Skips the field of `tag` as unknown. */
export function skip(r: Reader, tag: number): void {
  skipField(r, tag & 7, tag >>> 3);
}

/** Fails when the last field read ran past the end of its message. */
export function closeMessage(r: Reader, end: number, name: string): void {
  if (r.pos > end) throw malformed(r, `a field of ${name} runs past the end of the message at ${end}`);
}

/** protobuf merges a repeated singular message field; KSNAP forbids it so that readers need not merge. */
export function once<T>(r: Reader, seen: T | undefined, name: string): void {
  if (seen !== undefined) throw malformed(r, `${name} occurs more than once`);
}

/** An enum value: undefined for 0 (absent), INVALID_FIELD for a number the reader's version does not define. */
export function enumValue<T>(r: BodyReader, end: number, table: ReadonlyMap<number, T>, what: string, field: string): T | undefined {
  const at = r.pos;
  const n = readUint64(r);
  if (r.pos > end) throw malformed(r, `${what} runs past the end of its message`);
  if (n === 0n) return undefined;
  const v = n > 0xffffffffn ? undefined : table.get(Number(n));
  if (v === undefined) {
    throw new KsnapError("INVALID_FIELD", `${what} ${n} is not defined in format 1.${r.readerMinor}`, { offset: at, field });
  }
  return v;
}

/**
 * Refuses a 1.1 structure whose feature bit the header does not set: a 1.0 reader would skip the structure and
 * delete, restore or verify differently, so a writer that forgot the bit wrote a file 1.0 readers misread.
 * `at`: the offset to report (null when it is no longer known).
 */
export function requireFeature(r: BodyReader, bit: number, what: string, field: string, at: number | null = r.pos): void {
  if ((r.features & bit) === 0) {
    throw new KsnapError("INVALID_FIELD",
      `${what} needs required-feature ${describeFeature(bit)}, which the header does not set`, { offset: at ?? undefined, field });
  }
}

/** Reads a length-delimited bytes field of at most `maxBytes`, checked before anything is allocated; returns a copy. */
export function readBytes(r: Reader, end: number, maxBytes: number, what: string, field: string): Uint8Array {
  const at = r.pos;
  const stop = readLengthEnd(r, end);
  if (stop - r.pos > maxBytes) {
    throw new KsnapError("INVALID_FIELD", `${what} is ${stop - r.pos} bytes; at most ${maxBytes} are allowed`, { offset: at, field });
  }
  // A copy, not a view: a snapshot must not keep the whole file's buffer alive for a few inline bytes.
  const out = new Uint8Array(r.buf.subarray(r.pos, stop));
  r.pos = stop;
  return out;
}

/** A KeyGroupRange message whose length prefix has been read. */
export function readKeyGroups(r: BodyReader, end: number): KeyGroupRange {
  let start = 0, count = 0;
  while (r.pos < end) {
    const tag = readTag(r);
    switch (fieldNumber(r, tag)) {
      case 1: expectWireType(r, tag, WT_VARINT, "KeyGroupRange"); start = readUint32(r); break;
      case 2: expectWireType(r, tag, WT_VARINT, "KeyGroupRange"); count = readUint32(r); break;
      default: skip(r, tag);
    }
  }
  closeMessage(r, end, "KeyGroupRange");
  return { start, count };
}

/** A singular KeyGroupRange field (checked to occur once) whose tag has been read. */
export function readKeyGroupsField(r: BodyReader, tag: number, end: number, seen: KeyGroupRange | undefined, message: string): KeyGroupRange {
  expectWireType(r, tag, WT_LEN, message);
  once(r, seen, "key_groups");
  return readKeyGroups(r, readLengthEnd(r, end));
}

/**
 * Offsets arrive packed (canonical) or one per field (accepted), mixed in any way; either way at most `limit`
 * (checked before each value is stored, so a list never grows past it).
 */
export function readOffsets(r: Reader, tag: number, end: number, offsets: bigint[], message: string, limit: number = FORMAT_LIMITS.maxKeyGroups): void {
  if ((tag & 7) === WT_VARINT) {
    pushOffset(r, offsets, limit);
    return;
  }
  expectWireType(r, tag, WT_LEN, message);
  const stop = readLengthEnd(r, end);
  while (r.pos < stop) pushOffset(r, offsets, limit);
  closeMessage(r, stop, `${message}.offsets`);
}

function pushOffset(r: Reader, offsets: bigint[], limit: number): void {
  if (offsets.length === limit) {
    throw new KsnapError("INVALID_FIELD", `more than ${limit} offsets`, { offset: r.pos, field: "offsets" });
  }
  offsets.push(readUint64(r));
}
