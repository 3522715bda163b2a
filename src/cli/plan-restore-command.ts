/** `ksnap plan-restore FILE -p N [--operator ID=N]... [--json]` ([spec](../../spec/diff-and-restore.md#restore-plan)). */
import { type Command, InvalidArgumentError } from "commander";
import { inFile } from "../errors.js";
import type { KeyGroupRange } from "../model.js";
import { formatBytes } from "../render-tree.js";
import { type HandleRead, planRestore, type RestorePlan, restorePlanToJson, type SubtaskRestorePlan } from "../restore-plan.js";
import { readSnapshotArgument } from "./snapshot-argument.js";
import { writeStandardOutput } from "./standard-streams.js";

/** Options of {@link planRestoreCommand}, as commander parses them ([spec](../../spec/diff-and-restore.md#restore-plan)). */
export interface PlanRestoreOptions {
  parallelism: number;
  operator?: Record<string, number>;
  json?: boolean;
}

/** Adds `plan-restore` to `program` ([spec](../../spec/diff-and-restore.md#restore-plan)). */
export function registerPlanRestore(program: Command): void {
  program.command("plan-restore")
    .description("show which handles, files and byte ranges each subtask reads when the snapshot is restored at a new parallelism")
    .argument("<file>", "a KSNAP metadata file, the snapshot folder holding it, or - for standard input")
    .requiredOption("-p, --parallelism <n>", "the new parallelism of every operator", parseCount)
    .option("--operator <id=n>", "a different parallelism for one operator (repeatable)", parseOperator)
    .option("--json", "print the plan as JSON (spec/diff-and-restore.md)")
    .action(async (file: string, opts: PlanRestoreOptions) => { await writeStandardOutput(await planRestoreCommand(file, opts)); });
}

/** The command's output for `file`: the readable plan, or its JSON form ([spec](../../spec/diff-and-restore.md#restore-plan-json)). Errors name the file. */
export async function planRestoreCommand(file: string, opts: PlanRestoreOptions): Promise<string> {
  const { snapshot, metadataPath } = await readSnapshotArgument(file);
  const plan = inFile(metadataPath, () => planRestore(snapshot, opts.parallelism, { operatorParallelism: opts.operator ?? {} }));
  return opts.json ? JSON.stringify(restorePlanToJson(plan), null, 2) + "\n" : renderPlan(plan, metadataPath) + "\n";
}

function parseCount(value: string): number {
  if (!/^[0-9]{1,9}$/.test(value)) throw new InvalidArgumentError("must be a positive integer");
  return Number(value);
}

function parseOperator(value: string, previous: Record<string, number> | undefined): Record<string, number> {
  const eq = value.lastIndexOf("=");
  if (eq < 1) throw new InvalidArgumentError("must be <operator id>=<parallelism>");
  return { ...previous, [value.slice(0, eq)]: parseCount(value.slice(eq + 1)) };
}

/** The readable plan: one block per operator, one line per new subtask and per read ([spec](../../spec/diff-and-restore.md#restore-plan)). */
export function renderPlan(plan: RestorePlan, source: string): string {
  const lines = [`${source}: restore plan for ${plan.kind} ${plan.snapshotId} (max parallelism ${plan.maxParallelism})`];
  for (const op of plan.operators) {
    const total = op.subtasks.reduce((s, st) => s + st.bytes, 0n);
    lines.push(`  operator ${op.operatorId}${op.name === "" ? "" : ` "${op.name}"`}: parallelism ${op.oldParallelism} → ${op.newParallelism}, reads ${formatBytes(total)}`);
    for (const st of op.subtasks) lines.push(...renderSubtask(st));
  }
  if (plan.operators.length === 0) lines.push("  no operators: nothing to restore");
  return lines.join("\n");
}

function renderSubtask(st: SubtaskRestorePlan): string[] {
  const lines = [`    subtask ${st.subtaskIndex}: key groups ${range(st.keyGroups)}, ${st.reads.length} read(s), ${formatBytes(st.bytes)}`];
  for (const r of st.reads) lines.push(`      ${renderRead(r)}`);
  for (const gap of st.uncovered) lines.push(`      no state for key groups ${range(gap)}: no handle holds them`);
  return lines;
}

function renderRead(r: HandleRead): string {
  const from = `${r.type} handle ${r.handleIndex} of old subtask ${r.oldSubtaskIndex} (key groups ${range(r.handleKeyGroups)}): keep ${range(r.keyGroups)}`;
  if (r.type === "savepoint") {
    const bytes = r.byteRanges.length === 0 ? "no bytes (empty key groups)" : r.byteRanges.map((b) => `bytes ${b.start}..${b.end}`).join(", ");
    return `${from}; ${r.dataFile.path} ${bytes}, ${formatBytes(r.bytes)}`;
  }
  const clip = r.clipped ? ", then delete the key groups outside the kept range" : "";
  return `${from}; download the whole handle${clip}: folder ${r.folder}, ${r.files.length} file(s), ${formatBytes(r.bytes)}`;
}

function range(kg: KeyGroupRange): string {
  return kg.count === 1 ? `${kg.start} (1)` : `${kg.start}-${kg.start + kg.count - 1} (${kg.count})`;
}
