/** Restore planning: which handles, key groups and byte ranges each new subtask reads. */
import t from "tap";
import fc from "fast-check";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { base, incrementalHandle, savepointHandle, sharedSst } from "../conformance/cases/fixtures.js";
import { VALID_CASES } from "../conformance/cases/v1-0-valid.js";
import { planRestoreCommand, registerPlanRestore, renderPlan } from "../src/cli/plan-restore-command.js";
import { keyGroupRangeForOperator, operatorIndexForKeyGroup } from "../src/key-groups.js";
import type { KeyedStateHandle, SavepointHandle, Snapshot } from "../src/model.js";
import { planRestore, restorePlanToJson, type SavepointRead } from "../src/restore-plan.js";
import { handleKeyGroups } from "../src/snapshot-walk.js";
import { capturedStdout, rejection, thrown, VECTORS } from "./helpers.js";

const SAVEPOINT = { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" } as const;
const valid = (name: string): Snapshot => VALID_CASES.find((c) => c.name === name)!.snapshot;
const vectorFile = (name: string) => join(VECTORS, "v1.0", "valid", `${name}.ksnap`);
/** The savepoint vector's operator "KeyedProcess": 4 subtasks of 32 key groups, groups of 1000 + i bytes after a 16-byte header. */
const keyedProcess = (s: Snapshot) => s.operators.find((op) => op.name === "KeyedProcess")!;

t.test("scale up an incremental checkpoint: whole handles, clipped to the new ranges", async (t) => {
  const snapshot = valid("incremental-chain-head");
  const [op] = planRestore(snapshot, 3).operators;
  const handleSize = (i: number) => (snapshot.operators[0]!.subtasks[i]!.handles[0]! as { stateSize: bigint }).stateSize;
  t.strictSame(op!.subtasks.map((st) => st.keyGroups), [{ start: 0, count: 43 }, { start: 43, count: 43 }, { start: 86, count: 42 }]);
  t.strictSame(op!.subtasks.map((st) => st.reads.map((r) => [r.oldSubtaskIndex, r.keyGroups.start, r.keyGroups.count])),
    [[[0, 0, 43]], [[0, 43, 21], [1, 64, 22]], [[1, 86, 42]]]);
  for (const st of op!.subtasks) {
    for (const r of st.reads) {
      t.equal(r.type, "incremental");
      if (r.type !== "incremental") continue;
      t.equal(r.clipped, true, "every old handle holds key groups the new subtask does not own");
      t.equal(r.files.length, 7, "4 shared + 2 private + meta: the whole handle");
      t.equal(r.bytes, handleSize(r.oldSubtaskIndex));
    }
    t.strictSame(st.uncovered, []);
  }
  t.equal(op!.subtasks[1]!.bytes, handleSize(0) + handleSize(1), "the middle subtask downloads both handles");
});

t.test("same parallelism: each subtask reads its own old handle, unclipped", async (t) => {
  const plan = planRestore(valid("incremental-chain-head"), 2);
  for (const st of plan.operators[0]!.subtasks) {
    t.equal(st.reads.length, 1);
    t.equal(st.reads[0]!.oldSubtaskIndex, st.subtaskIndex);
    t.match(st.reads[0], { type: "incremental", clipped: false });
  }
  const sp = keyedProcessPlan(planRestore(valid("savepoint-two-operators"), 4));
  sp.subtasks.forEach((st, i) => {
    t.equal(st.reads.length, 1);
    const r = st.reads[0] as SavepointRead;
    t.equal(r.oldSubtaskIndex, i);
    t.strictSame(r.byteRanges, [{ start: 16n, end: 16n + 32n * BigInt(1000 + i) }], "the whole key-group area, header skipped");
  });
});

t.test("scale a savepoint from 4 to 3: exact byte ranges", async (t) => {
  const op = keyedProcessPlan(planRestore(valid("savepoint-two-operators"), 3));
  const reads = op.subtasks.map((st) => (st.reads as SavepointRead[]).map((r) => [r.dataFile.path, r.byteRanges, r.bytes]));
  // New ranges: 0-42, 43-85, 86-127. Old subtask i holds 32i..32i+31 in groups of 1000+i bytes from byte 16.
  t.strictSame(reads, [
    [["op-b-0.kgdata", [{ start: 16n, end: 32016n }], 32000n], // groups 0-31, all
      ["op-b-1.kgdata", [{ start: 16n, end: 11027n }], 11011n]], // groups 32-42: 11 × 1001
    [["op-b-1.kgdata", [{ start: 11027n, end: 32048n }], 21021n], // groups 43-63: 21 × 1001
      ["op-b-2.kgdata", [{ start: 16n, end: 22060n }], 22044n]], // groups 64-85: 22 × 1002
    [["op-b-2.kgdata", [{ start: 22060n, end: 32080n }], 10020n], // groups 86-95: 10 × 1002
      ["op-b-3.kgdata", [{ start: 16n, end: 32112n }], 32096n]], // groups 96-127: 32 × 1003
  ]);
  t.strictSame(op.subtasks.map((st) => st.bytes), [43011n, 43065n, 42116n]);
});

t.test("scale a savepoint down to 1: every handle's key-group area", async (t) => {
  const op = keyedProcessPlan(planRestore(valid("savepoint-two-operators"), 1));
  t.equal(op.subtasks.length, 1);
  t.strictSame(op.subtasks[0]!.reads.map((r) => [r.oldSubtaskIndex, r.keyGroups, r.bytes]),
    [0, 1, 2, 3].map((i) => [i, { start: 32 * i, count: 32 }, 32n * BigInt(1000 + i)]));
});

t.test("per-operator parallelism overrides the default", async (t) => {
  const snapshot = valid("savepoint-two-operators");
  const other = snapshot.operators.find((op) => op.name === "Map")!.operatorId;
  const plan = planRestore(snapshot, 2, { operatorParallelism: { [other]: 5 } });
  t.strictSame(plan.operators.map((op) => [op.name, op.oldParallelism, op.newParallelism, op.subtasks.length]),
    [["KeyedProcess", 4, 2, 2], ["Map", 1, 5, 5]]);
});

t.test("key groups no handle holds are reported, not thrown", async (t) => {
  const snapshot = structuredClone(valid("savepoint-two-operators"));
  const op = keyedProcess(snapshot);
  op.subtasks = op.subtasks.filter((st) => st.subtaskIndex !== 2); // key groups 64-95 lost
  const plan = keyedProcessPlan(planRestore(snapshot, 3));
  t.strictSame(plan.subtasks.map((st) => st.uncovered), [[], [{ start: 64, count: 22 }], [{ start: 86, count: 10 }]]);
  const stateless = planRestore(base({ kind: "savepoint", properties: SAVEPOINT, maxParallelism: 8,
    operators: [{ operatorId: "x", name: "", parallelism: 2, subtasks: [] }] }), 2);
  t.strictSame(stateless.operators[0]!.subtasks.map((st) => [st.reads.length, st.bytes, st.uncovered]),
    [[0, 0n, [{ start: 0, count: 4 }]], [0, 0n, [{ start: 4, count: 4 }]]]);
});

t.test("key groups without entries still hold their 16-byte end marker; the ranges of a read merge", async (t) => {
  // Groups 0..5 of 10, 16, 5, 16, 16 and 7 bytes after an 8-byte header; the key-group area ends at 78.
  const h: SavepointHandle = { ...savepointHandle("d", "d.kg", 0, 6, 1n), offsets: [8n, 18n, 34n, 39n, 55n, 71n] };
  h.dataFile = { ...h.dataFile, size: 78n };
  const snapshot = oneOperator(6, [h]);
  const at = (p: number) => planRestore(snapshot, p).operators[0]!.subtasks.map((st) => (st.reads[0] as SavepointRead).byteRanges);
  t.strictSame(at(1), [[{ start: 8n, end: 78n }]], "one merged range across all key groups");
  t.strictSame(at(3), [[{ start: 8n, end: 34n }], [{ start: 34n, end: 55n }], [{ start: 55n, end: 78n }]]);
  t.strictSame(at(6)[1], [{ start: 18n, end: 34n }], "an entry-less key group reads its end marker");
});

t.test("overlapping and empty handles: both read, in key-group then handle order", async (t) => {
  // Not a valid snapshot (validate rejects overlaps), but the plan must still show every read.
  const sp = savepointHandle("d", "d.kg", 2, 2, 5n);
  const inc = incrementalHandle({ backend: "b", checkpoint: 2n, base: 1n, start: 2, count: 2, shared: [], privates: [], folder: "chk-2/b" });
  const empty = savepointHandle("e", "e.kg", 1, 0, 5n);
  const [st] = planRestore(oneOperator(4, [empty, inc, sp]), 1).operators[0]!.subtasks;
  t.strictSame(st!.reads.map((r) => [r.type, r.handleIndex, r.keyGroups]),
    [["incremental", 1, { start: 2, count: 2 }], ["savepoint", 2, { start: 2, count: 2 }]], "the empty handle is read by no one");
  t.strictSame(st!.uncovered, [{ start: 0, count: 2 }]);
});

t.test("the readable plan: unnamed operators, single key groups, empty reads, no operators", async (t) => {
  const h: SavepointHandle = { ...savepointHandle("d", "d.kg", 0, 2, 1n), offsets: [0n, 16n] };
  h.dataFile = { ...h.dataFile, size: 20n };
  const text = renderPlan(planRestore(oneOperator(2, [h]), 2), "x.ksnap");
  t.match(text, /^x\.ksnap: restore plan for savepoint 1 \(max parallelism 2\)\n  operator op: parallelism 1 → 2, reads 20 B\n/);
  t.match(text, /subtask 0: key groups 0 \(1\), 1 read\(s\), 16 B\n.*keep 0 \(1\); d\.kg bytes 0\.\.16, 16 B/);
  t.match(text, /keep 1 \(1\); d\.kg bytes 16\.\.20, 4 B/);
  t.match(renderPlan(planRestore(base({ kind: "savepoint", properties: SAVEPOINT }), 1), "e"), /no operators: nothing to restore/);
});

t.test("the JSON form keeps 64-bit values exact", async (t) => {
  const json = restorePlanToJson(planRestore(valid("values-above-2-53"), 4));
  const st = json.operators[0]!.subtasks;
  t.strictSame(st.map((s) => s.reads.map((r) => r.type)), [["incremental"], ["savepoint"], ["savepoint"], ["savepoint"]]);
  const ranges = st.slice(1).map((s) => s.reads[0]!.type === "savepoint" ? s.reads[0]!.byteRanges : undefined);
  t.strictSame(ranges, [
    [{ start: "0", end: "9007199254740993" }],
    [{ start: "9007199254740993", end: "18446744073709551614" }],
    [{ start: "18446744073709551614", end: "18446744073709551615" }],
  ]);
  t.equal(json.snapshotId, "18446744073709551615");
  t.match(st[0]!.reads[0], { type: "incremental", checkpointId: "18446744073709551615", clipped: false, bytes: String((1n << 64n) - 1n + (1n << 53n) + 1n + 512n) });
  t.doesNotThrow(() => JSON.parse(JSON.stringify(json)), "plain JSON, no bigint left");
});

t.test("errors: INVALID_FIELD naming the value and the field", async (t) => {
  const sp = valid("savepoint-two-operators");
  const cases: [() => unknown, string, RegExp][] = [
    [() => planRestore(sp, 0), "newParallelism", /newParallelism 0 is out of range: .*1\.\.128/],
    [() => planRestore(sp, 129), "newParallelism", /newParallelism 129 is out of range/],
    [() => planRestore(sp, 2.5), "newParallelism", /newParallelism 2\.5 /],
    [() => planRestore(sp, 2, { operatorParallelism: { nope: 2 } }), 'operatorParallelism["nope"]', /no operator "nope" in snapshot 12/],
    [() => planRestore(sp, 2, { operatorParallelism: { [keyedProcess(sp).operatorId]: 200 } }), `operatorParallelism["${keyedProcess(sp).operatorId}"]`, /200 is out of range/],
  ];
  const h = savepointHandle("d", "d.kg", 0, 4, 10n);
  const withHandle = (change: Partial<SavepointHandle>) => oneOperator(4, [{ ...h, ...change }]);
  const at = "operators[0].subtasks[0].handles[0].savepoint";
  cases.push(
    [() => planRestore(withHandle({ offsets: h.offsets.slice(1) }), 1), `${at}.offsets`, /3 offset\(s\) for 4 key group\(s\)/],
    [() => planRestore(withHandle({ offsets: [16n, 36n, 26n, 46n] }), 1), `${at}.offsets[2]`, /offset 26 is before the previous key group's offset 36/],
    [() => planRestore(withHandle({ offsets: [16n, 26n, 36n, 57n] }), 1), `${at}.offsets[3]`, /offset 57 is past the end of data file d\.kg \(56 bytes\)/],
    [() => planRestore(withHandle({ offsets: [16n, 26n, 26n, 46n] }), 1), `${at}.offsets[2]`, /offset 26 is equal to the previous key group's offset 26/],
    [() => planRestore(withHandle({ offsets: [16n, 26n, 36n, 56n] }), 1), `${at}.offsets[3]`, /offset 56 is at the end of data file d\.kg \(56 bytes\)/],
    [() => planRestore(withHandle({ keyGroups: { start: 2, count: 4 } }), 1), `${at}.keyGroups`, /key groups 2\.\.5 reach past max parallelism 4/],
  );
  for (const [call, field, message] of cases) {
    const e = thrown(call);
    t.equal(e.code, "INVALID_FIELD", field);
    t.equal(e.field, field);
    t.match(e.message, message);
  }
});

t.test("property: every key group goes to exactly one new subtask, and byte ranges tile each data file", async (t) => {
  fc.assert(fc.property(scenario(), ({ snapshot, newParallelism }) => {
    const plan = planRestore(snapshot, newParallelism);
    const maxP = snapshot.maxParallelism;
    const seen = new Map<number, number>();
    const ranges = new Map<string, { start: bigint; end: bigint }[]>();
    for (const st of plan.operators[0]!.subtasks) {
      let covered = 0;
      for (const r of st.reads) {
        covered += r.keyGroups.count;
        for (let kg = r.keyGroups.start; kg < r.keyGroups.start + r.keyGroups.count; kg++) {
          if (operatorIndexForKeyGroup(maxP, newParallelism, kg) !== st.subtaskIndex) return false;
          seen.set(kg, (seen.get(kg) ?? 0) + 1);
        }
        if (r.type === "savepoint") ranges.set(r.dataFile.id, [...(ranges.get(r.dataFile.id) ?? []), ...r.byteRanges]);
      }
      const gaps = st.uncovered.reduce((n, g) => n + g.count, 0);
      if (covered + gaps !== st.keyGroups.count) return false;
      if (st.bytes !== st.reads.reduce((s, r) => s + r.bytes, 0n)) return false;
    }
    for (const old of snapshot.operators[0]!.subtasks) {
      for (const h of old.handles) {
        const range = handleKeyGroups(h);
        for (let kg = range.start; kg < range.start + range.count; kg++) if (seen.get(kg) !== 1) return false;
        if (h.type === "savepoint" && !tiles(ranges.get(h.dataFile.id) ?? [], h)) return false;
      }
    }
    return true;
  }), { numRuns: 300 });
  t.pass("property held");
});

t.test("plan-restore command: readable and JSON output, errors name the file", async (t) => {
  const text = await planRestoreCommand(vectorFile("savepoint-two-operators"), { parallelism: 3 });
  t.match(text, /savepoint-two-operators\.ksnap: restore plan for savepoint 12 \(max parallelism 128\)/);
  t.match(text, /operator f0e1d2c3b4a5968778695a4b3c2d1e0f "KeyedProcess": parallelism 4 → 3/);
  t.match(text, /subtask 1: key groups 43-85 \(43\), 2 read\(s\)/);
  t.match(text, /savepoint handle 0 of old subtask 1 \(key groups 32-63 \(32\)\): keep 43-63 \(21\); op-b-1\.kgdata bytes 11027\.\.32048, 20\.5 KiB \(21021 bytes\)/);
  const inc = await planRestoreCommand(vectorFile("incremental-chain-head"), { parallelism: 3 });
  t.match(inc, /download the whole handle, then delete the key groups outside the kept range: folder chk-3\//);
  const json = JSON.parse(await planRestoreCommand(vectorFile("savepoint-two-operators"), { parallelism: 3, json: true }));
  const keyed = json.operators.find((op: { name: string }) => op.name === "KeyedProcess");
  t.strictSame(keyed.subtasks[1].reads[0].byteRanges, [{ start: "11027", end: "32048" }]);
  const tooMany = await rejection(() => planRestoreCommand(vectorFile("savepoint-two-operators"), { parallelism: 500 }));
  t.equal(tooMany.code, "INVALID_FIELD");
  t.match(tooMany.describe(), /savepoint-two-operators\.ksnap: INVALID_FIELD at newParallelism: newParallelism 500 is out of range/);
  t.match(tooMany.describe(false), /^[^:]*savepoint-two-operators\.ksnap: at newParallelism: newParallelism 500 is out of range/,
    "without the code, for reports that give it beside the message");
  t.equal((await rejection(() => planRestoreCommand(join(VECTORS, "nope.ksnap"), { parallelism: 1 }))).code, "IO_ERROR");
  t.equal((await rejection(() => planRestoreCommand(join(VECTORS, "v1.0", "invalid", "bad-checksum.ksnap"), { parallelism: 1 }))).code, "CHECKSUM_MISMATCH");
});

t.test("plan-restore command line: options parsed, bad values are usage errors", async (t) => {
  const run = async (...args: string[]) => {
    const program = new Command("ksnap").exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerPlanRestore(program);
    return capturedStdout(() => program.parseAsync(["plan-restore", ...args], { from: "user" }));
  };
  const sp = vectorFile("savepoint-two-operators");
  const json = JSON.parse(await run(sp, "-p", "2", "--operator", "a0b1c2d3e4f5061728394a5b6c7d8e9f=3", "--json"));
  t.strictSame(json.operators.map((op: { name: string; newParallelism: number }) => [op.name, op.newParallelism]),
    [["Map", 3], ["KeyedProcess", 2]], "operators in file order (by id); the override applies to Map only");
  for (const bad of [["-p", "two"], ["-p", "-1"], ["-p", "2", "--operator", "=3"], ["-p", "2", "--operator", "x=y"], []]) {
    await t.rejects(run(sp, ...bad), CommanderError, bad.join(" ") || "no -p");
  }
});

/** One operator of parallelism 1 holding `handles`, at max parallelism `maxP`. */
function oneOperator(maxP: number, handles: KeyedStateHandle[]): Snapshot {
  return base({ kind: "savepoint", properties: SAVEPOINT, maxParallelism: maxP,
    operators: [{ operatorId: "op", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles }] }] });
}

function keyedProcessPlan(plan: ReturnType<typeof planRestore>) {
  return plan.operators.find((op) => op.name === "KeyedProcess")!;
}

/** `ranges` sorted cover [offsets[0], size) of `h` exactly once (nothing when the area is empty). */
function tiles(ranges: { start: bigint; end: bigint }[], h: SavepointHandle): boolean {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const areaStart = h.offsets[0] ?? h.dataFile.size;
  if (sorted.length === 0) return areaStart === h.dataFile.size;
  let next = areaStart;
  for (const r of sorted) {
    if (r.start !== next || r.end <= r.start) return false;
    next = r.end;
  }
  return next === h.dataFile.size;
}

/** A snapshot of one operator at a random parallelism, some subtasks missing, handles of either kind, and a new parallelism. */
function scenario(): fc.Arbitrary<{ snapshot: Snapshot; newParallelism: number }> {
  return fc.integer({ min: 1, max: 200 }).chain((maxP) => fc.record({
    maxP: fc.constant(maxP),
    oldP: fc.integer({ min: 1, max: maxP }),
    newParallelism: fc.integer({ min: 1, max: maxP }),
    header: fc.bigInt({ min: 0n, max: 20n }),
    sizes: fc.array(fc.bigInt({ min: 16n, max: 40n }), { minLength: maxP, maxLength: maxP }),
    present: fc.array(fc.boolean(), { minLength: maxP, maxLength: maxP }),
    incremental: fc.array(fc.boolean(), { minLength: maxP, maxLength: maxP }),
  })).map(({ maxP, oldP, newParallelism, header, sizes, present, incremental }) => {
    const subtasks = [];
    for (let i = 0; i < oldP; i++) {
      if (!present[i]) continue;
      const { start, count } = keyGroupRangeForOperator(maxP, oldP, i);
      const handle: KeyedStateHandle = incremental[i]
        ? incrementalHandle({ backend: `b${i}`, checkpoint: 2n, base: 1n, start, count, shared: [sharedSst(`b${i}`, 1, 1n)], privates: [i], folder: `chk-2/${i}` })
        : savepointFromSizes(`f${i}`, start, header, sizes.slice(start, start + count));
      subtasks.push({ subtaskIndex: i, handles: [handle] });
    }
    const snapshot = base({ kind: "savepoint", properties: SAVEPOINT, maxParallelism: maxP,
      operators: [{ operatorId: "op", name: "", parallelism: oldP, subtasks }] });
    return { snapshot, newParallelism };
  });
}

function savepointFromSizes(id: string, start: number, header: bigint, sizes: bigint[]): SavepointHandle {
  const offsets: bigint[] = [];
  let at = header;
  for (const s of sizes) { offsets.push(at); at += s; }
  return { type: "savepoint", keyGroups: { start, count: sizes.length }, dataFile: { id, path: `${id}.kg`, size: at, xxh64: 0n }, offsets };
}
