/**
 * In a key-group-aware snapshot every key group of an operator is in exactly one
 * handle: the ranges are disjoint and their union is `[0, max_parallelism)`
 * ([KS-E043](../../spec/validation.md#ks-e043), [KS-E044](../../spec/validation.md#ks-e044)).
 * No key-group assignment formula is needed: disjointness plus coverage is
 * what a restore relies on, whatever subtask holds which range.
 */
import type { OperatorState, Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { formatRanges, plural } from "./text.js";
import { eachHandle, type HandleSite } from "../snapshot-walk.js";

interface Held {
  start: number;
  end: number;
  field: string;
}

/** Checks KS-E043 and KS-E044 when the snapshot is key-group-aware. */
export function checkKeyGroupCoverage(s: Snapshot, report: Report): void {
  if (!s.properties.keyGroupAware) return;
  const byOperator = new Map<number, Held[]>(s.operators.map((_, i) => [i, []]));
  for (const site of eachHandle(s)) byOperator.get(site.operatorIndex)!.push(...heldBy(site, s.maxParallelism));
  for (const [i, held] of byOperator) checkOperator(s.operators[i]!, i, held, s.maxParallelism, report);
}

/** The handle's range cut to `[0, maxP)`; ranges outside or empty are KS-E040/KS-E041, not coverage. */
function heldBy(site: HandleSite, maxP: number): Held[] {
  const { start, count } = site.handle.keyGroups;
  const end = Math.min(start + count, maxP);
  return start < end ? [{ start, end, field: site.field }] : [];
}

/** One sweep over the ranges sorted by start finds overlaps and gaps. */
function checkOperator(op: OperatorState, i: number, held: Held[], maxP: number, report: Report): void {
  held.sort((a, b) => a.start - b.start || a.end - b.end);
  const gaps: [number, number][] = [];
  let coveredEnd = 0;
  let holder = "";
  for (const r of held) {
    if (r.start > coveredEnd) gaps.push([coveredEnd, r.start]);
    else if (r.start < coveredEnd) {
      report("KS-E043", { field: r.field },
        `key groups ${formatRanges([[r.start, Math.min(r.end, coveredEnd)]])} are held both by this handle and by ${holder}`);
    }
    if (r.end > coveredEnd) [coveredEnd, holder] = [r.end, r.field];
  }
  if (coveredEnd < maxP) gaps.push([coveredEnd, maxP]);
  if (gaps.length === 0) return;
  const missing = gaps.reduce((n, [a, b]) => n + b - a, 0);
  report("KS-E044", { field: `operators[${i}]` },
    `operator has key groups ${formatRanges(gaps)} (${plural(missing, "key group")} of ${maxP}) in no handle; ` +
    `a key-group-aware snapshot holds every key group of each operator` + (op.subtasks.length === 0 ? " (it lists no subtask)" : ""));
}
