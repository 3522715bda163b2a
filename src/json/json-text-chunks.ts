/**
 * JSON text written as it is produced: the same characters as `JSON.stringify(value, null, 2)`, in chunks of about
 * {@link CHUNK_CHARS}, so that a large document (the JSON form of a 1,000,000-ref checkpoint is ~250 MB) never exists
 * as one string ([spec](../../spec/format-v1.md#json-form)). Lists may be {@link MappedList}s, converted one item
 * at a time while they are written: then not even the document's objects exist all at once.
 */

/** About how many characters each chunk holds (the last may be shorter). */
export const CHUNK_CHARS = 1 << 16;

/**
 * A list whose items are `convert(source[i])`, made only when written: what {@link jsonTextChunks} writes as an array.
 * It stands for `B[]` in the typed JSON form ({@link mappedList}), and is nothing else than a writer's input.
 */
export class MappedList<A, B> {
  constructor(readonly source: readonly A[], readonly convert: (a: A) => B) {}
}

/** `source` converted item by item when written, typed as the array it prints as. */
export function mappedList<A, B>(source: readonly A[], convert: (a: A) => B): B[] {
  return new MappedList(source, convert) as unknown as B[];
}

/** Newline and indentation for each depth, made once. */
const indents: string[] = ["\n"];
function newline(depth: number): string {
  while (indents.length <= depth) indents.push(`${indents[indents.length - 1]!}  `);
  return indents[depth]!;
}

/** `,\n    ` by depth: what goes before an array's second and later items. */
const itemPrefixes: string[] = [];
function itemPrefix(depth: number): string {
  return itemPrefixes[depth] ??= `,${newline(depth)}`;
}

/** `,\n    "key": ` by depth and key, made once: a million file refs repeat the same few. */
const memberPrefixes: Map<string, string>[] = [];
function memberPrefix(depth: number, key: string, comma: boolean): string {
  const byKey = memberPrefixes[depth] ??= new Map();
  const cacheKey = comma ? key : `\0${key}`;
  let prefix = byKey.get(cacheKey);
  if (prefix === undefined) {
    prefix = `${comma ? "," : ""}${newline(depth)}${JSON.stringify(key)}: `;
    // Keys of maps (properties) are data, not a schema's few names: only so many are kept.
    if (byKey.size < 1024) byKey.set(cacheKey, prefix);
  }
  return prefix;
}

/** A character JSON.stringify escapes: a quote, a backslash, a control character, or a surrogate (escaped when lone). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** How `JSON.stringify` would print a primitive or a value it skips (undefined: skipped in objects, null in arrays). */
function primitive(v: unknown): string | undefined {
  switch (typeof v) {
    // Most strings (ids, paths, decimal 64-bit values) need no escape: quoting them by concatenation is a rope,
    // copied once when the chunk is written, where JSON.stringify would copy each.
    case "string": return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
    case "number": return Number.isFinite(v) ? String(v) : "null";
    case "boolean": return v ? "true" : "false";
    case "undefined": case "function": case "symbol": return undefined;
    case "bigint": return JSON.stringify(v); // throws the TypeError JSON.stringify throws
    default: return v === null ? "null" : undefined;
  }
}

/**
 * {@link jsonTextChunks} of `value` and a newline, the newline in the last chunk: a small document is one write.
 */
export function* jsonTextLineChunks(value: unknown): Generator<string, void, undefined> {
  let previous: string | undefined;
  for (const chunk of jsonTextChunks(value)) {
    if (previous !== undefined) yield previous;
    previous = chunk;
  }
  yield `${previous ?? ""}\n`;
}

/**
 * The text of `JSON.stringify(value, null, 2)` in chunks; with a {@link MappedList} anywhere, its items printed as an
 * array's. `toJSON` methods are honoured as JSON.stringify honours them.
 */
export function* jsonTextChunks(value: unknown): Generator<string, void, undefined> {
  let buffer = "";
  // An explicit stack of open containers rather than recursion: one generator, no yield* per level.
  type Frame = { items: readonly unknown[]; convert: ((x: unknown) => unknown) | undefined; keys: string[] | undefined; object: Record<string, unknown> | undefined; next: number; wrote: boolean };
  const stack: Frame[] = [];

  /** Appends `v` (the value of `key`) or opens it; false when it is skipped (an object member that prints nothing). */
  const put = (key: string | number, v: unknown, prefix: string): boolean => {
    if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") v = (v as { toJSON(k: string): unknown }).toJSON(String(key));
    if (v === null || typeof v !== "object") {
      const text = primitive(v);
      if (text === undefined) return false;
      buffer += prefix + text;
      return true;
    }
    if (v instanceof MappedList) {
      buffer += prefix;
      if (v.source.length === 0) buffer += "[]";
      else { buffer += "["; stack.push({ items: v.source, convert: v.convert as (x: unknown) => unknown, keys: undefined, object: undefined, next: 0, wrote: false }); }
      return true;
    }
    if (Array.isArray(v)) {
      buffer += prefix;
      if (v.length === 0) buffer += "[]";
      else { buffer += "["; stack.push({ items: v, convert: undefined, keys: undefined, object: undefined, next: 0, wrote: false }); }
      return true;
    }
    buffer += prefix;
    buffer += "{";
    stack.push({ items: [], convert: undefined, keys: Object.keys(v), object: v as Record<string, unknown>, next: 0, wrote: false });
    return true;
  };

  if (!put("", value, "")) return;
  while (stack.length > 0) {
    if (buffer.length >= CHUNK_CHARS) { yield buffer; buffer = ""; }
    const top = stack[stack.length - 1]!;
    const depth = stack.length;
    if (top.keys === undefined) {
      if (top.next < top.items.length) {
        const i = top.next++;
        const item = top.convert === undefined ? top.items[i] : top.convert(top.items[i]);
        const prefix = i === 0 ? newline(depth) : itemPrefix(depth);
        if (!put(i, item, prefix)) buffer += `${prefix}null`;
        continue;
      }
      buffer += `${newline(depth - 1)}]`;
    } else {
      if (top.next < top.keys.length) {
        const key = top.keys[top.next++]!;
        if (put(key, top.object![key], memberPrefix(depth, key, top.wrote))) top.wrote = true;
        continue;
      }
      buffer += top.wrote ? `${newline(depth - 1)}}` : "}";
    }
    stack.pop();
  }
  if (buffer.length > 0) yield buffer;
}
