/**
 * A small reader of the Java Object Serialization Stream Protocol (no JVM), enough for Flink's CheckpointProperties:
 * objects, class descriptors, enums, strings, back-references and null. Only the classes a caller names are
 * accepted; everything else (proxies, arrays, long strings, block data, custom `writeObject` data,
 * externalizables, class annotations) is refused with a typed error, and the number of objects and their depth
 * are bounded ([spec](../../spec/flink.md#reading-_metadata-errors-and-limits)).
 */
import { KsnapError } from "../errors.js";
import type { DataInput } from "./data-input.js";

/** A value of a field or the stream's content. */
export type JavaValue = null | boolean | number | bigint | string | JavaObject | JavaEnum;

/** An object: its class name and its fields by name (superclass fields included). */
export interface JavaObject {
  kind: "object";
  className: string;
  fields: Map<string, JavaValue>;
}

/** An enum constant. */
export interface JavaEnum {
  kind: "enum";
  className: string;
  constant: string;
}

interface ClassDesc {
  name: string;
  flags: number;
  fields: { type: string; name: string }[];
  superDesc: ClassDesc | null;
}

const STREAM_MAGIC = 0xaced;
const STREAM_VERSION = 5;
const TC_NULL = 0x70;
const TC_REFERENCE = 0x71;
const TC_CLASSDESC = 0x72;
const TC_OBJECT = 0x73;
const TC_STRING = 0x74;
const TC_ENDBLOCKDATA = 0x78;
const TC_ENUM = 0x7e;
const BASE_HANDLE = 0x7e0000;
const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;
const SC_EXTERNALIZABLE = 0x04;
const SC_ENUM = 0x10;

const KNOWN_CODES: Record<number, string> = {
  0x70: "TC_NULL", 0x71: "TC_REFERENCE", 0x72: "TC_CLASSDESC", 0x73: "TC_OBJECT", 0x74: "TC_STRING",
  0x75: "TC_ARRAY", 0x76: "TC_CLASS", 0x77: "TC_BLOCKDATA", 0x78: "TC_ENDBLOCKDATA", 0x79: "TC_RESET",
  0x7a: "TC_BLOCKDATALONG", 0x7b: "TC_EXCEPTION", 0x7c: "TC_LONGSTRING", 0x7d: "TC_PROXYCLASSDESC", 0x7e: "TC_ENUM",
};

/**
 * Reads one Java serialization stream (header `ac ed 00 05` and one object) from `r`, accepting only classes in
 * `allowedClasses`; `what` names the stream in errors.
 */
export function readJavaStream(r: DataInput, allowedClasses: ReadonlySet<string>, what: string): JavaValue {
  const at = r.pos;
  const magic = r.u16(`${what} stream magic`);
  const version = r.u16(`${what} stream version`);
  if (magic !== STREAM_MAGIC || version !== STREAM_VERSION) {
    throw new KsnapError("MALFORMED_BODY",
      `${what}: Java serialization header ${hex(magic, 4)} ${hex(version, 4)}, expected aced 0005`, { offset: at });
  }
  return new JavaStreamReader(r, allowedClasses, what).content(0);
}

class JavaStreamReader {
  private readonly handles: unknown[] = [];

  constructor(private readonly r: DataInput, private readonly allowed: ReadonlySet<string>, private readonly what: string) {}

  content(depth: number): JavaValue {
    const r = this.r;
    if (depth > r.limits.maxJavaDepth) {
      throw new KsnapError("LIMIT_EXCEEDED", `${this.what}: objects nested deeper than ${r.limits.maxJavaDepth}`, { offset: r.pos });
    }
    const at = r.pos;
    const tc = r.u8(`${this.what} type code`);
    switch (tc) {
      case TC_NULL: return null;
      case TC_REFERENCE: return this.reference(at, ["object", "string", "enum"]) as JavaValue;
      case TC_STRING: return this.newHandle(r.utf(`${this.what} string`));
      case TC_OBJECT: return this.object(depth);
      case TC_ENUM: return this.enumConstant(depth);
      default: throw this.unexpected(tc, at, "an object, string, enum, reference or null");
    }
  }

  private object(depth: number): JavaObject {
    const desc = this.classDesc(true);
    if (desc === null) throw this.malformed("an object without a class descriptor", this.r.pos);
    const obj: JavaObject = { kind: "object", className: desc.name, fields: new Map() };
    this.newHandle(obj);
    const chain: ClassDesc[] = [];
    for (let d: ClassDesc | null = desc; d !== null; d = d.superDesc) {
      // A back-reference can make a class its own superclass: refuse the cycle instead of walking it forever.
      if (chain.includes(d)) throw this.malformed(`class ${d.name} is its own superclass`, this.r.pos);
      chain.unshift(d);
    }
    for (const d of chain) {
      if ((d.flags & (SC_WRITE_METHOD | SC_EXTERNALIZABLE | SC_ENUM)) !== 0 || (d.flags & SC_SERIALIZABLE) === 0) {
        throw this.malformed(`class ${d.name} has flags 0x${hex(d.flags, 2)}: only plain Serializable classes are read`, this.r.pos);
      }
      for (const f of d.fields) obj.fields.set(f.name, this.fieldValue(f.type, f.name, depth));
    }
    return obj;
  }

