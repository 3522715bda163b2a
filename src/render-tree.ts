/**
 * The readable tree `ksnap inspect` prints: kind, properties, operators,
 * subtasks, key-group ranges, file counts and sizes, and every 1.1 structure
 * (streams and their targets, local names, operator state, channel state,
 * coordinator and master state, finished markers, per-operator max parallelism,
 * source) ([spec](../spec/format-v1.md#messages)).
 */
import type {
  FileRef, FormatVersion, IncrementalHandle, KeyedStateHandle, KeyGroupRange, KeyGroupsStreamHandle, OpaqueHandle, OperatorState,
  OperatorStateHandle, SavepointHandle, Snapshot, StreamIncrementalHandle, StreamRef, SubtaskState,
} from "./model.js";
import { eachRef, eachStateHandle, refKind, streamLength, type RefKind } from "./snapshot-walk.js";
import { streamsBytes } from "./stream-ref.js";

/** Local names an incremental handle's line lists before it says how many more there are. */
const LOCAL_NAMES_SHOWN = 8;

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
  ];
  if (s.source !== undefined) {
    lines.push(`  source: ${s.source.system} metadata version ${s.source.formatVersion}, checkpoint ${s.source.checkpointId}`);
  }
  lines.push(`  ${summary(s)}`);
  for (const m of s.masterStates ?? []) lines.push(`  master state "${m.name}": version ${m.version}, ${formatBytes(BigInt(m.payload.length))} payload`);
  for (const op of s.operators) lines.push(...operator(op));
  return lines.join("\n");
}

function operator(op: OperatorState): string[] {
  const own = op.maxParallelism === undefined || op.maxParallelism === 0 ? "" : `, own max parallelism ${op.maxParallelism}`;
  const lines = [
    `  operator ${op.operatorId}${op.name === "" ? "" : ` "${op.name}"`}${op.uid === undefined || op.uid === "" ? "" : ` (uid "${op.uid}")`}` +
      `, parallelism ${op.parallelism}${own}, ${op.subtasks.length} subtask(s) with state${op.finished === true ? ", FINISHED (no state)" : ""}`,
  ];
  if (op.coordinatorState !== undefined) lines.push(`    coordinator state: ${describeStream(op.coordinatorState)}`);
  for (const st of op.subtasks) lines.push(...subtask(st));
  return lines;
}

function subtask(st: SubtaskState): string[] {
  if (st.finished === true) return [`    subtask ${st.subtaskIndex}: FINISHED (no state)`];
  const lines = [`    subtask ${st.subtaskIndex}: ${st.handles.length} handle(s)`];
  for (const h of st.handles) lines.push(...handle(h, "      "));
  if (st.managedOperatorState !== undefined) lines.push(...operatorState("managed", st.managedOperatorState));
  if (st.rawOperatorState !== undefined) lines.push(...operatorState("raw", st.rawOperatorState));
  if (st.rawKeyedHandles !== undefined && st.rawKeyedHandles.length > 0) {
    lines.push(`      raw keyed state (restored by user code): ${st.rawKeyedHandles.length} handle(s)`);
    for (const h of st.rawKeyedHandles) lines.push(...handle(h, "        "));
  }
  if (st.channelState !== undefined && st.channelState.length > 0) {
    lines.push(`      channel state: ${st.channelState.length} handle(s)`);
    for (const h of st.channelState) lines.push(`        ${h.kind}: ${streamList([...h.sharedFiles, ...h.files])}, payload ${formatBytes(BigInt(h.payload.length))}`);
  }
  return lines;
}

function handle(h: KeyedStateHandle, indent: string): string[] {
  const body = h.type === "incremental" ? incremental(h)
    : h.type === "savepoint" ? savepoint(h)
    : h.type === "stream-incremental" ? streamIncremental(h)
    : h.type === "key-groups-stream" ? keyGroupsStream(h)
    : opaque(h);
  return body.map((line) => `${indent}${line}`);
}

function summary(s: Snapshot): string {
  const subtasks = s.operators.reduce((n, op) => n + op.subtasks.length, 0);
  const handles = [...eachStateHandle(s)].filter((site) => site.list !== "channelState").length;
  const kinds: Record<RefKind, { count: number; bytes: bigint }> = {
    file: { count: 0, bytes: 0n }, segment: { count: 0, bytes: 0n }, inline: { count: 0, bytes: 0n }, external: { count: 0, bytes: 0n },
  };
  for (const r of eachRef(s)) {
    const k = kinds[refKind(r.ref)];
    k.count++;
    k.bytes += streamLength(r.ref);
  }
  const others = (["segment", "inline", "external"] as const).filter((k) => kinds[k].count > 0)
    .map((k) => `, ${kinds[k].count} ${k} ref(s) ${formatBytes(kinds[k].bytes)}`).join("");
  return `${s.operators.length} operator(s), ${subtasks} subtask(s), ${handles} handle(s), ${kinds.file.count} file(s), ${formatBytes(kinds.file.bytes)}${others}`;
}

