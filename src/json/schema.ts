/**
 * The JSON Schema of the JSON form (schemas/ksnap-v1.schema.json), compiled once
 * with Ajv for JSON Schema 2020-12.
 */
import { createRequire } from "node:module";
import type { ErrorObject, SchemaObject, ValidateFunction } from "ajv/dist/2020.js";
import type * as Ajv from "ajv/dist/2020.js";
import { KsnapError } from "../errors.js";
import { readPackageJson } from "../storage/package-files.js";

/** Path of the schema, relative to the package root. */
export const SNAPSHOT_SCHEMA_PATH = "schemas/ksnap-v1.schema.json";

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (validator === undefined) {
    // Required here, not imported: loading Ajv takes ~80 ms, which a command that reads no JSON should not pay.
    const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof Ajv;
    const ajv = new Ajv2020({ allErrors: false, strict: true, discriminator: true });
    validator = ajv.compile(readPackageJson(SNAPSHOT_SCHEMA_PATH) as SchemaObject);
  }
  return validator;
}

/** Throws INVALID_JSON naming the first place where `doc` breaks the schema. */
export function checkSnapshotJson(doc: unknown): void {
  const validate = compiled();
  if (validate(doc)) return;
  const error = validate.errors?.[0];
  throw new KsnapError("INVALID_JSON", describe(error), { field: error ? jsonPointerToField(error.instancePath) : "" });
}

function describe(e: ErrorObject | undefined): string {
  if (e === undefined) return "the document does not match the JSON Schema";
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperty": return `unknown property "${String(p.additionalProperty)}"`;
    case "additionalProperties": return `unknown property "${String(p.additionalProperty)}"`;
    case "required": return `required property "${String(p.missingProperty)}" is missing`;
    case "enum": return `must be one of ${JSON.stringify(p.allowedValues)}`;
    case "pattern": return `${e.message} (64-bit integers are decimal strings such as "123"; hashes are 16 lowercase hex digits)`;
    default: return e.message ?? "does not match the JSON Schema";
  }
}

/** `/operators/0/subtasks` → `operators[0].subtasks` (the codec's field-path style). */
export function jsonPointerToField(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^[0-9]+$/.test(seg) ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  }
  return out;
}