  private fieldValue(type: string, name: string, depth: number): JavaValue {
    const r = this.r;
    const w = `${this.what} field ${name}`;
    switch (type) {
      case "Z": return r.bool(w);
      case "B": { const b = r.u8(w); return b > 127 ? b - 256 : b; }
      case "C": case "S": { const v = r.u16(w); return type === "S" && v > 32767 ? v - 65536 : v; }
      case "I": return r.i32(w);
      case "J": return r.i64(w);
      case "F": return r.f32(w);
      case "D": return r.f64(w);
      default: return this.content(depth + 1);
    }
  }

  private enumConstant(depth: number): JavaEnum {
    const desc = this.classDesc(true);
    if (desc === null || (desc.flags & SC_ENUM) === 0) throw this.malformed("an enum whose class is not an enum", this.r.pos);
    const e: JavaEnum = { kind: "enum", className: desc.name, constant: "" };
    this.newHandle(e);
    const at = this.r.pos;
    const name = this.content(depth + 1);
    if (typeof name !== "string") throw this.malformed(`enum ${desc.name}: the constant's name is not a string`, at);
    e.constant = name;
    return e;
  }

  /** A class descriptor, a reference to one, or (when `nullable`) null. */
  private classDesc(nullable: boolean): ClassDesc | null {
    const r = this.r;
    const at = r.pos;
    const tc = r.u8(`${this.what} class descriptor`);
    if (tc === TC_NULL && nullable) return null;
    if (tc === TC_REFERENCE) return this.reference(at, ["class descriptor"]) as ClassDesc;
    if (tc !== TC_CLASSDESC) throw this.unexpected(tc, at, "a class descriptor");
    const nameAt = r.pos;
    const name = r.utf(`${this.what} class name`);
    if (!this.allowed.has(name)) {
      throw this.malformed(`Java class ${JSON.stringify(name)} is not one of CheckpointProperties' classes`, nameAt);
    }
    r.i64(`${this.what} serialVersionUID of ${name}`);
    const desc: ClassDesc = { name, flags: 0, fields: [], superDesc: null };
    this.newHandle(desc);
    desc.flags = r.u8(`${this.what} flags of ${name}`);
    const n = r.u16(`${this.what} field count of ${name}`);
    if (n * 3 > r.remaining) throw new KsnapError("TRUNCATED", `${this.what}: ${n} fields of ${name} cannot fit`, { offset: r.pos });
    for (let i = 0; i < n; i++) {
      const typeAt = r.pos;
      const type = String.fromCharCode(r.u8(`${this.what} field type`));
      const fieldName = r.utf(`${this.what} field name`);
      if (type === "L") {
        const sigAt = r.pos;
        const sig = this.content(0);
        if (typeof sig !== "string") throw this.malformed(`field ${fieldName}: its class name is not a string`, sigAt);
      } else if (!"BCDFIJSZ".includes(type)) {
        throw this.malformed(`field ${fieldName} of type ${JSON.stringify(type)}: only primitives and objects are read`, typeAt);
      }
      desc.fields.push({ type, name: fieldName });
    }
    const endAt = r.pos;
    const end = r.u8(`${this.what} end of class annotation`);
    if (end !== TC_ENDBLOCKDATA) throw this.unexpected(end, endAt, "TC_ENDBLOCKDATA (class annotations are not read)");
    desc.superDesc = this.classDesc(true);
    return desc;
  }

  private newHandle<T>(value: T): T {
    if (this.handles.length >= this.r.limits.maxJavaObjects) {
      throw new KsnapError("LIMIT_EXCEEDED", `${this.what}: more than ${this.r.limits.maxJavaObjects} Java objects`, { offset: this.r.pos });
    }
    this.handles.push(value);
    return value;
  }

  private reference(at: number, kinds: string[]): unknown {
    const h = this.r.i32(`${this.what} reference`) - BASE_HANDLE;
    const target = this.handles[h];
    if (h < 0 || target === undefined) throw this.malformed(`reference to handle 0x${hex(h + BASE_HANDLE, 6)}, which does not exist`, at);
    const kind = typeof target === "string" ? "string"
      : (target as { kind?: string }).kind === "object" ? "object"
      : (target as { kind?: string }).kind === "enum" ? "enum" : "class descriptor";
    if (!kinds.includes(kind)) throw this.malformed(`reference to a ${kind} where ${kinds.join(" or ")} is expected`, at);
    return target;
  }

  private unexpected(tc: number, at: number, expected: string): KsnapError {
    const name = KNOWN_CODES[tc] ?? "no type code";
    return this.malformed(`type code 0x${hex(tc, 2)} (${name}), expected ${expected}`, at);
  }

  private malformed(message: string, at: number): KsnapError {
    return new KsnapError("MALFORMED_BODY", `${this.what}: ${message}`, { offset: at });
  }
}

function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, "0");
}
