/**
 * How `ksnap gc` prints its report: readable text, or JSON with 64-bit values
 * as decimal strings, as in the format's JSON form.
 */
import type { Finding } from "../validate/finding.js";
import { formatDuration } from "./duration.js";
import type { GcReport } from "./gc-run.js";

/**
 * What gc cannot know, said with every report: nothing under a root records that another job refers to its files.
 */
export const OUTSIDE_NOTICE =
  "references from snapshots outside this root are seen only in the paths given with --referenced-by " +
  "(a job restored from one of its checkpoints in CLAIM mode, or started from one, keeps using its shared files)";

/** The report as lines of text for stdout (problems are printed separately, on stderr). */
export function gcReportText(r: GcReport): string {
  const plan = r.plan;
  if (plan === undefined) return "";
  const lines: string[] = [];
  const ids = (xs: readonly bigint[]) => (xs.length === 0 ? "none" : xs.join(", "));
  lines.push(`gc ${r.root}: ${plan.checkpoints.length} checkpoint(s); keeping the latest ${r.request.retain}: ${ids(plan.retained)}`);
  section(lines, "subsumed checkpoints (metadata deleted first)", plan.subsumed.map((s) => s.metadata));
  const bytes = plan.files.reduce((n, f) => n + f.size, 0n);
  section(lines, `files only subsumed checkpoints refer to (${bytes} bytes)`, plan.files.map((f) => f.path));
  if (r.outside !== undefined) {
    const o = r.outside;
    lines.push(`referenced from outside the root: ${o.paths.size} file(s) of it, by ${o.snapshots} snapshot(s) under ${o.sources.join(", ")}; all kept`);
    section(lines, "files only subsumed checkpoints refer to, kept for those snapshots", plan.keptForOthers.map((f) => `${f.path} (${o.paths.get(f.path) ?? "?"})`));
  }
  const grace = formatDuration(r.request.graceMs);
  section(lines, `orphans older than the grace period of ${grace}`, r.orphans.filter((o) => o.deletable).map((o) => o.path));
  section(lines, `orphans within the grace period of ${grace}, kept (maybe an in-flight checkpoint's)`,
    r.orphans.filter((o) => !o.deletable).map((o) => o.path));
  lines.push(`note: ${OUTSIDE_NOTICE}`);
  const out = r.outcome;
  if (out === undefined) {
    const n = plan.subsumed.length + plan.files.length + r.orphans.filter((o) => o.deletable).length;
    lines.push(`dry run: nothing deleted; --apply deletes ${n} file(s)`);
    return lines.join("\n") + "\n";
  }
  lines.push(`deleted ${out.deleted.length} file(s), removed ${out.removedFolders.length} empty folder(s)`);
  if (out.kept.length > 0) lines.push(`kept subsumed checkpoint(s) ${ids(out.kept)}: a metadata file could not be deleted`);
  if (out.failed.length > 0) section(lines, "failed to delete (a later run retries)", out.failed.map((f) => `${f.path}: ${f.reason}`));
  if (out.stopped !== undefined) lines.push(`stopped: storage refused to delete ${out.stopped.path}: ${out.stopped.reason}; nothing after it was deleted`);
  return lines.join("\n") + "\n";
}

/** The refusal, for stderr: one line per problem and a last line saying nothing was deleted. */
export function gcRefusalText(r: GcReport): string {
  const lines = r.problems.map((p) => `ksnap: ${describeProblem(p)}`);
  lines.push(`ksnap: gc refused: ${r.problems.length} problem(s) in the history under ${r.root}; nothing deleted`);
  return lines.join("\n") + "\n";
}

/** The report as a JSON document (two-space indented, one trailing newline). */
export function gcReportJson(r: GcReport): string {
  const plan = r.plan;
  const out = r.outcome;
  const doc = {
    root: r.root,
    layout: r.layout,
    retain: r.request.retain,
    gracePeriodMs: r.request.graceMs,
    applied: out !== undefined,
    refused: r.problems.length > 0,
    problems: r.problems.map(problemJson),
    checkpoints: (plan?.checkpoints ?? []).map(String),
    retained: (plan?.retained ?? []).map(String),
    subsumed: (plan?.subsumed ?? []).map((s) => ({ checkpointId: String(s.id), metadata: s.metadata })),
    files: (plan?.files ?? []).map((f) => ({ path: f.path, id: f.id, size: String(f.size) })),
    referencedBy: r.outside === undefined ? null : {
      sources: r.outside.sources,
      snapshots: r.outside.snapshots,
      files: [...r.outside.paths].map(([path, by]) => ({ path, referencedBy: by })),
      keptFromPlan: (plan?.keptForOthers ?? []).map((f) => f.path),
    },
    notice: OUTSIDE_NOTICE,
    orphans: r.orphans.map((o) => ({ path: o.path, size: String(o.size), modified: new Date(o.modifiedMs).toISOString(), deletable: o.deletable })),
    deleted: out?.deleted ?? [],
    removedFolders: out?.removedFolders ?? [],
    failed: out?.failed ?? [],
    kept: (out?.kept ?? []).map(String),
    stopped: out?.stopped ?? null,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

function section(lines: string[], title: string, items: readonly string[]): void {
  lines.push(`${title}: ${items.length}`);
  for (const item of items) lines.push(`  ${item}`);
}

/** `chk-3/_metadata.ksnap: KS-E100 at operators[0]…: file "shared/x" does not exist` */
function describeProblem(p: Finding): string {
  const file = p.location.file === undefined ? "" : `${p.location.file}: `;
  const at = p.location.field ?? p.location.path;
  return `${file}${p.rule}${at === undefined ? "" : ` at ${at}`}: ${p.message}`;
}

function problemJson(p: Finding): { rule: string; file?: string; field?: string; path?: string; message: string } {
  return { rule: p.rule, ...p.location, message: p.message };
}
