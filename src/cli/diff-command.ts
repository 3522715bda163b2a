/**
 * `ksnap diff A B [--json]` ([spec](../../spec/diff-and-restore.md#diff)). Either snapshot may be a Flink `_metadata`
 * or the folder holding one, converted first ([flink-argument.ts](./flink-argument.ts)); `--job-dir` and `--kind`
 * apply to each Flink input.
 */
import type { Command } from "commander";
import {
  type ChangedFile, diffSnapshots, diffToJson, type FileTally, type InlineTally, type OperatorDiff, type OperatorStateChange, type SnapshotDiff,
  type SnapshotSummary, type StoredDiff, tallyOf,
} from "../diff.js";
import type { StreamRef } from "../model.js";
import { hashToHex } from "../hash/xxh64.js";
import { formatBytes } from "../render-tree.js";
import { reportProblems } from "./exit-status.js";
import { readAnySnapshotArgument, type FlinkArgumentOptions } from "./flink-argument.js";
import { addEndpointOption, storageChoice } from "./endpoint-option.js";
import type { StorageChoice } from "../storage/storage-for.js";
import { addFlinkOptions, flinkOptions } from "./flink-options.js";
import { STANDARD_STREAM, writeStandardOutput } from "./standard-streams.js";
import { usageError } from "./usage-error.js";

/** What the command prints, and whether it found ids with changed content, exit status 1 ([spec](../../spec/diff-and-restore.md#changed-content)). */
export interface DiffOutput {
  text: string;
  changedContent: boolean;
}

/** Adds `diff` to `program` ([spec](../../spec/diff-and-restore.md#diff)). */
export function registerDiff(program: Command): void {
  const cmd = program.command("diff")
    .description("compare two snapshots by file id: files added, reused and dropped, bytes uploaded, ids whose content changed")
    .argument("<a>", "the earlier snapshot: a KSNAP metadata file, a Flink _metadata, the snapshot folder holding either; - for standard input (KSNAP only)")
    .argument("<b>", "the later snapshot (- for standard input, if <a> is not)")
    .option("--json", "print the diff as JSON (spec/diff-and-restore.md)");
  addEndpointOption(addFlinkOptions(cmd, "Flink input only, for both snapshots: "))
    .action(async (a: string, b: string, opts: { json?: boolean; jobDir?: string; kind?: string; endpoint?: string }) => {
      const out = await diffCommand(a, b, { ...flinkOptions(opts), ...storageChoice(opts), json: opts.json });
      await writeStandardOutput(out.text);
      // Changed content means an id names two different files: restoring from B may read wrong state.
      if (out.changedContent) reportProblems();
    });
}

/** The command's output for snapshots `a` and `b`: the readable diff, or its JSON form ([spec](../../spec/diff-and-restore.md#diff-json)). Errors name the file. */
export async function diffCommand(a: string, b: string, opts: FlinkArgumentOptions & StorageChoice & { json?: boolean }): Promise<DiffOutput> {
  if (a === STANDARD_STREAM && b === STANDARD_STREAM) throw usageError("only one of the two snapshots can be read from standard input (-)");
  const left = await readAnySnapshotArgument(a, opts);
  const right = await readAnySnapshotArgument(b, opts);
  const diff = diffSnapshots(left.snapshot, right.snapshot);
  const text = opts.json ? JSON.stringify(diffToJson(diff), null, 2) + "\n" : renderDiff(diff, left.metadataPath, right.metadataPath) + "\n";
  return { text, changedContent: diff.changed.length > 0 };
}

/** The readable diff: changed content first, then totals, then one line per operator subtask ([spec](../../spec/diff-and-restore.md#diff)). */
export function renderDiff(d: SnapshotDiff, pathA: string, pathB: string): string {
  const lines = [
    `A: ${pathA}: ${d.a.kind} ${d.a.snapshotId}, ${summary(d.a)}`,
    `B: ${pathB}: ${d.b.kind} ${d.b.snapshotId}, ${summary(d.b)}`,
  ];
  if (d.changed.length > 0) lines.push(...renderChanged(d.changed));
  lines.push(
    `  added in B: ${tally(tallyOf(d.added))}; B uploaded ${formatBytes(d.uploadedBytes)} of its ${formatBytes(d.fullBytes)}${share(d.uploadedBytes, d.fullBytes)}`,
    `  reused from A: ${tally(tallyOf(d.reused))}`,
    `  dropped (in A, not in B): ${tally(tallyOf(d.dropped))}`,
    ...stored("segments", d.segments),
    ...stored("external files", d.external),
  );
  const inline = d.inline;
  if (inline.added.streams + inline.reused.streams + inline.dropped.streams > 0) {
    lines.push(`  inline contents: added ${inlineTally(inline.added)}, reused ${inlineTally(inline.reused)}, dropped ${inlineTally(inline.dropped)}`);
  }
  for (const l of d.localNames) lines.push(`  local name of ${identity(l)}: ${quoted(l.a)} in A, ${quoted(l.b)} in B`);
  for (const m of d.masterStates) lines.push(`  master state "${m.name}": ${m.change}`);
  for (const op of d.operators) lines.push(...renderOperator(op));
  return lines.join("\n");
}

