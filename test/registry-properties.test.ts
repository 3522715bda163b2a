/**
 * Property tests of the shared-file registry over random interleavings of
 * triggers, uploads, completions (honest, stale and rogue), aborts, retention,
 * restores with and without claim, and deletions that may fail. A model on the
 * test side tracks what exists on storage and what each snapshot refers to:
 *  (a) safety: no file a retained or pending checkpoint, a savepoint or a
 *      no-claim restore may refer to is ever in a plan, and none of those files
 *      is ever deleted;
 *  (b) liveness: after quiescence (every pending snapshot ended, retention down
 *      to the latest checkpoint) every file nobody refers to is in the plan.
 * Checkpoints may hold 1.1 structures: segments of physical files that later
 * checkpoints reuse and append to (a physical file is referred to while any
 * segment of it is), an operator-state file (exclusive) and an external
 * coordinator-state URI (never registered, never planned).
 */
import t from "tap";
import fc from "fast-check";
import { compareBigInts } from "../src/body/canonical-order.js";
import type { FileRef, SegmentStream, SharedFileRef, Snapshot, SnapshotKind } from "../src/model.js";
import { KsnapError } from "../src/errors.js";
import { SharedStateRegistry } from "../src/registry/shared-state-registry.js";
import { eachFile, eachSegment, originOf, referencedPaths } from "../src/snapshot-walk.js";
import { fileAt, savepointSnapshot } from "./registry-fixtures.js";

type Op =
  | { t: "trigger"; savepoint: boolean }
  | { t: "upload"; pick: number; shared: boolean; clash: boolean; segment?: "new" | "append" }
  | { t: "complete"; pick: number; reuse: number; stale: number | null; rogue: "none" | "foreign-upload" | "ghost" }
  | { t: "abort"; pick: number }
  | { t: "subsume"; keep: number; byId: boolean }
  | { t: "restore"; source: "latest" | "history" | "external-checkpoint" | "external-savepoint"; pick: number; claim: boolean }
  | { t: "delete"; failMask: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant("trigger" as const), savepoint: fc.constantFrom(false, false, false, true) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant("upload" as const), pick: fc.nat(), shared: fc.boolean(), clash: fc.constantFrom(false, false, false, true) }) },
  // 1.1: a segment in a new physical file (an upload), or appended to one the base holds (not an upload).
  { weight: 3, arbitrary: fc.record({
    t: fc.constant("upload" as const), pick: fc.nat(), shared: fc.constant(true), clash: fc.constant(false), segment: fc.constantFrom("new" as const, "append" as const),
  }) },
  { weight: 4, arbitrary: fc.record({
    t: fc.constant("complete" as const), pick: fc.nat(), reuse: fc.nat(),
    stale: fc.option(fc.nat(), { freq: 3 }), rogue: fc.constantFrom("none" as const, "none" as const, "none" as const, "foreign-upload" as const, "ghost" as const),
  }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("abort" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("subsume" as const), keep: fc.integer({ min: 1, max: 3 }), byId: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({
    t: fc.constant("restore" as const), source: fc.constantFrom("latest" as const, "history" as const, "external-checkpoint" as const, "external-savepoint" as const),
    pick: fc.nat(), claim: fc.boolean(),
  }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("delete" as const), failMask: fc.nat() }) },
);

interface PendingModel {
  kind: SnapshotKind;
  /** Shared files of the base at trigger time: what the task may build on. */
  base: SharedFileRef[];
  baseId: bigint;
  uploads: { file: FileRef; shared: boolean }[];
  /** 1.1: segments of the base, which the task may reuse. */
  baseSegments: SharedSegment[];
  /** 1.1: segments written for this snapshot, in new physical files or appended to the base's. */
  segments: SharedSegment[];
}

type SharedSegment = SegmentStream & { originCheckpointId: bigint };

const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;

/**
 * Checkpoint `id`; with 1.1 parts when `segments` is not empty: a second operator whose stream-incremental handle
 * holds them, the first private file as managed operator state, and coordinator state at an external URI.
 */
