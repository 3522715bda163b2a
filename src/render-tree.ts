/**
 * The readable tree `ksnap inspect` prints: kind, properties, operators,
 * subtasks, key-group ranges, file counts and sizes.
 */
import type { FileRef, FormatVersion, IncrementalHandle, KeyGroupRange, SavepointHandle, Snapshot } from "./model.js";
import { eachFile, eachHandle } from "./snapshot-walk.js";

/** Renders `snapshot` as indented lines (no trailing newline). */
export function renderTree(snapshot: Snapshot, version: FormatVersion, source: string): string {
  const s = snapshot;
  const p = s.properties;
  const lines = [
    `${source}: KSNAP ${version.major}.${version.minor}, ${s.kind} ${s.snapshotId}`,
    `  properties: ${p.incremental ? "incremental" : "not incremental"}, ${p.keyGroupAware ? "key-group-aware" : "not key-group-aware"}, sharing ${p.sharing}, owned by ${p.ownership}`,
    `  max parallelism ${s.maxParallelism}, snapshot dir ${s.snapshotDir === "" ? "(the root)" : s.snapshotDir}` +
      (s.jobId === "" ? "" : `, job ${s.jobId}`) +
      (s.timestampMillis === 0n ? "" : `, taken ${timestamp(s.timestampMillis)}`),
    `  ${summary(s)}`,
  ];
  for (const op of s.operators) {
    lines.push(`  operator ${op.operatorId}${op.name === "" ? "" : ` "${op.name}"`}, parallelism ${op.parallelism}, ${op.subtasks.length} subtask(s) with state`);
    for (const st of op.subtasks) {
      lines.push(`    subtask ${st.subtaskIndex}: ${st.handles.length} handle(s)`);
      for (const h of st.handles) lines.push(...(h.type === "incremental" ? incremental(h) : savepoint(h)));
    }
  }
  return lines.join("\n");
}

function summary(s: Snapshot): string {
  const subtasks = s.operators.reduce((n, op) => n + op.subtasks.length, 0);
  const handles = [...eachHandle(s)].length;
  let files = 0, bytes = 0n;
  for (const f of eachFile(s)) {
    files++;
    bytes += f.ref.size;
  }
  return `${s.operators.length} operator(s), ${subtasks} subtask(s), ${handles} handle(s), ${files} file(s), ${formatBytes(bytes)}`;
}

function incremental(h: IncrementalHandle): string[] {
  const fresh = h.sharedFiles.filter((f) => f.originCheckpointId === h.checkpointId);
  return [
    `      incremental: key groups ${range(h.keyGroups)}, checkpoint ${h.checkpointId}` +
      `${h.baseCheckpointId === 0n ? " (full)" : ` on ${h.baseCheckpointId}`}, backend ${h.backendId}`,
    `        folder ${h.folder}`,
    `        shared: ${count(h.sharedFiles)} (${fresh.length} uploaded by this checkpoint, ${h.sharedFiles.length - fresh.length} reused)`,
    `        private: ${count(h.privateFiles)}; meta: ${h.metaFile.path} (${formatBytes(h.metaFile.size)})`,
    `        state size ${formatBytes(h.stateSize)}, checkpointed ${formatBytes(h.checkpointedSize)}`,
  ];
}

function savepoint(h: SavepointHandle): string[] {
  return [
    `      savepoint: key groups ${range(h.keyGroups)}, ${h.offsets.length} offset(s)`,
    `        data ${h.dataFile.path} (${formatBytes(h.dataFile.size)})`,
  ];
}

function range(kg: KeyGroupRange): string {
  return kg.count === 0 ? `none (start ${kg.start})` : `${kg.start}-${kg.start + kg.count - 1} (${kg.count})`;
}

function count(files: readonly FileRef[]): string {
  return `${files.length} file(s), ${formatBytes(total(files))}`;
}

function total(files: readonly FileRef[]): bigint {
  return files.reduce((sum, f) => sum + f.size, 0n);
}

function timestamp(ms: bigint): string {
  return ms <= 8_640_000_000_000_000n ? new Date(Number(ms)).toISOString() : `${ms} ms`;
}

/** `1536` → `1.5 KiB (1536 bytes)`; exact bytes are kept because sizes may exceed 2^53. */
export function formatBytes(n: bigint): string {
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  if (n < 1024n) return `${n} B`;
  let unit = -1;
  let scaled = Number(n);
  while (scaled >= 1024 && unit < units.length - 1) { scaled /= 1024; unit++; }
  return `${scaled.toFixed(1)} ${units[unit]} (${n} bytes)`;
}
