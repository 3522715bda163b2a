/**
 * Restore planning of operator state (1.1, spec/diff-and-restore.md#operator-state):
 * Flink's round-robin assignment in name order, against hand-worked examples and
 * as a property. In-memory model snapshots: 1.1 files cannot be encoded yet.
 */
import t from "tap";
import fc from "fast-check";
import { base } from "../conformance/cases/fixtures.js";
import type { DistributionMode, NamedOperatorState, OperatorStateHandle, Snapshot, StreamRef, SubtaskState } from "../src/model.js";
import { MAX_REPLICATED_OPERATOR_STATE, planRestore, type OperatorStateRead, type SubtaskRestorePlan } from "../src/restore-plan.js";
import { thrown } from "./helpers.js";

const CHECKPOINT = { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" } as const;

/** Old subtask i's stream: a whole file of 1000 + i bytes. */
const stream = (i: number): StreamRef => ({ type: "file", id: `os-${i}`, path: `chk-1/os-${i}`, size: BigInt(1000 + i), xxh64: 0n });

type States = Record<string, [DistributionMode, number[]]>;
const handleOf = (i: number, states: States): OperatorStateHandle => ({
  stream: stream(i),
  states: Object.entries(states).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, [mode, offsets]]): NamedOperatorState => ({ name, mode, offsets: offsets.map(BigInt) })),
});

/** One operator of parallelism `p` whose old subtask i has managed operator state `managed[i]` (none when undefined). */
function snapshotOf(p: number, managed: (States | undefined)[], raw: (States | undefined)[] = [], maxParallelism = 128): Snapshot {
  const subtasks: SubtaskState[] = [];
  for (let i = 0; i < Math.max(managed.length, raw.length); i++) {
    const st: SubtaskState = { subtaskIndex: i, handles: [] };
    if (managed[i] !== undefined) st.managedOperatorState = handleOf(i, managed[i]!);
    if (raw[i] !== undefined) st.rawOperatorState = handleOf(i, raw[i]!);
    if (st.managedOperatorState !== undefined || st.rawOperatorState !== undefined) subtasks.push(st);
  }
  return base({ kind: "checkpoint", properties: CHECKPOINT, maxParallelism, operators: [{ operatorId: "op", name: "Source", parallelism: p, subtasks }] });
}

/** Per new subtask: per read, [old subtask, { name: offsets }]. */
type Shape = [number, Record<string, number[]>][][];
const shape = (reads: OperatorStateRead[][]): Shape =>
  reads.map((rs) => rs.map((r) => [r.oldSubtaskIndex, Object.fromEntries(r.states.map((s) => [s.name, s.offsets.map(Number)]))]));
const managedOf = (s: Snapshot, p: number) => planRestore(s, p).operators[0]!.subtasks.map((st) => st.managedOperatorState);
const rawOf = (s: Snapshot, p: number) => planRestore(s, p).operators[0]!.subtasks.map((st) => st.rawOperatorState);

t.test("split-distribute, p=3 → p'=2: contiguous chunks, and the rotation carries to the next name", async (t) => {
  // "a": 5 partitions: base 2, rem 1 → new 0 takes 3, new 1 takes 2; rotation becomes 1.
  // "b": 6 partitions: base 3, rem 0, starting at new subtask 1 → new 1 takes the first 3, new 0 the last 3.
  const s = snapshotOf(3, [
    { a: ["split-distribute", [0, 10, 20]], b: ["split-distribute", [30]] },
    { a: ["split-distribute", [0]], b: ["split-distribute", [5, 15]] },
    { a: ["split-distribute", [0]], b: ["split-distribute", [16, 24, 32]] },
  ]);
  t.strictSame(shape(managedOf(s, 2)), [
    [[0, { a: [0, 10, 20] }], [2, { b: [16, 24, 32] }]],
    [[0, { b: [30] }], [1, { a: [0], b: [5, 15] }], [2, { a: [0] }]],
  ]);
});

