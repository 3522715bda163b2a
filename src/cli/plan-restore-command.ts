/**
 * `ksnap plan-restore FILE -p N [--operator ID=N]... [--json]` ([spec](../../spec/diff-and-restore.md#restore-plan)).
 * FILE may be a Flink `_metadata` or the folder holding one, converted first ([flink-argument.ts](./flink-argument.ts)).
 */
import { type Command, InvalidArgumentError } from "commander";
import { inFile } from "../errors.js";
import type { KeyGroupRange } from "../model.js";
import { describeStream, formatBytes } from "../render-tree.js";
import {
  type HandleRead, type OperatorRestorePlan, type OperatorStateRead, planRestore, type RestorePlan, restorePlanToJson, type SubtaskRestorePlan,
  type UnsupportedRead,
} from "../restore-plan.js";
import { reportProblems } from "./exit-status.js";
import { readAnySnapshotArgument, type FlinkArgumentOptions } from "./flink-argument.js";
import { addEndpointOption, storageChoice } from "./endpoint-option.js";
import type { StorageChoice } from "../storage/storage-for.js";
import { addFlinkOptions, flinkOptions } from "./flink-options.js";
import { writeStandardOutput } from "./standard-streams.js";

/** Options of {@link planRestoreCommand}, as commander parses them ([spec](../../spec/diff-and-restore.md#restore-plan)). */
export interface PlanRestoreOptions extends FlinkArgumentOptions, StorageChoice {
  parallelism: number;
  operator?: Record<string, number>;
  json?: boolean;
}

/** Adds `plan-restore` to `program` ([spec](../../spec/diff-and-restore.md#restore-plan)). */
export function registerPlanRestore(program: Command): void {
  const cmd = program.command("plan-restore")
    .description("show which handles, files and byte ranges each subtask reads when the snapshot is restored at a new parallelism")
    .argument("<file>", "a KSNAP metadata file, a Flink _metadata, the snapshot folder holding either, or - for standard input (KSNAP only)")
    .requiredOption("-p, --parallelism <n>", "the new parallelism of every operator", parseCount)
    .option("--operator <id=n>", "a different parallelism for one operator (repeatable)", parseOperator)
    .option("--json", "print the plan as JSON (spec/diff-and-restore.md)");
  addEndpointOption(addFlinkOptions(cmd, "Flink input only: "))
    .action(async (file: string, opts: Omit<PlanRestoreOptions, "kind"> & { kind?: string }) => {
      const { parallelism, operator, json } = opts;
      const out = await planRestoreOutput(file, { parallelism, ...(operator === undefined ? {} : { operator }), ...(json === undefined ? {} : { json }), ...flinkOptions(opts), ...storageChoice(opts) });
      await writeStandardOutput(out.text);
      // A handle this reader cannot plan means the restore it describes is incomplete (spec: unsupported handles).
      if (out.unsupported) reportProblems();
    });
}

/** What the command prints, and whether the plan lists handles it cannot plan, exit status 1 ([spec](../../spec/diff-and-restore.md#unsupported-handles)). */
export interface PlanRestoreOutput {
  text: string;
  unsupported: boolean;
}

/** The command's output for `file`: the readable plan, or its JSON form ([spec](../../spec/diff-and-restore.md#restore-plan-json)). Errors name the file. */
export async function planRestoreCommand(file: string, opts: PlanRestoreOptions): Promise<string> {
  return (await planRestoreOutput(file, opts)).text;
}

/** {@link planRestoreCommand}, and whether any new subtask has an unsupported handle. */
export async function planRestoreOutput(file: string, opts: PlanRestoreOptions): Promise<PlanRestoreOutput> {
  const { snapshot, metadataPath } = await readAnySnapshotArgument(file, opts);
  const plan = inFile(metadataPath, () => planRestore(snapshot, opts.parallelism, { operatorParallelism: opts.operator ?? {} }));
  const text = opts.json ? JSON.stringify(restorePlanToJson(plan), null, 2) + "\n" : renderPlan(plan, metadataPath) + "\n";
  return { text, unsupported: plan.operators.some((op) => op.subtasks.some((st) => st.unsupported.length > 0)) };
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
  for (const m of plan.masterStates) lines.push(`  master state "${m.name}" (version ${m.version}, ${formatBytes(BigInt(m.size))} in the metadata): restored whole, once`);
  for (const op of plan.operators) lines.push(...renderOperator(op, plan.maxParallelism));
  if (plan.operators.length === 0) lines.push("  no operators: nothing to restore");
  return lines.join("\n");
}

