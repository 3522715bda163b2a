/**
 * Reading a request's parameters with typed errors: a missing or mistyped
 * parameter is a BAD_REQUEST naming it, never a TypeError deep in the backend.
 */
import { isAbsolute } from "node:path";
import { AdapterError } from "./adapter-error.js";

/** A request or a nested object of one. */
export type Fields = Record<string, unknown>;

/** `value` as an object; BAD_REQUEST otherwise. */
export function asObject(value: unknown, name: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad(name, "an object");
  return value as Fields;
}

/** Parameter `name` as a string (non-empty unless `allowEmpty`). */
export function str(f: Fields, name: string, allowEmpty = false): string {
  const v = f[name];
  if (typeof v !== "string" || (!allowEmpty && v === "")) throw bad(name, allowEmpty ? "a string" : "a non-empty string");
  return v;
}

/** Parameter `name` as an integer in `min..max`. */
export function int(f: Fields, name: string, min: number, max: number): number {
  const v = f[name];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw bad(name, `an integer in ${min}..${max}`);
  return v;
}

/** Parameter `name` as a positive u64 given as a decimal string (checkpoint and savepoint ids). */
export function u64(f: Fields, name: string): bigint {
  const v = f[name];
  if (typeof v !== "string" || !/^[1-9][0-9]{0,19}$/.test(v) || BigInt(v) >= 1n << 64n) {
    throw bad(name, "a decimal string of a 64-bit id, at least 1");
  }
  return BigInt(v);
}

/** Parameter `name` as an array. */
export function arr(f: Fields, name: string): unknown[] {
  const v = f[name];
  if (!Array.isArray(v)) throw bad(name, "an array");
  return v;
}

/** Bytes in lowercase hex, as the protocol writes them. */
export function hex(f: Fields, name: string): string {
  const v = str(f, name, true);
  if (!/^([0-9a-f]{2})*$/.test(v)) throw bad(name, "lowercase hex, two digits per byte");
  return v;
}

function bad(name: string, what: string): AdapterError {
  return new AdapterError("BAD_REQUEST", `parameter "${name}" must be ${what}`);
}

/** The request's id when it is a positive integer, else 0: a response to a request without a usable id. */
export function requestId(request: unknown): number {
  const id = typeof request === "object" && request !== null ? (request as Fields)["id"] : undefined;
  return typeof id === "number" && Number.isInteger(id) && id >= 1 ? id : 0;
}

/** A path parameter, which the protocol requires to be absolute. */
export function absolutePath(f: Fields, name: string): string {
  const path = str(f, name);
  if (!isAbsolute(path)) throw new AdapterError("BAD_REQUEST", `parameter "${name}" must be an absolute path`);
  return path;
}