t.test("split-distribute, p=2 → p'=5 with uneven partitions", async (t) => {
  // "a": 8 partitions: base 1, rem 3 → 2, 2, 2, 1, 1 in contiguous chunks; rotation 3.
  // "b": 3 partitions: base 0, rem 3, starting at new subtask 3 → new 3, 4, 0 take one each; new 1, 2 none.
  const s = snapshotOf(2, [
    { a: ["split-distribute", [0, 1, 2, 3, 4, 5, 6]], b: ["split-distribute", [7]] },
    { a: ["split-distribute", [100]], b: ["split-distribute", [101, 102]] },
  ]);
  const reads = managedOf(s, 5);
  t.strictSame(shape(reads), [
    [[0, { a: [0, 1] }], [1, { b: [102] }]],
    [[0, { a: [2, 3] }]],
    [[0, { a: [4, 5] }]],
    [[0, { a: [6], b: [7] }]],
    [[1, { a: [100], b: [101] }]],
  ]);
  t.strictSame(reads[3]![0]!.states.map((x) => x.mode), ["split-distribute", "split-distribute"]);
  t.equal(reads[0]![0]!.bytes, 1000n, "the whole stream of old subtask 0");
  t.equal(reads[0]![1]!.bytes, 1001n);
});

t.test("union: every new subtask gets every partition of every old subtask", async (t) => {
  const s = snapshotOf(2, [{ u: ["union", [0, 4]] }, { u: ["union", [0]] }, undefined]);
  const every = [[0, { u: [0, 4] }], [1, { u: [0] }]];
  t.strictSame(shape(managedOf(s, 3)), [every, every, every]);
  t.strictSame(shape(managedOf(s, 1)), [every]);
});

t.test("broadcast: new subtask i gets old entry i mod p, whole", async (t) => {
  const s = snapshotOf(3, [{ bc: ["broadcast", [0, 9]] }, { bc: ["broadcast", [0]] }, { bc: ["broadcast", [3]] }]);
  t.strictSame(shape(managedOf(s, 5)), [
    [[0, { bc: [0, 9] }]], [[1, { bc: [0] }]], [[2, { bc: [3] }]], [[0, { bc: [0, 9] }]], [[1, { bc: [0] }]],
  ], "p' > p: entries repeat");
  t.strictSame(shape(managedOf(s, 2)), [[[0, { bc: [0, 9] }]], [[1, { bc: [0] }]]], "p' < p: the later entries are not read");
  // p counts the old entries of the name, not the operator's parallelism: only subtasks 1 and 2 hold "x".
  const gaps = snapshotOf(3, [{}, { x: ["broadcast", [1]] }, { x: ["broadcast", [2]] }]);
  t.strictSame(shape(managedOf(gaps, 4)), [[[1, { x: [1] }]], [[2, { x: [2] }]], [[1, { x: [1] }]], [[2, { x: [2] }]]]);
});

t.test("same parallelism: each new subtask keeps its old handle, union states replaced", async (t) => {
  const s = snapshotOf(2, [
    { a: ["split-distribute", [0, 1, 2]], u: ["union", [9]], bc: ["broadcast", [4]] },
    { a: ["split-distribute", [0]], u: ["union", [5]], bc: ["broadcast", [6]] },
  ]);
  t.strictSame(shape(managedOf(s, 2)), [
    [[0, { a: [0, 1, 2], bc: [4], u: [9] }], [1, { u: [5] }]],
    [[0, { u: [9] }], [1, { a: [0], bc: [6], u: [5] }]],
  ], "split-distribute is not rebalanced (3 and 1 partitions stay)");
});

