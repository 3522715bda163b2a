/**
 * In a key-group-aware snapshot every key group of an operator is in exactly one
 * handle: the ranges are disjoint and their union is the operator's key groups
 * `[0, max_parallelism)`, its own `maxParallelism` when set
 * ([KS-E043](../../spec/validation.md#ks-e043), [KS-E044](../../spec/validation.md#ks-e044)), for every operator
 * that holds keyed state at all (an operator without any keyed handle, such as a source, has none to cover).
 * No key-group assignment formula is needed: disjointness plus coverage is
 * what a restore relies on, whatever subtask holds which range. Raw keyed
 * handles (1.1) are held to disjointness among themselves; they need not cover
 * anything, since user code writes them only where it has raw keyed state.
 */
import type { OperatorState, Snapshot } from "../model.js";
import type { Report } from "./snapshot-rule.js";
import { formatRanges, plural } from "./text.js";
import { eachStateHandle, handleKeyGroups, type HandleSite, operatorMaxParallelism } from "../snapshot-walk.js";

interface Held {
  start: number;
  end: number;
  field: string;
}

/** Checks KS-E043 and KS-E044 when the snapshot is key-group-aware. */
export function checkKeyGroupCoverage(s: Snapshot, report: Report): void {
  if (!s.properties.keyGroupAware) return;
  const managed = s.operators.map((): Held[] => []);
  const raw = s.operators.map((): Held[] => []);
  const keyed = s.operators.map(() => false);
  for (const site of eachStateHandle(s)) {
    if (site.list === "channelState") continue;
    if (site.list === "handles") keyed[site.operatorIndex] = true;
    const into = site.list === "handles" ? managed : raw;
    into[site.operatorIndex]!.push(...heldBy(site, operatorMaxParallelism(s, site.operator)));
  }
  for (const [i, op] of s.operators.entries()) {
    const maxP = operatorMaxParallelism(s, op);
    // A finished operator (1.1) has no state left to cover; one without any keyed handle has no keyed state.
    checkOperator(op, i, managed[i]!, maxP, report, op.finished !== true && keyed[i]!);
    checkOperator(op, i, raw[i]!, maxP, report, false);
  }
}

/** The handle's range cut to `[0, maxP)`; ranges outside or empty are KS-E040/KS-E041, not coverage. */
function heldBy(site: HandleSite, maxP: number): Held[] {
  const { start, count } = handleKeyGroups(site.handle);
  const end = Math.min(start + count, maxP);
  return start < end ? [{ start, end, field: site.field }] : [];
}

/** One sweep over the ranges sorted by start finds overlaps and gaps. */
function checkOperator(op: OperatorState, i: number, held: Held[], maxP: number, report: Report, mustCover: boolean): void {
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
  if (gaps.length === 0 || !mustCover) return;
  const missing = gaps.reduce((n, [a, b]) => n + b - a, 0);
  report("KS-E044", { field: `operators[${i}]` },
    `operator has key groups ${formatRanges(gaps)} (${plural(missing, "key group")} of ${maxP}) in no handle; ` +
    "a key-group-aware snapshot holds every key group of each operator with keyed state");
}
