/**
 * Field writers of the canonical body ([spec](../../spec/format-v1.md#canonical-encoding)): each checks its value
 * (INVALID_FIELD or MISSING_FIELD naming the field) and omits the proto3 default. Nothing here knows a message.
 */
import { KsnapError, withContext } from "../errors.js";
import type { KeyGroupRange } from "../model.js";
import { sortedPositions } from "./canonical-order.js";
import type { WireWriter as Writer } from "./wire-writer.js";

export const VARINT = 0, I64 = 1, LEN = 2;
export const U64_MAX = (1n << 64n) - 1n;

/** INVALID_FIELD at `field`. */
export function invalid(field: string, message: string): KsnapError {
  return new KsnapError("INVALID_FIELD", message, { field });
}

/** MISSING_FIELD unless `ok`, naming the version (1.`since`) that requires the field. */
export function required(ok: boolean, field: string, what: string, since: 0 | 1 = 0): void {
  if (!ok) throw new KsnapError("MISSING_FIELD", `${what} is required in format 1.${since} and is absent or zero`, { field });
}

/** True for a value that is there: an optional model property is absent when undefined (or null, from careless callers). */
export function present<T>(v: T | undefined | null): v is T {
  return v !== undefined && v !== null;
}

/** Runs `write`; an error it throws gets `name` prepended to its field path (a handle's variant, a stream's target). */
export function inContext(name: string, write: () => void): void {
  try {
    write();
  } catch (e) {
    withContext(e, name);
  }
}

/** Writes a tag. */
export function tag(w: Writer, field: number, wireType: number): Writer {
  w.varint32((field << 3) | wireType);
  return w;
}

/** A uint32 field, omitted when 0. */
export function u32(w: Writer, field: number, v: number, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(name, `${name} ${v} is not an integer in [0, 2^32)`);
  if (v !== 0) tag(w, field, VARINT).varint32(v);
}

/** An int32 field, omitted when 0; a negative value is a 10-byte varint, as protobuf writes it. */
export function i32(w: Writer, field: number, v: number, name: string): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw invalid(name, `${name} ${v} is not an integer in [-2^31, 2^31)`);
  if (v !== 0) tag(w, field, VARINT).varint64(BigInt.asUintN(64, BigInt(v)));
}

/** A uint64 field, omitted when 0. */
export function u64(w: Writer, field: number, v: bigint, name: string): void {
  if (v !== 0n) writeU64(tag(w, field, VARINT), v, name);
}

/** A uint64 varint without a tag (a packed element). */
export function writeU64(w: Writer, v: bigint, name: string): void {
  checkU64(v, name);
  w.varint64(v);
}

function checkU64(v: bigint, name: string): void {
  if (typeof v !== "bigint" || v < 0n || v > U64_MAX) throw invalid(name, `${name} ${String(v)} is not a bigint in [0, 2^64)`);
}

/** A fixed64 field, omitted when 0. */
export function fixed64(w: Writer, field: number, v: bigint, name: string): void {
  checkU64(v, name);
  if (v !== 0n) tag(w, field, I64).fixed64(v);
}

/** A string field of at most `maxBytes` of UTF-8, omitted when "". */
export function str(w: Writer, field: number, v: string, maxBytes: number, name: string): void {
  if (typeof v !== "string") throw invalid(name, `${name} is not a string`);
  if (v === "") return;
  const bytes = tag(w, field, LEN).string(v);
  if (bytes < 0) throw invalid(name, `${name} contains a lone UTF-16 surrogate and has no UTF-8 form`);
  if (bytes > maxBytes) throw invalid(name, `${name} is ${bytes} bytes of UTF-8; at most ${maxBytes} are allowed`);
}

/** An optional string field: absent is "". */
export function optionalStr(w: Writer, field: number, v: string | undefined, maxBytes: number, name: string): void {
  if (present(v)) str(w, field, v, maxBytes, name);
}

/** A bytes field of at most `maxBytes`, omitted when empty. */
export function bytes(w: Writer, field: number, v: Uint8Array, maxBytes: number, name: string): void {
  if (!(v instanceof Uint8Array)) throw invalid(name, `${name} is not bytes (a Uint8Array)`);
  if (v.length > maxBytes) throw invalid(name, `${name} is ${v.length} bytes; at most ${maxBytes} are allowed`);
  if (v.length === 0) return;
  tag(w, field, LEN).varint32(v.length);
  const at = w.reserve(v.length);
  w.bytes(at, at + v.length).set(v);
}

/** A bool field, omitted when false. */
export function bool(w: Writer, field: number, v: boolean | undefined): void {
  if (v === true) tag(w, field, VARINT).varint32(1);
}

/** An enum field: `v` must be one of `table`'s names (the caller checks presence where the field is required). */
export function enumField<T extends string>(w: Writer, field: number, table: Readonly<Record<T, number>>, v: T, name: string): void {
  const n = Object.hasOwn(table, v) ? table[v] : undefined;
  if (n === undefined) throw invalid(name, `${name} "${String(v)}" is not one of ${Object.keys(table).join(", ")}`);
  tag(w, field, VARINT).varint32(n);
}

/** A message field: always written once set, even when empty. `reserve`: length-prefix bytes to reserve. */
export function message(w: Writer, field: number, write: () => void, reserve = 1): void {
  const mark = tag(w, field, LEN).begin(reserve);
  write();
  w.end(mark, reserve);
}

/** Writes `items` in `compare` order; an error names the item by its index in `items`, as the caller gave them. */
export function list<T>(items: readonly T[], compare: (a: T, b: T) => number, name: string, write: (item: T) => void): void {
  if (!Array.isArray(items)) throw invalid(name, `${name} is not a list`);
  const order = sortedPositions(items, compare);
  for (let k = 0; k < items.length; k++) {
    const i = order === undefined ? k : order[k]!;
    try {
      write(items[i]!);
    } catch (e) {
      withContext(e, `${name}[${i}]`);
    }
  }
}

/** A list that is optional in the model: absent is empty. */
export function optionalList<T>(items: readonly T[] | undefined, compare: (a: T, b: T) => number, name: string, write: (item: T) => void): void {
  if (present(items)) list(items, compare, name, write);
}

/** A required KeyGroupRange field. */
export function writeKeyGroups(w: Writer, field: number, kg: KeyGroupRange, since: 0 | 1 = 0): void {
  required(present(kg), "keyGroups", "key_groups", since);
  message(w, field, () => {
    u32(w, 1, kg.start, "keyGroups.start");
    u32(w, 2, kg.count, "keyGroups.count");
  });
}

/** A packed list of uint64 offsets, at most `limit` of them, omitted when empty. */
export function packedOffsets(w: Writer, field: number, offsets: readonly bigint[], limit: number): void {
  if (!Array.isArray(offsets)) throw invalid("offsets", "offsets is not a list");
  if (offsets.length > limit) throw invalid("offsets", `${offsets.length} offsets exceed ${limit}`);
  if (offsets.length > 0) message(w, field, () => offsets.forEach((o, i) => writeU64(w, o, `offsets[${i}]`)));
}