function incremental(h: IncrementalHandle): string[] {
  const fresh = h.sharedFiles.filter((f) => f.originCheckpointId === h.checkpointId);
  return [
    `incremental: key groups ${range(h.keyGroups)}, checkpoint ${h.checkpointId}` +
      `${h.baseCheckpointId === 0n ? " (full)" : ` on ${h.baseCheckpointId}`}, backend ${h.backendId}`,
    `  folder ${h.folder}`,
    `  shared: ${count(h.sharedFiles)} (${fresh.length} uploaded by this checkpoint, ${h.sharedFiles.length - fresh.length} reused)`,
    `  private: ${count(h.privateFiles)}; meta: ${h.metaFile.path} (${formatBytes(h.metaFile.size)})`,
    `  state size ${formatBytes(h.stateSize)}, checkpointed ${formatBytes(h.checkpointedSize)}`,
    ...localNames([...h.sharedFiles, ...h.privateFiles, h.metaFile]),
  ];
}

function streamIncremental(h: StreamIncrementalHandle): string[] {
  const fresh = h.sharedFiles.filter((f) => f.originCheckpointId === h.checkpointId);
  return [
    `stream-incremental: key groups ${range(h.keyGroups)}, checkpoint ${h.checkpointId}` +
      `${h.baseCheckpointId === 0n ? " (full)" : ` on ${h.baseCheckpointId}`}, backend ${h.backendId}`,
    `  folder ${h.folder === "" ? "(none)" : h.folder}`,
    `  shared: ${streamList(h.sharedFiles)} (${fresh.length} uploaded by this checkpoint, ${h.sharedFiles.length - fresh.length} reused)`,
    `  private: ${streamList(h.privateFiles)}`,
    `  meta: ${describeStream(h.meta)}`,
    `  state size ${formatBytes(h.stateSize)}, checkpointed ${formatBytes(h.checkpointedSize)}`,
    ...localNames([...h.sharedFiles, ...h.privateFiles, h.meta]),
  ];
}

function savepoint(h: SavepointHandle): string[] {
  return [
    `savepoint: key groups ${range(h.keyGroups)}, ${h.offsets.length} offset(s)`,
    `  data ${h.dataFile.path} (${formatBytes(h.dataFile.size)})`,
  ];
}

function keyGroupsStream(h: KeyGroupsStreamHandle): string[] {
  return [
    `key-groups-stream: key groups ${range(h.keyGroups)}, ${h.offsets.length} offset(s), data format ${h.dataFormat}`,
    `  data ${describeStream(h.data)}`,
  ];
}

function opaque(h: OpaqueHandle): string[] {
  return [
    `opaque ${h.kind}: key groups ${h.keyGroups === undefined ? "none" : range(h.keyGroups)}, payload ${formatBytes(BigInt(h.payload.length))}`,
    `  shared: ${streamList(h.sharedFiles)}; exclusive: ${streamList(h.files)}`,
  ];
}

function operatorState(which: "managed" | "raw", h: OperatorStateHandle): string[] {
  return [
    `      ${which} operator state: ${describeStream(h.stream)}, ${h.states.length} state(s)`,
    ...h.states.map((s) => `        "${s.name}": ${s.mode}, ${s.offsets.length} partition(s)`),
  ];
}

/** `N local name(s): a, b, …` for the streams that record one; nothing when none does. */
function localNames(refs: readonly (FileRef | StreamRef)[]): string[] {
  const names = refs.map((r) => r.localName ?? "").filter((n) => n !== "");
  if (names.length === 0) return [];
  const more = names.length > LOCAL_NAMES_SHOWN ? `, … (${names.length - LOCAL_NAMES_SHOWN} more)` : "";
  return [`  local names (${names.length} of ${refs.length}): ${names.slice(0, LOCAL_NAMES_SHOWN).join(", ")}${more}`];
}

/**
 * One stream as a readable phrase ([spec](../spec/format-v1.md#streamref)): its
 * target (file path, segment byte range, inline size, external URI), size and local name.
 */
export function describeStream(ref: FileRef | StreamRef): string {
  const local = ref.localName === undefined || ref.localName === "" ? "" : `, local name ${ref.localName}`;
  if (!("type" in ref) || ref.type === "file") return `file ${ref.path} (${formatBytes(ref.size)})${local}`;
  switch (ref.type) {
    case "segment":
      return `segment of ${ref.path} bytes ${ref.offset}..${ref.offset + ref.length} (${formatBytes(ref.length)}, ${ref.scope})${local}`;
    case "inline": return `inline ${formatBytes(BigInt(ref.data.length))}${local}`;
    case "external": return `external ${ref.uri} (${formatBytes(ref.size)})${local}`;
  }
}

/** `N stream(s), SIZE` with the kinds when not all are files: `3 stream(s), 2 KiB (2 file, 1 inline)`. */
function streamList(refs: readonly StreamRef[]): string {
  const byKind = new Map<RefKind, number>();
  for (const r of refs) byKind.set(refKind(r), (byKind.get(refKind(r)) ?? 0) + 1);
  const kinds = byKind.size === 0 || (byKind.size === 1 && byKind.has("file")) ? ""
    : ` (${[...byKind].map(([k, n]) => `${n} ${k}${n !== 1 && (k === "file" || k === "segment") ? "s" : ""}`).join(", ")})`;
  return `${refs.length} stream(s), ${formatBytes(streamsBytes(refs))} stored${kinds}`;
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
