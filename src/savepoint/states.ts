/**
 * A writer's state descriptors in canonical form ([spec](../../spec/savepoint-data.md#state-descriptors)):
 * checked, and sorted by name in bytewise (code-point) order, which makes a
 * state's index independent of the order the caller listed them in.
 */
import { KsnapError } from "../errors.js";
import { DATA_FORMAT_LIMITS, STATE_KIND_CODES, type StateDescriptor } from "./data-format.js";

/** Checked, sorted copies of `descriptors`; INVALID_FIELD (field `states[i]...`, the caller's index) otherwise. */
export function canonicalStates(descriptors: readonly StateDescriptor[]): StateDescriptor[] {
  if (descriptors.length > DATA_FORMAT_LIMITS.maxStates) {
    throw new KsnapError("INVALID_FIELD", `${descriptors.length} states, over the limit of ${DATA_FORMAT_LIMITS.maxStates}`,
      { field: "states" });
  }
  const checked = descriptors.map((d, i) => checkDescriptor(d, i));
  const order = checked.map((d, i) => ({ d, i, name: Buffer.from(d.name, "utf8") }));
  order.sort((a, b) => Buffer.compare(a.name, b.name));
  for (let k = 1; k < order.length; k++) {
    if (Buffer.compare(order[k - 1]!.name, order[k]!.name) === 0) {
      throw new KsnapError("INVALID_FIELD",
        `states[${order[k - 1]!.i}] and states[${order[k]!.i}] are both named "${order[k]!.d.name}"; names must be unique`,
        { field: `states[${order[k]!.i}].name` });
    }
  }
  return order.map((o) => o.d);
}

function checkDescriptor(d: StateDescriptor, i: number): StateDescriptor {
  const at = `states[${i}]`;
  if (!Object.hasOwn(STATE_KIND_CODES, d.kind)) {
    throw new KsnapError("INVALID_FIELD", `${at}.kind "${String(d.kind)}" is not value, list or map`, { field: `${at}.kind` });
  }
  if (d.name === "") throw new KsnapError("INVALID_FIELD", `${at}.name is empty`, { field: `${at}.name` });
  const userKeySerializer = d.userKeySerializer ?? "";
  if (d.kind !== "map" && userKeySerializer !== "") {
    throw new KsnapError("INVALID_FIELD", `${at} "${d.name}" is ${d.kind} state and cannot have a userKeySerializer`,
      { field: `${at}.userKeySerializer` });
  }
  const copy: StateDescriptor = {
    name: d.name, kind: d.kind, keySerializer: d.keySerializer, namespaceSerializer: d.namespaceSerializer,
    valueSerializer: d.valueSerializer, userKeySerializer,
  };
  for (const field of ["name", "keySerializer", "namespaceSerializer", "valueSerializer", "userKeySerializer"] as const) {
    checkString(copy[field] ?? "", `${at}.${field}`);
  }
  return copy;
}

function checkString(value: string, field: string): void {
  if (typeof value !== "string") throw new KsnapError("INVALID_FIELD", `${field} is not a string`, { field });
  if (!value.isWellFormed()) throw new KsnapError("INVALID_FIELD", `${field} has a lone surrogate, which UTF-8 cannot encode`, { field });
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > DATA_FORMAT_LIMITS.maxStringBytes) {
    throw new KsnapError("INVALID_FIELD", `${field} is ${bytes} bytes of UTF-8, over the limit of ${DATA_FORMAT_LIMITS.maxStringBytes}`, { field });
  }
}
