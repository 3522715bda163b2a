/**
 * The data file's header ([spec](../../spec/savepoint-data.md#header)): fixed
 * fields, the state descriptors (`meta`) and the header checksum, checked in the
 * order of [Reading a file](../../spec/savepoint-data.md#reading-a-file).
 */
import { hashToHex, xxh64 } from "../hash/xxh64.js";
import type { KeyGroupRange } from "../model.js";
import { SavepointDataError } from "./data-errors.js";
import {
  DATA_FORMAT_LIMITS, DATA_MAGIC, DATA_MAJOR, DATA_MINOR, HEADER_CHECKSUM_BYTES, HEADER_FIXED_BYTES,
  STATE_KIND_CODES, type StateDescriptor, type StateKind,
} from "./data-format.js";
import { readVarint, varintLength, writeVarint } from "./varint.js";

/** The fixed part of a header, after its checks. */
export interface FixedHeader {
  major: number;
  minor: number;
  keyGroups: KeyGroupRange;
  metaLength: number;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Number of header bytes for a meta section of `metaLength` bytes; also where key group 0 begins. */
export function headerLength(metaLength: number): number {
  return HEADER_FIXED_BYTES + metaLength + HEADER_CHECKSUM_BYTES;
}

/** Encodes the whole header for `states`, which must already be in canonical order. */
export function encodeHeader(states: readonly StateDescriptor[], keyGroups: KeyGroupRange): Uint8Array {
  const meta = encodeMeta(states);
  const out = new Uint8Array(headerLength(meta.length));
  const view = new DataView(out.buffer);
  out.set(DATA_MAGIC, 0);
  view.setUint16(8, DATA_MAJOR, true);
  view.setUint16(10, DATA_MINOR, true);
  view.setUint32(12, 0, true);
  view.setUint32(16, keyGroups.start, true);
  view.setUint32(20, keyGroups.count, true);
  view.setUint32(24, meta.length, true);
  out.set(meta, HEADER_FIXED_BYTES);
  const checked = HEADER_FIXED_BYTES + meta.length;
  view.setBigUint64(checked, xxh64(out.subarray(0, checked)), true);
  return out;
}

function encodeMeta(states: readonly StateDescriptor[]): Uint8Array {
  const parts: Uint8Array[] = [varintBytes(states.length)];
  for (const s of states) {
    parts.push(stringBytes(s.name), Uint8Array.of(STATE_KIND_CODES[s.kind]), stringBytes(s.keySerializer),
      stringBytes(s.namespaceSerializer), stringBytes(s.valueSerializer), stringBytes(s.userKeySerializer ?? ""));
  }
  return Buffer.concat(parts);
}

function varintBytes(value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value));
  writeVarint(out, 0, value);
  return out;
}

function stringBytes(s: string): Uint8Array {
  const content = utf8.encode(s);
  return Buffer.concat([varintBytes(content.length), content]);
}

/**
 * Checks steps 2–5 of reading a file on its first `min(size, 28)` bytes
 * (`prefix`): magic, version, required features, range and meta length.
 */
export function decodeFixedHeader(prefix: Uint8Array, fileSize: number, file: string): FixedHeader {
  checkMagic(prefix, file);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.length);
  requireBytes(prefix.length, 12, "the version", file);
  const major = view.getUint16(8, true);
  const minor = view.getUint16(10, true);
  if (major !== DATA_MAJOR) {
    throw new SavepointDataError("UNSUPPORTED_VERSION",
      `data file format ${major}.${minor} is not supported; this reader reads ${DATA_MAJOR}.x`, { file, offset: 8 });
  }
  requireBytes(prefix.length, 16, "the required features", file);
  const features = view.getUint32(12, true);
  if (features !== 0) {
    throw new SavepointDataError("UNKNOWN_REQUIRED_FEATURE",
      `required_features 0x${features.toString(16)} has bits this reader does not know (1.0 defines none)`, { file, offset: 12 });
  }
  requireBytes(prefix.length, HEADER_FIXED_BYTES, "the key-group range and meta length", file);
  const keyGroups = { start: view.getUint32(16, true), count: view.getUint32(20, true) };
  checkRange(keyGroups, file);
  const metaLength = view.getUint32(24, true);
  if (metaLength > DATA_FORMAT_LIMITS.maxMetaBytes) {
    throw new SavepointDataError("LIMIT_EXCEEDED",
      `meta_length ${metaLength} is over the limit of ${DATA_FORMAT_LIMITS.maxMetaBytes} bytes`, { file, offset: 24 });
  }
  requireBytes(fileSize, headerLength(metaLength), `the header (meta_length ${metaLength})`, file);
  return { major, minor, keyGroups, metaLength };
}

function checkMagic(prefix: Uint8Array, file: string): void {
  const n = Math.min(prefix.length, DATA_MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (prefix[i] !== DATA_MAGIC[i]) {
      throw new SavepointDataError("BAD_MAGIC",
        `not a KSNAP savepoint data file: byte ${i} is 0x${hex2(prefix[i]!)}, the magic has 0x${hex2(DATA_MAGIC[i]!)}`,
        { file, offset: i });
    }
  }
  requireBytes(prefix.length, DATA_MAGIC.length, "the magic", file);
}

function checkRange(range: KeyGroupRange, file: string): void {
  const max = DATA_FORMAT_LIMITS.maxKeyGroups;
  if (range.count > max || range.start + range.count > max) {
    throw new SavepointDataError("INVALID_FIELD",
      `key-group range start ${range.start}, count ${range.count} reaches past ${max} key groups`, { file, offset: 16 });
  }
}