function makeCheckpoint(id: bigint, base: bigint, shared: SharedFileRef[], privates: FileRef[], meta: FileRef, segments: SharedSegment[] = []): Snapshot {
  if (segments.length > 0) {
    const [opFile, ...rest] = privates;
    const s = makeCheckpoint(id, base, shared, rest, meta);
    if (opFile !== undefined) s.operators[0]!.subtasks[0]!.managedOperatorState = { stream: { type: "file", ...opFile }, states: [] };
    s.operators[0]!.coordinatorState = { type: "external", uri: `s3://elsewhere/coordinator-${id}`, size: 1n, xxh64: 0n };
    s.operators.push({ operatorId: "op-seg", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [{
      type: "stream-incremental", backendId: "bs", keyGroups: { start: 0, count: 128 }, folder: "", checkpointId: id, baseCheckpointId: base,
      sharedFiles: segments, privateFiles: [], meta: { type: "inline", data: new Uint8Array(1) }, stateSize: 0n, checkpointedSize: 0n,
    }] }] });
    return s;
  }
  return {
    snapshotId: id, kind: "checkpoint", properties: { ...CHECKPOINT }, maxParallelism: 128, snapshotDir: `chk-${id}`, jobId: "", timestampMillis: 0n,
    operators: [{ operatorId: "op", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [{
      type: "incremental", backendId: "b", keyGroups: { start: 0, count: 128 }, folder: `chk-${id}`, checkpointId: id, baseCheckpointId: base,
      sharedFiles: shared, privateFiles: privates, metaFile: meta, stateSize: 0n, checkpointedSize: 0n,
    }] }] }],
  };
}

function shareableSegments(s: Snapshot): SharedSegment[] {
  return [...eachSegment(s)].filter((f) => f.role === "shared").map((f) => ({ ...f.ref, originCheckpointId: originOf(f)! }));
}

function shareable(s: Snapshot): SharedFileRef[] {
  const seen = new Map<string, SharedFileRef>();
  for (const f of eachFile(s)) if (f.role === "shared") seen.set(f.ref.path, { ...f.ref, originCheckpointId: originOf(f)! });
  return [...seen.values()];
}

const sorted = (xs: Iterable<bigint>) => [...xs].sort(compareBigInts);

/** The test's own account of storage and of who refers to what; the registry is checked against it. */
class World {
  constructor(readonly reg: SharedStateRegistry = new SharedStateRegistry()) {}
  readonly disk = new Set<string>();
  /** Files the registry was told about and has not had acknowledged as deleted. */
  readonly known = new Set<string>();
  readonly pending = new Map<bigint, PendingModel>();
  /** Every checkpoint the registry accepted (completed or claimed), by id. */
  readonly checkpoints = new Map<bigint, Snapshot>();
  readonly savepoints: Snapshot[] = [];
  /** Shared uploads of snapshots that aborted: nothing may refer to them. */
  readonly abandoned: SharedFileRef[] = [];
  retained: bigint[] = [];
  readonly protectedPaths = new Set<string>();
  base: bigint | undefined;
  mustBeFull = false;
  highest = 0n;
  private counter = 0;

  /** 1.1: the end of what was written to each physical file so far: an append starts there. */
  readonly physicalEnd = new Map<string, bigint>();

  fresh(prefix: string): string {
    return `${prefix}f${++this.counter}`;
  }

  pick(n: number): [bigint, PendingModel] | undefined {
    const ids = sorted(this.pending.keys());
    const id = ids[n % Math.max(1, ids.length)];
    return id === undefined ? undefined : [id, this.pending.get(id)!];
  }

  retainedPaths(): Set<string> {
    const out = new Set<string>();
    for (const id of this.retained) for (const p of referencedPaths(this.checkpoints.get(id)!)) out.add(p);
    return out;
  }

  pendingPaths(): Set<string> {
    const out = new Set<string>();
    for (const p of this.pending.values()) {
      for (const f of p.base) out.add(f.path);
      for (const u of p.uploads) out.add(u.file.path);
      for (const seg of [...p.baseSegments, ...p.segments]) out.add(seg.path);
    }
    return out;
  }

  upload(id: bigint, file: FileRef | SharedFileRef, shared: boolean): void {
    this.reg.recordUpload(id, file);
    this.disk.add(file.path);
    this.known.add(file.path);
    this.pending.get(id)!.uploads.push({ file, shared });
  }

  /** Ends pending `id` without completing it. */
  drop(id: bigint): void {
    for (const u of this.pending.get(id)?.uploads ?? []) if (u.shared) this.abandoned.push(u.file as SharedFileRef);
    this.pending.delete(id);
  }

