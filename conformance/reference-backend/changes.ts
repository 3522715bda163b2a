/**
 * The `apply` request's changes ([spec](../../spec/conformance.md#apply)) turned
 * into store records. Every change of a request is checked before any is
 * applied, so a bad change leaves the state as it was.
 */
import { KsnapError, operatorIndexForKeyGroup } from "../../src/index.js";
import { sortKey, type EntryKey, type RecordOp } from "./records.js";
import { asObject, hex, int, str } from "./request-fields.js";
import type { StateContext } from "./state-context.js";

/** One checked change: the subtask that owns it and the record to apply. */
export interface ParsedChange {
  subtask: number;
  key: EntryKey;
  sk: string;
  op: RecordOp;
}

/** Checks and converts one change of a job with `maxParallelism` key groups at `parallelism`. */
export function parseChange(raw: unknown, ctx: StateContext, maxParallelism: number, parallelism: number): ParsedChange {
  const f = asObject(raw, "changes[]");
  const what = str(f, "op");
  const state = str(f, "state");
  const { rank, kind } = ctx.lookup(state);
  const keyGroup = int(f, "keyGroup", 0, maxParallelism - 1);
  const key: EntryKey = { keyGroup, state, key: hex(f, "key"), namespace: hex(f, "namespace") };
  if (kind === "map") key.userKey = hex(f, "userKey");
  else if (f["userKey"] !== undefined) throw refuse(`${kind} state "${state}" has no userKey`, "userKey");
  const op = opOf(what, kind, state, f);
  return { subtask: operatorIndexForKeyGroup(maxParallelism, parallelism, keyGroup), key, sk: sortKey(key, rank), op };
}

function opOf(what: string, kind: string, state: string, f: Record<string, unknown>): RecordOp {
  switch (what) {
    case "put":
      if (kind === "list") throw refuse(`put is not for list state "${state}": use add`, "op");
      return { t: "put", v: hex(f, "value") };
    case "add":
      if (kind !== "list") throw refuse(`add is for list state only, not ${kind} state "${state}"`, "op");
      return { t: "append", elems: [hex(f, "value")] };
    case "delete":
      return { t: "del" };
    default:
      throw refuse(`unknown change op "${what}": put, add or delete`, "op");
  }
}

function refuse(message: string, field: string): KsnapError {
  return new KsnapError("INVALID_FIELD", message, { field });
}
