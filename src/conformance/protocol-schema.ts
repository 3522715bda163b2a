/**
 * The conformance protocol's JSON Schemas (schemas/conformance/v1/), compiled
 * once: every response is checked against its operation's result schema, and
 * every scenario against the scenario schema
 * ([spec](../../spec/conformance.md#requests-and-responses)).
 */
import { Ajv2020, type ErrorObject, type SchemaObject, type ValidateFunction } from "ajv/dist/2020.js";
import { readPackageJson } from "../storage/package-files.js";

const PROTOCOL_ID = "https://ksnap.dev/schemas/conformance/v1/protocol.schema.json";

let ajv: Ajv2020 | undefined;
let scenarioValidator: ValidateFunction | undefined;

function compiler(): Ajv2020 {
  if (ajv === undefined) {
    // strictRequired is off: `if`/`then` requires members declared in the enclosing schema.
    ajv = new Ajv2020({ strict: true, strictRequired: false, discriminator: true, allErrors: false });
    ajv.addSchema(readPackageJson("schemas/conformance/v1/protocol.schema.json") as SchemaObject);
    scenarioValidator = ajv.compile(readPackageJson("schemas/conformance/v1/scenario.schema.json") as SchemaObject);
  }
  return ajv;
}

/** The validator of `$defs/<name>` of the protocol schema. */
function definition(name: string): ValidateFunction {
  const v = compiler().getSchema(`${PROTOCOL_ID}#/$defs/${name}`);
  if (v === undefined) throw new Error(`protocol.schema.json has no $defs/${name}`);
  return v;
}

/** `read-data` → `readDataResult`. */
function resultDefinition(op: string): string {
  return op.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) + "Result";
}

/** Why `doc` is not a valid response to `op` (envelope, then result), or undefined. */
export function checkResponse(op: string, doc: unknown): string | undefined {
  const envelope = definition("response");
  if (!envelope(doc)) return describe(envelope.errors?.[0]);
  const r = doc as { ok: boolean; result?: unknown };
  if (!r.ok) return undefined;
  const result = definition(resultDefinition(op));
  return result(r.result) ? undefined : describe(result.errors?.[0], "/result");
}

/** Why `doc` is not a valid request, or undefined (for tests of the schema and of adapters). */
export function checkRequest(doc: unknown): string | undefined {
  const v = definition("request");
  return v(doc) ? undefined : describe(v.errors?.[0]);
}

/** Why `doc` is not a valid scenario, or undefined. */
export function checkScenario(doc: unknown): string | undefined {
  compiler();
  return scenarioValidator!(doc) ? undefined : describe(scenarioValidator!.errors?.[0]);
}

function describe(e: ErrorObject | undefined, prefix = ""): string {
  if (e === undefined) return "does not match the schema";
  const at = prefix + e.instancePath || "/";
  const p = e.params as Record<string, unknown>;
  if (e.keyword === "required") return `${at}: required member "${String(p.missingProperty)}" is missing`;
  if (e.keyword === "additionalProperties") return `${at}: unknown member "${String(p.additionalProperty)}"`;
  return `${at}: ${e.message ?? "does not match the schema"}`;
}
