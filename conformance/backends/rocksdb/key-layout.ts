/**
 * How entries are laid out in a subtask's RocksDB instance (README.md, "Key
 * layout"). A key is the key group, big-endian, as Flink's RocksDB backend
 * prefixes it (1 byte when max parallelism is at most 128, else 2), then the
 * state name, key, namespace and, for map state, user key, each escaped
 * (0x00 becomes 0x00 0xff) and ended by 0x00 0x01. The escaping keeps bytewise
 * order field by field, a proper prefix first, so RocksDB's own order is the
 * canonical entry order ([spec](../../../spec/savepoint-data.md#entries)) and a
 * key-group range is a key range. A list's value is its elements, each a
 * 4-byte big-endian length and the bytes, as the merge operator concatenates them.
 */
import { KsnapError } from "../../../src/index.js";

/** One entry's key, bytes as lowercase hex (as the protocol and the reference backend write them). */
export interface RocksKey {
  keyGroup: number;
  state: string;
  key: string;
  namespace: string;
  /** Map state only. */
  userKey?: string;
}

/** Bytes of the key-group prefix for a job with `maxParallelism` key groups. */
export function prefixBytes(maxParallelism: number): 1 | 2 {
  return maxParallelism <= 128 ? 1 : 2;
}

/** The key-group prefix of `keyGroup`: where its keys start (and where those of `keyGroup - 1` end). */
export function keyGroupPrefix(keyGroup: number, maxParallelism: number): Buffer {
  return prefixBytes(maxParallelism) === 1 ? Buffer.from([keyGroup]) : Buffer.from([keyGroup >> 8, keyGroup & 0xff]);
}

/** A bound above every key of the job: key groups are below 32768, so the first byte is at most 0x7f. */
export const ABOVE_ALL_KEYS = Buffer.from([0xff]);

/** The RocksDB key of an entry. */
export function encodeKey(k: RocksKey, maxParallelism: number): Buffer {
  return encodeKeyBytes(k.keyGroup, k.state, Buffer.from(k.key, "hex"), Buffer.from(k.namespace, "hex"),
    k.userKey === undefined ? undefined : Buffer.from(k.userKey, "hex"), maxParallelism);
}

/** The RocksDB key of an entry given as bytes (a restore's entries); `userKey` for map state only. */
export function encodeKeyBytes(keyGroup: number, state: string, key: Uint8Array, namespace: Uint8Array, userKey: Uint8Array | undefined,
  maxParallelism: number): Buffer {
  const parts = [keyGroupPrefix(keyGroup, maxParallelism), escape(Buffer.from(state, "utf8")), escape(key), escape(namespace)];
  if (userKey !== undefined) parts.push(escape(userKey));
  return Buffer.concat(parts);
}

/** An entry key with its byte fields as bytes. */
export interface RocksKeyBytes {
  keyGroup: number;
  state: string;
  key: Buffer;
  namespace: Buffer;
  /** Map state only. */
  userKey?: Buffer;
}

/** The entry key a RocksDB key holds; MALFORMED_BODY when it is not one this layout writes. */
export function decodeKey(bytes: Buffer, maxParallelism: number, isMap: (state: string) => boolean): RocksKey {
  const b = decodeKeyBytes(bytes, maxParallelism, isMap);
  const k: RocksKey = { keyGroup: b.keyGroup, state: b.state, key: b.key.toString("hex"), namespace: b.namespace.toString("hex") };
  if (b.userKey !== undefined) k.userKey = b.userKey.toString("hex");
  return k;
}

/** {@link decodeKey} with the byte fields as bytes (a savepoint's entries). */
export function decodeKeyBytes(bytes: Buffer, maxParallelism: number, isMap: (state: string) => boolean): RocksKeyBytes {
  const n = prefixBytes(maxParallelism);
  if (bytes.length < n) throw malformed("a key shorter than its key-group prefix");
  const keyGroup = n === 1 ? bytes[0]! : bytes.readUInt16BE(0);
  const fields: Buffer[] = [];
  let at: number = n;
  while (at < bytes.length) {
    const [field, next] = unescape(bytes, at);
    fields.push(field);
    at = next;
  }
  const state = fields[0]?.toString("utf8");
  if (state === undefined) throw malformed("a key without a state name");
  const want = isMap(state) ? 5 : 4;
  if (fields.length + 1 !== want) throw malformed(`a key of state "${state}" with ${fields.length} fields`);
  const k: RocksKeyBytes = { keyGroup, state, key: fields[1]!, namespace: fields[2]! };
  if (want === 5) k.userKey = fields[3]!;
  return k;
}

/** One list element (bytes as hex) as a merge operand, and as a part of a list value. */
export function listElement(valueHex: string): Buffer {
  return listElementBytes(Buffer.from(valueHex, "hex"));
}

/** {@link listElement} of bytes. */
export function listElementBytes(value: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + value.length);
  out.writeUInt32BE(value.length);
  out.set(value, 4);
  return out;
}

/** The elements of a list value, in the order they were added. */
export function listElements(value: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < value.length) {
    if (at + 4 > value.length) throw malformed("a list value cut inside an element's length");
    const len = value.readUInt32BE(at);
    if (at + 4 + len > value.length) throw malformed("a list value cut inside an element");
    out.push(value.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

const END = Buffer.from([0, 1]);

function escape(field: Uint8Array): Buffer {
  if (field.indexOf(0) < 0) return Buffer.concat([field, END]);
  const out: number[] = [];
  for (const b of field) {
    out.push(b);
    if (b === 0) out.push(0xff);
  }
  out.push(0, 1);
  return Buffer.from(out);
}

function unescape(bytes: Buffer, start: number): [Buffer, number] {
  // Most fields hold no 0x00 byte: the first one is then their end marker, and the field is a slice.
  const zero = bytes.indexOf(0, start);
  if (zero >= 0 && bytes[zero + 1] === 1) return [bytes.subarray(start, zero), zero + 2];
  const out: number[] = [];
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0) {
      out.push(b);
      continue;
    }
    const next = bytes[i + 1];
    if (next === 1) return [Buffer.from(out), i + 2];
    if (next !== 0xff) throw malformed("a key with a bad escape");
    out.push(0);
    i++;
  }
  throw malformed("a key field without its end marker");
}

function malformed(what: string): KsnapError {
  return new KsnapError("MALFORMED_BODY", `the RocksDB instance holds ${what}: not a key of this backend's layout`);
}