/** TRUNCATED unless `have` ≥ `need`. */
export function requireBytes(have: number, need: number, what: string, file: string): void {
  if (have < need) {
    throw new SavepointDataError("TRUNCATED", `the file ends at byte ${have}, before the end of ${what} at byte ${need}`,
      { file, offset: have });
  }
}

/** Step 6: the header checksum over `header` (all header bytes, checksum included). */
export function verifyHeaderChecksum(header: Uint8Array, file: string): void {
  const checked = header.length - HEADER_CHECKSUM_BYTES;
  const stored = new DataView(header.buffer, header.byteOffset + checked, 8).getBigUint64(0, true);
  const computed = xxh64(header.subarray(0, checked));
  if (stored !== computed) {
    throw new SavepointDataError("CHECKSUM_MISMATCH",
      `header_xxh64 is ${hashToHex(stored)}, but the header hashes to ${hashToHex(computed)}`, { file, offset: checked });
  }
}

/** Step 7: decodes and checks the state descriptors. `base` is meta's offset in the file, for error offsets. */
export function decodeMeta(meta: Uint8Array, file: string, base = HEADER_FIXED_BYTES): StateDescriptor[] {
  const cursor = new MetaCursor(meta, file, base);
  const count = cursor.varint("state_count");
  if (count > DATA_FORMAT_LIMITS.maxStates) {
    throw new SavepointDataError("INVALID_FIELD", `state_count ${count} is over the limit of ${DATA_FORMAT_LIMITS.maxStates}`,
      { file, offset: base });
  }
  const states: StateDescriptor[] = [];
  let previousName: Uint8Array | undefined;
  for (let i = 0; i < count; i++) {
    const at = base + cursor.position;
    const name = cursor.bytes(`states[${i}].name`);
    if (name.length === 0) throw new SavepointDataError("INVALID_FIELD", `states[${i}] has an empty name`, { file, offset: at });
    if (previousName !== undefined && Buffer.compare(previousName, name) >= 0) {
      throw new SavepointDataError("MALFORMED_BODY",
        `states[${i}] "${cursor.text(name)}" is not after states[${i - 1}] "${cursor.text(previousName)}" in bytewise order (names are sorted and unique)`,
        { file, offset: at });
    }
    previousName = name;
    states.push(cursor.descriptor(cursor.text(name), i));
  }
  if (cursor.position !== meta.length) {
    throw new SavepointDataError("MALFORMED_BODY",
      `meta has ${meta.length - cursor.position} bytes after its last descriptor`, { file, offset: base + cursor.position });
  }
  return states;
}

/** Reads meta's fields in order, with offsets for errors. */
class MetaCursor {
  position = 0;

  constructor(private readonly meta: Uint8Array, private readonly file: string, private readonly base: number) {}

  varint(what: string): number {
    try {
      const { value, next } = readVarint(this.meta, this.position);
      this.position = next;
      return value;
    } catch (e) {
      throw this.malformed(`${what}: ${(e as Error).message}`);
    }
  }

  bytes(what: string): Uint8Array {
    const at = this.position;
    const length = this.varint(`${what} length`);
    if (length > DATA_FORMAT_LIMITS.maxStringBytes) {
      throw new SavepointDataError("INVALID_FIELD", `${what} is ${length} bytes, over the limit of ${DATA_FORMAT_LIMITS.maxStringBytes}`,
        { file: this.file, offset: this.base + at });
    }
    if (length > this.meta.length - this.position) throw this.malformed(`${what} runs past the end of meta`);
    const out = this.meta.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }

  text(bytes: Uint8Array): string {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      throw this.malformed("a string is not valid UTF-8");
    }
  }

  descriptor(name: string, i: number): StateDescriptor {
    const kindAt = this.position;
    if (this.position >= this.meta.length) throw this.malformed(`states[${i}].kind runs past the end of meta`);
    const kind = kindOf(this.meta[this.position++]!);
    if (kind === undefined) {
      throw new SavepointDataError("INVALID_FIELD", `states[${i}] "${name}" has unknown kind ${this.meta[kindAt]} (1 value, 2 list, 3 map)`,
        { file: this.file, offset: this.base + kindAt });
    }
    const keySerializer = this.text(this.bytes(`states[${i}].keySerializer`));
    const namespaceSerializer = this.text(this.bytes(`states[${i}].namespaceSerializer`));
    const valueSerializer = this.text(this.bytes(`states[${i}].valueSerializer`));
    const userKeyAt = this.position;
    const userKeySerializer = this.text(this.bytes(`states[${i}].userKeySerializer`));
    if (kind !== "map" && userKeySerializer !== "") {
      throw new SavepointDataError("INVALID_FIELD", `states[${i}] "${name}" is ${kind} state but has a user-key serializer`,
        { file: this.file, offset: this.base + userKeyAt });
    }
    return { name, kind, keySerializer, namespaceSerializer, valueSerializer, userKeySerializer };
  }

  private malformed(detail: string): SavepointDataError {
    return new SavepointDataError("MALFORMED_BODY", `meta: ${detail}`, { file: this.file, offset: this.base + this.position });
  }
}

function kindOf(code: number): StateKind | undefined {
  for (const [kind, value] of Object.entries(STATE_KIND_CODES)) if (value === code) return kind as StateKind;
  return undefined;
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
