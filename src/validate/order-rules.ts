/**
 * Lists in canonical order ([spec](../../spec/format-v1.md#list-order);
 * [KS-W080](../../spec/validation.md#ks-w080)). A warning: the decoder accepts any
 * order, but such a file is not the canonical one, so byte comparisons and
 * content-addressed copies of it disagree with a re-encoded file.
 */
import { compareFiles, compareHandles, compareOperators, compareSubtasks } from "../body/canonical-order.js";
import type { Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { subtaskField, eachHandle, variantField } from "../snapshot-walk.js";

/** Index of the first item that sorts before its predecessor, or -1 when `list` is in order (ties allowed). */
export function firstInversion<T>(list: readonly T[], compare: (a: T, b: T) => number): number {
  for (let i = 1; i < list.length; i++) if (compare(list[i - 1]!, list[i]!) > 0) return i;
  return -1;
}

/** Checks KS-W080 on every list: one finding per list, at its first item out of order. */
export function checkOrder(s: Snapshot, report: Report): void {
  const check = <T>(list: readonly T[], compare: (a: T, b: T) => number, field: string, order: string): void => {
    const i = firstInversion(list, compare);
    if (i < 0) return;
    report("KS-W080", { field: `${field}[${i}]` },
      `${field}[${i}] sorts before ${field}[${i - 1}]: the list is not in canonical order (${order}); the file decodes, but it is not canonical`);
  };
  check(s.operators, compareOperators, "operators", "by operator_id, in code-point order");
  for (const [i, op] of s.operators.entries()) {
    check(op.subtasks, compareSubtasks, `operators[${i}].subtasks`, "by subtask_index");
    for (const [j, st] of op.subtasks.entries()) {
      check(st.handles, compareHandles, `${subtaskField(i, j)}.handles`, "by key-group start, count, kind, then folder or data-file id");
    }
  }
  for (const site of eachHandle(s)) {
    const h = site.handle;
    if (h.type !== "incremental") continue;
    check(h.sharedFiles, compareFiles, `${variantField(site)}.sharedFiles`, "by id, in code-point order");
    check(h.privateFiles, compareFiles, `${variantField(site)}.privateFiles`, "by id, in code-point order");
  }
}
