/**
 * Builds protobuf bytes field by field with protobufjs's Writer, independently
 * of ksnap's encoder, so vectors can hold encodings our encoder never writes.
 */
import protobuf from "protobufjs/minimal.js";

/** One field: number, wire form, value. `raw` appends bytes as they are (a tag included). */
export type RawField =
  | [number, "varint", number | bigint]
  | [number, "fixed64", bigint]
  | [number, "fixed32", number]
  | [number, "bytes", string | Uint8Array]
  | [number, "msg", RawField[]]
  | [number, "group", RawField[]]
  | ["raw", Uint8Array];

/** Encodes `fields` in the order given. */
export function raw(fields: RawField[]): Uint8Array {
  return concat(...fields.map(encodeField));
}

function encodeField(f: RawField): Uint8Array {
  if (f[0] === "raw") return f[1];
  const w = protobuf.Writer.create();
  const [n, kind, v] = f;
  if (kind === "varint") w.uint32((n << 3) | 0).uint64(String(v) as unknown as number);
  else if (kind === "fixed64") w.uint32((n << 3) | 1).fixed64(String(v) as unknown as number);
  else if (kind === "fixed32") w.uint32((n << 3) | 5).fixed32(v);
  else if (kind === "bytes") w.uint32((n << 3) | 2).bytes(typeof v === "string" ? Buffer.from(v, "utf8") : v);
  else if (kind === "msg") w.uint32((n << 3) | 2).bytes(raw(v));
  // A group (wire types 3 and 4, deprecated but valid) has no length: its fields sit between start and end tags.
  else return concat(w.uint32((n << 3) | 3).finish(), raw(v), protobuf.Writer.create().uint32((n << 3) | 4).finish());
  return w.finish();
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** The payload of a packed repeated varint field: the values' varints, back to back. */
export function packedVarints(values: readonly (number | bigint)[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const v of values) w.uint64(String(v) as unknown as number);
  return w.finish();
}