  retain(id: bigint): void {
    if (!this.retained.includes(id)) this.retained = sorted([...this.retained, id]);
  }
}

function run(w: World, op: Op): void {
  switch (op.t) {
    case "trigger": return trigger(w, op.savepoint);
    case "upload": return upload(w, op);
    case "complete": return complete(w, op);
    case "abort": {
      const p = w.pick(op.pick);
      if (p === undefined) return;
      w.reg.abort(p[0]);
      w.drop(p[0]);
      return;
    }
    case "subsume": return subsume(w, op);
    case "restore": return restore(w, op);
    case "delete": return deletePlan(w, op.failMask);
  }
}

function trigger(w: World, savepoint: boolean): void {
  const id = w.highest + 1n;
  const kind: SnapshotKind = savepoint ? "savepoint" : "checkpoint";
  w.reg.startPending(id, kind);
  const usable = kind === "checkpoint" && w.base !== undefined && !w.mustBeFull;
  const base = usable ? w.checkpoints.get(w.base!)! : undefined;
  w.pending.set(id, {
    kind, base: base ? shareable(base) : [], baseId: usable ? w.base! : 0n, uploads: [], baseSegments: base ? shareableSegments(base) : [], segments: [],
  });
  w.highest = id;
}

function upload(w: World, op: Extract<Op, { t: "upload" }>): void {
  const p = w.pick(op.pick);
  if (p === undefined) return;
  const [id, pending] = p;
  if (op.clash && w.known.size > 0) {
    const taken = [...w.known][op.pick % w.known.size]!;
    const e = expectError(() => w.reg.recordUpload(id, fileAt(taken)));
    if ((e.code as string) !== "FILE_CONFLICT") throw new Error(`upload over ${taken}: ${e.code}`);
    return;
  }
  if (op.segment !== undefined) return uploadSegment(w, id, pending, op.segment, op.pick);
  const shared = op.shared && pending.kind === "checkpoint";
  const path = w.fresh(shared ? "shared/" : pending.kind === "savepoint" ? `sp-${id}/` : `chk-${id}/`);
  w.upload(id, shared ? { ...fileAt(path), originCheckpointId: id } : fileAt(path), shared);
}

/** A segment of `length` 4 for pending checkpoint `id`: in a new physical file (recorded as an upload) or appended to one its base holds. */
function uploadSegment(w: World, id: bigint, pending: PendingModel, kind: "new" | "append", pick: number): void {
  if (pending.kind !== "checkpoint") return;
  const targets = [...new Set(pending.baseSegments.map((seg) => seg.path))];
  const path = kind === "append" && targets.length > 0 ? targets[pick % targets.length]! : w.fresh("shared/phys-");
  const offset = w.physicalEnd.get(path) ?? 0n;
  const seg: SharedSegment = { type: "segment", id: `id:${path}`, path, offset, length: 4n, scope: "shared", xxh64: 0n, originCheckpointId: id };
  if (offset === 0n) {
    w.reg.recordUpload(id, seg);
    w.disk.add(path);
    w.known.add(path);
  }
  w.physicalEnd.set(path, offset + 4n);
  pending.segments.push(seg);
}

function complete(w: World, op: Extract<Op, { t: "complete" }>): void {
  const p = w.pick(op.pick);
  if (p === undefined) return;
  const [id, pending] = p;
  const extras = extraRefs(w, id, op);
  const snapshot = pending.kind === "savepoint" ? savepointOf(w, id, pending, extras) : checkpointOf(w, id, pending, op.reuse, extras);
  let aborted: bigint[];
  try {
    aborted = w.reg.complete(id, snapshot);
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    justifyRefusal(w, id, pending, extras, op.rogue, e);
    w.reg.abort(id);
    w.drop(id);
    return;
  }
  if (op.rogue !== "none" && extras.length > 0) throw new Error(`a rogue completion of ${id} was accepted`);
  const plan = new Set(w.reg.discardPlan().map((f) => f.path));
  for (const path of referencedPaths(snapshot)) {
    if (!w.disk.has(path) || plan.has(path)) throw new Error(`completion of ${id} accepted a reference to ${path}, which is deleted or planned`);
  }
  w.pending.delete(id);
  if (pending.kind === "savepoint") {
    for (const path of referencedPaths(snapshot)) w.protectedPaths.add(path);
    w.savepoints.push(snapshot);
    return;
  }
  const older = sorted([...w.pending].filter(([pid, pm]) => pid < id && pm.kind === "checkpoint").map(([pid]) => pid));
  if (JSON.stringify(aborted.map(String)) !== JSON.stringify(older.map(String))) throw new Error(`complete(${id}) aborted ${aborted}, expected ${older}`);
  for (const pid of older) w.drop(pid);
  w.checkpoints.set(id, snapshot);
  w.retain(id);
  w.base = id;
  w.mustBeFull = false;
}