function summary(s: SnapshotSummary): string {
  const more = [[s.segments, "segment(s)"], [s.external, "external file(s)"], [s.inline, "inline content(s)"]] as const;
  return `${s.files} file(s)${more.filter(([n]) => n > 0).map(([n, what]) => `, ${n} ${what}`).join("")}, ${formatBytes(s.bytes)}`;
}

/** Lines for segments or external files, only when either snapshot has any. */
function stored(what: string, d: StoredDiff<StreamRef>): string[] {
  if (d.added.length + d.reused.length + d.dropped.length === 0) return [];
  return [`  ${what}: added ${tally(tallyOf(d.added))}, reused ${tally(tallyOf(d.reused))}, dropped ${tally(tallyOf(d.dropped))}`];
}

function inlineTally(t: InlineTally): string {
  return `${t.streams} (${formatBytes(t.bytes)})`;
}

function quoted(name: string): string {
  return name === "" ? "none" : `"${name}"`;
}

/** `file ID`, `segment ID bytes 10..20`, `external URI`. */
function identity(c: Pick<ChangedFile, "kind" | "id" | "offset" | "length">): string {
  return c.offset !== undefined && c.length !== undefined ? `segment ${c.id} bytes ${c.offset}..${c.offset + c.length}` : `${c.kind} ${c.id}`;
}

function renderChanged(changed: readonly ChangedFile[]): string[] {
  const lines = [`  ERROR: ${changed.length} file id(s) denote different content (size or xxh64); an id must always name the same bytes, so a restore may read the wrong file:`];
  for (const c of changed) {
    lines.push(`    ${c.kind === "file" ? c.id : identity(c)}:`);
    for (const o of c.occurrences) {
      const where = o.subtaskIndex < 0 ? "coordinator state" : `subtask ${o.subtaskIndex}`;
      lines.push(`      in ${o.snapshot.toUpperCase()}: ${o.path}, ${o.size} bytes, xxh64 ${hashToHex(o.xxh64)} (operator ${o.operatorId}, ${where})`);
    }
  }
  return lines;
}

function renderOperator(op: OperatorDiff): string[] {
  const where = op.inA && op.inB ? "" : op.inA ? " (only in A)" : " (only in B)";
  const lines = [`  operator ${op.operatorId}${op.name === "" ? "" : ` "${op.name}"`}${where}`];
  if (op.coordinatorState !== null && op.coordinatorState !== "unchanged") lines.push(`    coordinator state: ${op.coordinatorState}`);
  for (const st of op.subtasks) {
    const stWhere = st.inA && st.inB ? "" : st.inA ? " (only in A)" : " (only in B)";
    lines.push(`    subtask ${st.subtaskIndex}${stWhere}: added ${tally(st.added)}, reused ${tally(st.reused)}, dropped ${tally(st.dropped)}`);
    for (const c of st.operatorState) lines.push(`      ${renderStateChange(c)}`);
  }
  return lines;
}

function renderStateChange(c: OperatorStateChange): string {
  const side = (s: OperatorStateChange["a"]) => s === null ? "absent" : `${s.mode}, ${s.partitions} partition(s)`;
  return `${c.list} operator state "${c.name}" ${c.change}: ${side(c.a)} in A, ${side(c.b)} in B`;
}

function tally(t: FileTally): string {
  return `${t.files} file(s), ${formatBytes(t.bytes)}`;
}

/** " (12.5%)", to one decimal, computed on bigints because sizes may exceed 2^53. */
function share(part: bigint, whole: bigint): string {
  if (whole === 0n) return "";
  const permille = (part * 1000n) / whole;
  return ` (${permille / 10n}.${permille % 10n}%)`;
}