function renderOperator(op: OperatorRestorePlan, snapshotMaxParallelism: number): string[] {
  const head = `  operator ${op.operatorId}${op.name === "" ? "" : ` "${op.name}"`}`;
  if (op.finished) return [`${head}: finished: nothing to restore`];
  const total = op.subtasks.reduce((s, st) => s + st.bytes, 0n);
  const own = op.maxParallelism === snapshotMaxParallelism ? "" : ` (own max parallelism ${op.maxParallelism})`;
  const lines = [`${head}: parallelism ${op.oldParallelism} → ${op.newParallelism}${own}, reads ${formatBytes(total)}`];
  if (op.coordinatorState !== null) {
    lines.push(`    coordinator state: ${describeStream(op.coordinatorState.stream)}: restored whole, once, ${formatBytes(op.coordinatorState.bytes)}`);
  }
  if (op.finishedSubtasks.length > 0) lines.push(`    old subtask(s) ${op.finishedSubtasks.join(", ")} had finished: nothing to restore from them`);
  for (const c of op.channelState) {
    lines.push(`    channel state ${c.kind} of old subtask ${c.oldSubtaskIndex}: ${c.streams.length} stream(s), ${formatBytes(c.bytes)}; not planned (Flink maps channel state itself)`);
  }
  for (const st of op.subtasks) lines.push(...renderSubtask(st));
  return lines;
}

function renderSubtask(st: SubtaskRestorePlan): string[] {
  const count = st.reads.length + st.rawKeyedReads.length + st.managedOperatorState.length + st.rawOperatorState.length;
  const lines = [`    subtask ${st.subtaskIndex}: key groups ${range(st.keyGroups)}, ${count} read(s), ${formatBytes(st.bytes)}`];
  for (const r of st.reads) lines.push(`      ${renderRead(r)}`);
  for (const r of st.rawKeyedReads) lines.push(`      raw keyed state, restored by user code: ${renderRead(r)}`);
  for (const u of st.unsupported) lines.push(`      ${renderUnsupported(u)}`);
  for (const r of st.managedOperatorState) lines.push(`      ${renderOperatorStateRead("managed", r)}`);
  for (const r of st.rawOperatorState) lines.push(`      ${renderOperatorStateRead("raw", r)}`);
  for (const gap of st.uncovered) lines.push(`      no state for key groups ${range(gap)}: no handle holds them`);
  return lines;
}

function renderRead(r: HandleRead): string {
  const from = `${r.type} handle ${r.handleIndex} of old subtask ${r.oldSubtaskIndex} (key groups ${range(r.handleKeyGroups)}): keep ${range(r.keyGroups)}`;
  switch (r.type) {
    case "savepoint": return `${from}; ${r.dataFile.path} ${byteRanges(r.byteRanges)}, ${formatBytes(r.bytes)}`;
    case "key-groups-stream":
      return `${from}; ${describeStream(r.data)}, ${byteRanges(r.byteRanges)} of the stream, ${formatBytes(r.bytes)}, in format ${r.dataFormat} (not KSNAP savepoint data)`;
    case "incremental":
      return `${from}; download the whole handle${clip(r.clipped)}: folder ${r.folder}, ${r.files.length} file(s), ${formatBytes(r.bytes)}`;
    case "stream-incremental":
      return `${from}; download the whole handle${clip(r.clipped)}: folder ${r.folder === "" ? "(none)" : r.folder}, ${r.streams.length} stream(s), ${formatBytes(r.bytes)}`;
  }
}

function byteRanges(ranges: readonly { start: bigint; end: bigint }[]): string {
  return ranges.length === 0 ? "no bytes (empty key groups)" : ranges.map((b) => `bytes ${b.start}..${b.end}`).join(", ");
}

function clip(clipped: boolean): string {
  return clipped ? ", then delete the key groups outside the kept range" : "";
}

function renderUnsupported(u: UnsupportedRead): string {
  const list = u.list === "handles" ? "handle" : "raw keyed handle";
  return `UNSUPPORTED: opaque ${list} ${u.handleIndex} of old subtask ${u.oldSubtaskIndex}, kind ${u.kind} (key groups ${range(u.handleKeyGroups)}): ` +
    `keep ${range(u.keyGroups)}, which this reader cannot plan`;
}

function renderOperatorStateRead(which: "managed" | "raw", r: OperatorStateRead): string {
  const states = r.states.map((s) => `"${s.name}" ${s.mode} ${s.offsets.length} partition(s)`).join(", ");
  return `${which} operator state of old subtask ${r.oldSubtaskIndex}: ${describeStream(r.stream)}; keep ${states}, ${formatBytes(r.bytes)}`;
}

function range(kg: KeyGroupRange): string {
  return kg.count === 1 ? `${kg.start} (1)` : `${kg.start}-${kg.start + kg.count - 1} (${kg.count})`;
}