/** References an honest task would not make: stale ones (a lagging task) and rogue ones. */
function extraRefs(w: World, id: bigint, op: Extract<Op, { t: "complete" }>): SharedFileRef[] {
  if (op.rogue === "ghost") return [{ ...fileAt(w.fresh("shared/ghost-")), originCheckpointId: id > 1n ? id - 1n : id }];
  if (op.rogue === "foreign-upload") {
    const others = [...w.pending].filter(([pid]) => pid !== id).flatMap(([, pm]) => pm.uploads.filter((u) => u.shared).map((u) => u.file as SharedFileRef));
    const candidates = [...others, ...w.abandoned];
    const f = candidates[op.reuse % Math.max(1, candidates.length)];
    return f === undefined ? [] : [f];
  }
  if (op.stale === null) return [];
  const all = sorted(w.checkpoints.keys());
  const source = all[op.stale % Math.max(1, all.length)];
  return source === undefined ? [] : shareable(w.checkpoints.get(source)!);
}

function checkpointOf(w: World, id: bigint, pending: PendingModel, reuse: number, extras: SharedFileRef[]): Snapshot {
  const meta = fileAt(w.fresh(`chk-${id}/meta-`));
  w.upload(id, meta, false);
  const reused = pending.base.filter((_, i) => i >= 30 || (reuse & (1 << i)) !== 0);
  const own = pending.uploads.filter((u) => u.shared).map((u) => u.file as SharedFileRef);
  const byPath = new Map([...reused, ...own, ...extras].map((f) => [f.path, f]));
  const privates = pending.uploads.filter((u) => !u.shared && u.file.path !== meta.path).map((u) => u.file);
  const reusedSegments = pending.baseSegments.filter((_, i) => (reuse & (1 << ((i + 7) % 30))) !== 0);
  const segments = [...reusedSegments, ...pending.segments];
  const builds = reused.length > 0 || reusedSegments.length > 0 || pending.segments.some((seg) => seg.offset > 0n);
  return makeCheckpoint(id, builds ? pending.baseId : 0n, [...byPath.values()], privates, meta, segments);
}

function savepointOf(w: World, id: bigint, pending: PendingModel, extras: SharedFileRef[]): Snapshot {
  if (pending.uploads.length === 0) w.upload(id, fileAt(w.fresh(`sp-${id}/`)), false);
  return savepointSnapshot(id, [...pending.uploads.map((u) => u.file.path), ...extras.map((f) => f.path)]);
}

// A refusal is right only for a dishonest completion, and only if one of its
// extra references was really unavailable.
function justifyRefusal(w: World, id: bigint, pending: PendingModel, extras: SharedFileRef[], rogue: string, e: KsnapError): void {
  if (extras.length === 0) throw new Error(`an honest completion of ${id} was refused: ${e.describe()}`);
  if (rogue !== "none" || pending.kind === "savepoint") return;
  const available = new Set([...w.retainedPaths(), ...pending.base.map((f) => f.path)]);
  if (extras.every((f) => available.has(f.path) && !w.protectedPaths.has(f.path))) {
    throw new Error(`completion of ${id} was refused although every reference was available: ${e.describe()}`);
  }
}

function subsume(w: World, op: Extract<Op, { t: "subsume" }>): void {
  const from = w.retained[op.keep % Math.max(1, w.retained.length)];
  const byId = op.byId && from !== undefined;
  const dropped = w.reg.subsume(byId ? { keepFrom: from } : { keepLatest: op.keep });
  const expected = byId ? w.retained.filter((id) => id < from) : w.retained.slice(0, Math.max(0, w.retained.length - op.keep));
  if (JSON.stringify(dropped.map(String)) !== JSON.stringify(expected.map(String))) throw new Error(`subsume dropped ${dropped}, expected ${expected}`);
  w.retained = w.retained.filter((id) => !dropped.includes(id));
}