t.test("managed and raw operator state are assigned separately, each rotation starting at 0", async (t) => {
  const s = snapshotOf(2,
    [{ a: ["split-distribute", [0]] }, { a: ["split-distribute", [0, 1]] }],
    [{ z: ["split-distribute", [0]] }, undefined]);
  // Managed "a": 3 over 2 → new 0: old0 [0], old1 [0]; new 1: old1 [1]. Raw "z": 1 over 2 → new 0 (rotation 0, not 1).
  t.strictSame(shape(managedOf(s, 1)), [[[0, { a: [0] }], [1, { a: [0, 1] }]]]);
  const p3 = planRestore(s, 3).operators[0]!.subtasks;
  t.strictSame(shape(p3.map((st) => st.managedOperatorState)), [[[0, { a: [0] }]], [[1, { a: [0] }]], [[1, { a: [1] }]]]);
  t.strictSame(shape(rawOf(s, 3)), [[[0, { z: [0] }]], [], []]);
  t.equal(p3[0]!.bytes, 1000n + 1000n, "managed and raw streams of old subtask 0 both read");
});

t.test("bytes: a whole file its size, a segment its length, inline 0; empty entries are not read", async (t) => {
  const s = snapshotOf(2, [{ a: ["split-distribute", [0]] }, { a: ["split-distribute", [0]], e: ["union", []] }]);
  const st = s.operators[0]!.subtasks;
  st[0]!.managedOperatorState!.stream = { type: "segment", id: "phys", path: "chk-1/phys", offset: 100n, length: 40n, scope: "exclusive", xxh64: 0n };
  st[1]!.managedOperatorState!.stream = { type: "inline", data: new Uint8Array(77) };
  const reads = managedOf(s, 1)[0]!;
  t.strictSame(reads.map((r) => [r.oldSubtaskIndex, r.bytes, r.states.map((x) => x.name)]), [[0, 40n, ["a"]], [1, 0n, ["a"]]]);
});

t.test("errors: one name with two modes, and too many union copies", async (t) => {
  const mixed = snapshotOf(2, [{ a: ["split-distribute", [0]] }, { a: ["union", [0]] }]);
  const e = thrown(() => planRestore(mixed, 3));
  t.equal(e.code, "INVALID_FIELD");
  t.equal(e.field, "operators[0].subtasks[1].managedOperatorState.states[0].mode");
  t.match(e.message, /state "a" is union here but split-distribute at operators\[0\]\.subtasks\[0\]\.managedOperatorState\.states\[0\]/);
  const offsets = Array.from({ length: 10_000 }, (_, i) => i);
  const big = snapshotOf(1, [{ u: ["union", offsets] }], [], 4096);
  const limit = thrown(() => planRestore(big, 1000));
  t.equal(limit.code, "LIMIT_EXCEEDED");
  t.equal(limit.field, "operators[0]");
  t.match(limit.message, /would list 10001000 entries and offsets, more than the 4194304/);
  t.ok(planRestore(big, 400), `400 × 10,001 is within ${MAX_REPLICATED_OPERATOR_STATE}`);
  const bcast = snapshotOf(1, [{ b: ["broadcast", offsets] }], [], 4096);
  t.equal(thrown(() => planRestore(bcast, 1000)).code, "LIMIT_EXCEEDED", "broadcast copies count too");
  t.ok(planRestore(snapshotOf(1, [{ s: ["split-distribute", offsets] }], [], 4096), 4096), "split-distribute lists each partition once: no bound");
});

/** A random operator: per old subtask maybe a handle; per name one mode; offsets 0..k-1 (unique per entry). */
const scenario = () => fc.record({
  p: fc.integer({ min: 1, max: 6 }),
  newP: fc.integer({ min: 1, max: 8 }),
  modes: fc.dictionary(fc.constantFrom("a", "b", "c", "d", "é", "Z"), fc.constantFrom<DistributionMode>("split-distribute", "union", "broadcast"), { minKeys: 1 }),
  counts: fc.array(fc.option(fc.array(fc.nat({ max: 6 }), { minLength: 6, maxLength: 6 }), { nil: undefined }), { minLength: 6, maxLength: 6 }),
}).map(({ p, newP, modes, counts }) => {
  const names = Object.keys(modes).sort();
  const managed = counts.slice(0, p).map((c) => c === undefined ? undefined
    : Object.fromEntries(names.map((n, k) => [n, [modes[n]!, Array.from({ length: c[k]! }, (_, i) => i)] as [DistributionMode, number[]]])));
  return { p, newP, snapshot: snapshotOf(p, managed) };
});

