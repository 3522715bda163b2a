/**
 * The `states` parameter of `open`: state descriptors as in savepoint data
 * files ([spec](../../spec/savepoint-data.md#state-descriptors)).
 */
import type { StateDescriptor } from "../../src/index.js";
import { AdapterError } from "./adapter-error.js";
import { asObject, str } from "./request-fields.js";

/** Checks and converts the descriptors; BAD_REQUEST for a malformed one. */
export function parseStates(raw: readonly unknown[]): StateDescriptor[] {
  return raw.map((item) => {
    const f = asObject(item, "states[]");
    const kind = f["kind"];
    if (kind !== "value" && kind !== "list" && kind !== "map") throw new AdapterError("BAD_REQUEST", 'a state\'s "kind" must be value, list or map');
    const d: StateDescriptor = {
      name: str(f, "name"), kind, keySerializer: str(f, "keySerializer", true),
      namespaceSerializer: str(f, "namespaceSerializer", true), valueSerializer: str(f, "valueSerializer", true),
    };
    if (f["userKeySerializer"] !== undefined) d.userKeySerializer = str(f, "userKeySerializer", true);
    return d;
  });
}