function restore(w: World, op: Extract<Op, { t: "restore" }>): void {
  const snapshot = restoreSource(w, op);
  if (snapshot === undefined) return;
  const mode = op.claim ? "claim" : "no-claim";
  // A user-owned file stays user-owned: claiming a snapshot restored earlier without claim is refused.
  const claimsUserFiles = op.claim && [...referencedPaths(snapshot)].some((p) => w.protectedPaths.has(p));
  const mustSucceed = (op.source === "latest" && !claimsUserFiles) || op.source === "external-checkpoint" || (op.source === "external-savepoint" && !op.claim);
  try {
    w.reg.restore(snapshot, mode);
  } catch (e) {
    if (!(e instanceof KsnapError)) throw e;
    if (mustSucceed) throw new Error(`restore (${op.source}, ${mode}) of ${snapshot.snapshotId} was refused: ${e.describe()}`);
    return;
  }
  if (op.source === "external-savepoint" && op.claim) throw new Error("a savepoint was claimed");
  const plan = new Set(w.reg.discardPlan().map((f) => f.path));
  for (const path of referencedPaths(snapshot)) {
    if (!w.disk.has(path) || plan.has(path)) throw new Error(`restore of ${snapshot.snapshotId} accepted though ${path} is deleted or planned`);
    w.known.add(path);
  }
  for (const pid of [...w.pending.keys()]) w.drop(pid);
  if (snapshot.snapshotId > w.highest) w.highest = snapshot.snapshotId;
  if (op.claim) {
    w.checkpoints.set(snapshot.snapshotId, snapshot);
    w.retain(snapshot.snapshotId);
    w.base = snapshot.snapshotId;
    w.mustBeFull = false;
  } else {
    for (const path of referencedPaths(snapshot)) w.protectedPaths.add(path);
    w.base = undefined;
    w.mustBeFull = true;
  }
}

function restoreSource(w: World, op: Extract<Op, { t: "restore" }>): Snapshot | undefined {
  if (op.source === "latest") {
    const latest = w.retained.at(-1);
    return latest === undefined ? undefined : w.checkpoints.get(latest);
  }
  if (op.source === "history") {
    const all = [...w.checkpoints.values(), ...w.savepoints];
    return all[op.pick % Math.max(1, all.length)];
  }
  // A snapshot written by another job: its files exist on storage, unknown to the registry.
  const id = w.highest + 1n + BigInt(op.pick % 3);
  if (op.source === "external-savepoint") {
    const paths = [w.fresh(`ext-sp-${id}/`), w.fresh(`ext-sp-${id}/`)];
    paths.forEach((p) => w.disk.add(p));
    return savepointSnapshot(id, paths);
  }
  const shared = [0, 1].map(() => ({ ...fileAt(w.fresh("shared/ext-")), originCheckpointId: id - 1n }));
  const meta = fileAt(w.fresh(`chk-${id}/meta-`));
  const priv = fileAt(w.fresh(`chk-${id}/`));
  [...shared, meta, priv].forEach((f) => w.disk.add(f.path));
  return makeCheckpoint(id, id - 1n, shared, [priv], meta);
}

function deletePlan(w: World, failMask: number): void {
  const plan = w.reg.discardPlan().map((f) => f.path);
  const deleted = plan.filter((_, i) => (failMask & (1 << (i % 31))) === 0);
  for (const path of plan) if (!w.disk.has(path)) throw new Error(`${path} is planned but was already deleted`);
  for (const path of deleted) {
    w.disk.delete(path);
    w.known.delete(path);
  }
  w.reg.markDeleted(deleted);
}

/** (a), after every step. */
function checkSafety(w: World): void {
  const plan = w.reg.discardPlan().map((f) => f.path);
  const held = new Set([...w.retainedPaths(), ...w.pendingPaths(), ...w.protectedPaths]);
  for (const path of plan) if (held.has(path)) throw new Error(`${path} is in the plan but still referenced`);
  for (const path of [...w.retainedPaths(), ...w.protectedPaths]) if (!w.disk.has(path)) throw new Error(`${path} is referenced but was deleted`);
  const retained = w.reg.retainedCheckpoints().map(String);
  if (JSON.stringify(retained) !== JSON.stringify(w.retained.map(String))) throw new Error(`registry retains ${retained}, model ${w.retained}`);
  const pending = w.reg.pendingSnapshots().map(String);
  if (JSON.stringify(pending) !== JSON.stringify(sorted(w.pending.keys()).map(String))) throw new Error(`registry has pending ${pending}`);
}