/** Every (old subtask, name, offset) a plan gives each new subtask. */
function assigned(subtasks: SubtaskRestorePlan[]): Map<string, number[]>[] {
  return subtasks.map((st) => {
    const got = new Map<string, number[]>();
    for (const r of st.managedOperatorState) for (const s of r.states) for (const o of s.offsets) got.set(`${r.oldSubtaskIndex}/${s.name}/${o}`, [r.oldSubtaskIndex, Number(o)]);
    return got;
  });
}

t.test("property: split partitions to exactly one new subtask in near-equal contiguous chunks, union to all, broadcast i mod c, deterministic", async (t) => {
  fc.assert(fc.property(scenario(), ({ p, newP, snapshot }) => {
    const plan = planRestore(snapshot, newP);
    const subtasks = plan.operators[0]!.subtasks;
    const got = assigned(subtasks);
    const old = snapshot.operators[0]!.subtasks;
    const modes = new Map(old.flatMap((st) => st.managedOperatorState!.states.map((s) => [s.name, s.mode] as const)));
    for (const [name, mode] of modes) {
      const partitions = old.flatMap((st) => st.managedOperatorState!.states.find((s) => s.name === name)!.offsets.map((o) => `${st.subtaskIndex}/${name}/${o}`));
      const holders = (key: string) => got.filter((g) => g.has(key)).length;
      if (mode === "union" && !partitions.every((k) => holders(k) === newP)) return false;
      if (mode === "split-distribute") {
        if (!partitions.every((k) => holders(k) === 1)) return false;
        if (newP !== p) {
          const sizes = got.map((g) => [...g.keys()].filter((k) => k.split("/")[1] === name).length);
          if (Math.max(...sizes) - Math.min(...sizes) > 1) return false;
          // Contiguous: each new subtask's partitions are one run of the list in old subtask, then offset order.
          for (const g of got) {
            const at = partitions.map((k) => g.has(k));
            const first = at.indexOf(true);
            if (first >= 0 && at.lastIndexOf(true) - first + 1 !== at.filter(Boolean).length) return false;
          }
        }
      }
      if (mode === "broadcast") {
        const entries = old.filter((st) => st.managedOperatorState!.states.some((s) => s.name === name));
        for (let i = 0; i < newP; i++) {
          const want = p === newP ? old.find((st) => st.subtaskIndex === i) : entries[i % entries.length];
          const keys = [...got[i]!.keys()].filter((k) => k.split("/")[1] === name);
          const expected = want === undefined ? [] : want.managedOperatorState!.states.find((s) => s.name === name)!.offsets.map((o) => `${want.subtaskIndex}/${name}/${o}`);
          if (keys.join() !== expected.join()) return false;
        }
      }
    }
    // Deterministic: the same plan again, and for the subtasks listed in another order.
    const again = planRestore(snapshot, newP);
    const shuffled = structuredClone(snapshot);
    shuffled.operators[0]!.subtasks.reverse();
    return JSON.stringify(shape(subtasks.map((st) => st.managedOperatorState))) === JSON.stringify(shape(again.operators[0]!.subtasks.map((st) => st.managedOperatorState)))
      && JSON.stringify(shape(subtasks.map((st) => st.managedOperatorState))) === JSON.stringify(shape(managedOf(shuffled, newP)));
  }), { numRuns: 500 });
  t.pass("property held");
});