/** (b): end every pending snapshot, keep only the latest checkpoint, and the plan is exactly what nobody refers to. */
function checkLiveness(w: World): void {
  for (const id of sorted(w.pending.keys())) {
    w.reg.abort(id);
    w.drop(id);
  }
  subsume(w, { t: "subsume", keep: 1, byId: false });
  const keep = new Set([...w.retainedPaths(), ...w.protectedPaths]);
  const expected = [...w.known].filter((p) => !keep.has(p)).sort();
  const plan = w.reg.discardPlan().map((f) => f.path);
  if (JSON.stringify([...plan].sort()) !== JSON.stringify(expected)) {
    throw new Error(`after quiescence the plan is ${JSON.stringify(plan)}, expected ${JSON.stringify(expected)}`);
  }
  w.reg.markDeleted(plan);
  for (const path of plan) w.known.delete(path);
  if (w.reg.discardPlan().length !== 0) throw new Error("the plan is not empty after deleting it");
  if ([...keep].some((p) => !w.known.has(p) && !w.disk.has(p))) throw new Error("a kept file is gone");
}

function operations(ops: Op[], registry?: SharedStateRegistry): void {
  const w = new World(registry);
  for (const op of ops) {
    run(w, op);
    checkSafety(w);
  }
  checkLiveness(w);
  checkSafety(w);
}

function expectError(fn: () => void): KsnapError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KsnapError) return e;
    throw e;
  }
  throw new Error("expected a KsnapError");
}

t.test("safety and liveness over random interleavings", async (t) => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => operations(ops)), { numRuns: 600 });
  t.pass("600 random histories");
});

t.test("the properties hold on long histories with many concurrent checkpoints", async (t) => {
  const rogue = fc.constantFrom("none" as const, "none" as const, "none" as const, "foreign-upload" as const, "ghost" as const);
  const concurrent = fc.array(fc.oneof(
    { weight: 4, arbitrary: fc.constant<Op>({ t: "trigger", savepoint: false }) },
    { weight: 6, arbitrary: fc.record({ t: fc.constant("upload" as const), pick: fc.nat(), shared: fc.constant(true), clash: fc.constant(false) }) },
    { weight: 3, arbitrary: fc.record({
      t: fc.constant("upload" as const), pick: fc.nat(), shared: fc.constant(true), clash: fc.constant(false), segment: fc.constantFrom("new" as const, "append" as const),
    }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant("complete" as const), pick: fc.nat(), reuse: fc.nat(), stale: fc.option(fc.nat()), rogue }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("abort" as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("subsume" as const), keep: fc.integer({ min: 1, max: 2 }), byId: fc.constant(false) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("delete" as const), failMask: fc.nat() }) },
  ), { minLength: 50, maxLength: 200 });
  fc.assert(fc.property(concurrent, (ops) => operations(ops)), { numRuns: 150 });
  t.pass("150 long histories");
});

t.test("the checks are not vacuous: a registry that plans a held file or forgets nothing is caught", async (t) => {
  const ops: Op[] = [
    { t: "trigger", savepoint: false },
    { t: "upload", pick: 0, shared: true, clash: false }, // shared/f1
    { t: "complete", pick: 0, reuse: 0, stale: null, rogue: "none" },
  ];
  t.doesNotThrow(() => operations(ops), "the real registry passes");
  class PlansTooMuch extends SharedStateRegistry {
    override discardPlan(): FileRef[] {
      return [...super.discardPlan(), ...(this.retainedCheckpoints().length > 0 ? [fileAt("shared/f1")] : [])];
    }
  }
  t.throws(() => operations(ops, new PlansTooMuch()), /accepted a reference to shared\/f1, which is deleted or planned|shared\/f1 is in the plan but still referenced/);
  class NeverForgets extends SharedStateRegistry {
    override markDeleted(): void {}
  }
  const churn: Op[] = [...ops, { t: "trigger", savepoint: false }, { t: "complete", pick: 0, reuse: 0, stale: null, rogue: "none" },
    { t: "subsume", keep: 1, byId: false }, { t: "delete", failMask: 0 }];
  t.throws(() => operations(churn, new NeverForgets()), /planned but was already deleted|after quiescence the plan is/);
});
