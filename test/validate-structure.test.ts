/**
 * Structural and path-safety rules of `validateSnapshot`: for every rule, a
 * snapshot that breaks it (the rule is reported, at the expected field) and a
 * near miss that keeps it (no finding at all).
 */
import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeSnapshot } from "../src/codec.js";
import type { IncrementalHandle, SavepointHandle, Snapshot } from "../src/model.js";
import type { Finding } from "../src/validate/finding.js";
import { RULES, type RuleId } from "../src/validate/rules.js";
import { validateSnapshot } from "../src/validate/validate-snapshot.js";
import { checkpointChain, savepoint, TreeSpec } from "./fixtures/validate/snapshot-tree.js";
import { checkpointV11 } from "./fixtures/validate/snapshot-v11.js";
import { V11_CASES } from "./fixtures/validate/structure-cases-v11.js";
import { VECTORS } from "./helpers.js";

/** The last checkpoint (id 3) of a valid chain 1, 2, 3 with two subtasks. */
function chk3(): Snapshot {
  return checkpointChain(new TreeSpec(), { ids: [1n, 2n, 3n] })[2]!;
}
/** A valid key-group-aware savepoint: one operator, two subtasks over 8 key groups. */
function sp(parallelism = 2, operators = ["op-a"]): Snapshot {
  return savepoint(new TreeSpec(), { parallelism, operators });
}
/** A valid full checkpoint: like chk3, but not incremental, sharing forward, no reused file. */
function fullChk(): Snapshot {
  const s = checkpointChain(new TreeSpec(), { ids: [4n], parallelism: 1 })[0]!;
  s.properties = { ...s.properties, incremental: false, sharing: "forward" };
  return s;
}

const inc = (s: Snapshot, op = 0, st = 0, h = 0): IncrementalHandle => s.operators[op]!.subtasks[st]!.handles[h] as IncrementalHandle;
const spt = (s: Snapshot, op = 0, st = 0, h = 0): SavepointHandle => s.operators[op]!.subtasks[st]!.handles[h] as SavepointHandle;
const H00 = "operators[0].subtasks[0].handles[0]";
const rulesOf = (findings: Finding[]): string[] => findings.map((f) => f.rule);

interface Case {
  rule: RuleId;
  why: string;
  bad: () => Snapshot;
  /** The field of the finding. */
  field: string;
  /** A near miss that must give no finding at all. */
  good: () => Snapshot;
}

const cases: Case[] = [
  ...V11_CASES,
  { rule: "KS-E010", why: "snapshot_id 0 (only in memory: the decoder rejects it)", field: "snapshotId",
    bad: () => ({ ...sp(), snapshotId: 0n }), good: () => ({ ...sp(), snapshotId: 1n }) },
  { rule: "KS-W011", why: "a checkpoint outside chk-<id>", field: "snapshotDir",
    bad: () => ({ ...chk3(), snapshotDir: "chk-03" }), good: chk3 },
  { rule: "KS-W011", why: "a savepoint not at its root", field: "snapshotDir",
    bad: () => ({ ...sp(), snapshotDir: "sp-7" }), good: sp },
  { rule: "KS-E013", why: "a handle of checkpoint 3 says checkpoint 4", field: `${H00}.incremental.checkpointId`,
    bad: () => { const s = chk3(); inc(s).checkpointId = 4n; return s; }, good: chk3 },
  { rule: "KS-E020", why: "a savepoint shared forward", field: "properties.sharing",
    bad: () => { const s = sp(); s.properties.sharing = "forward"; return s; }, good: sp },
  { rule: "KS-E021", why: "a savepoint owned by the system", field: "properties.ownership",
    bad: () => { const s = sp(); s.properties.ownership = "system"; return s; }, good: sp },
  { rule: "KS-E022", why: "an incremental checkpoint shared forward only", field: "properties.sharing",
    bad: () => { const s = chk3(); s.properties.sharing = "forward"; return s; }, good: chk3 },
  { rule: "KS-E023", why: "a checkpoint owned by the user", field: "properties.ownership",
    bad: () => { const s = chk3(); s.properties.ownership = "user"; return s; }, good: chk3 },
  { rule: "KS-E024", why: "a full checkpoint reusing a file of checkpoint 3", field: `${H00}.incremental.sharedFiles[0]`,
    bad: () => {
      const s = fullChk();
      const h = inc(s);
      h.sharedFiles = [{ ...h.sharedFiles[0]!, id: "b0/000000", originCheckpointId: 3n }, ...h.sharedFiles];
      h.stateSize += h.sharedFiles[0]!.size;
      return s;
    },
    good: fullChk },
  { rule: "KS-E030", why: "two operators with one id", field: "operators[1].operatorId",
    bad: () => { const s = sp(2, ["op-a", "op-b"]); s.operators[1]!.operatorId = "op-a"; return s; }, good: () => sp(2, ["op-a", "op-b"]) },
  { rule: "KS-E031", why: "parallelism 9 over max_parallelism 8", field: "operators[0].parallelism",
    bad: () => { const s = sp(); s.operators[0]!.parallelism = 9; return s; }, good: () => sp(8) },
  { rule: "KS-E031", why: "parallelism 0 (in memory)", field: "operators[0].parallelism",
    bad: () => { const s = sp(); s.operators[0]!.parallelism = 0; s.operators[0]!.subtasks.forEach((st) => (st.subtaskIndex = 0)); return s; }, good: () => sp(1) },
  { rule: "KS-E032", why: "subtask_index 2 at parallelism 2", field: "operators[0].subtasks[1].subtaskIndex",
    bad: () => { const s = sp(); s.operators[0]!.subtasks[1]!.subtaskIndex = 2; return s; }, good: sp },
  { rule: "KS-E033", why: "two subtasks with index 0", field: "operators[0].subtasks[1].subtaskIndex",
    bad: () => { const s = sp(); s.operators[0]!.subtasks[1]!.subtaskIndex = 0; return s; }, good: sp },
  { rule: "KS-E034", why: "the same handle twice in a subtask", field: "operators[0].subtasks[0].handles[1]",
    bad: () => { const s = chk3(); const st = s.operators[0]!.subtasks[0]!; st.handles.push(structuredClone(st.handles[0]!)); return s; }, good: chk3 },
  { rule: "KS-E040", why: "key groups [6, 9) past max_parallelism 8", field: "operators[0].subtasks[1].handles[0].incremental.keyGroups",
    bad: () => { const s = chk3(); inc(s, 0, 1).keyGroups = { start: 6, count: 3 }; return s; }, good: chk3 },
  { rule: "KS-E041", why: "an empty key-group range", field: `${H00}.incremental.keyGroups`,
    bad: () => { const s = chk3(); inc(s).keyGroups = { start: 0, count: 0 }; return s; }, good: chk3 },
  { rule: "KS-E042", why: "an incremental handle in a key-group-aware checkpoint", field: H00,
    bad: () => { const s = chk3(); s.properties.keyGroupAware = true; return s; }, good: chk3 },
  { rule: "KS-E043", why: "subtask 1 also holds key group 3", field: "operators[0].subtasks[1].handles[0]",
    bad: () => { const s = sp(); const h = spt(s, 0, 1); h.keyGroups = { start: 3, count: 5 }; h.offsets.unshift(4n); return s; }, good: sp },
  { rule: "KS-E044", why: "subtask 1 left out: key groups 4-7 held by no one", field: "operators[0]",
    bad: () => { const s = sp(); s.operators[0]!.subtasks.pop(); return s; }, good: sp },
  { rule: "KS-E044", why: "the second operator keeps subtask 0's keyed handle and loses subtask 1's", field: "operators[1]",
    bad: () => { const s = sp(2, ["op-a", "op-b"]); s.operators[1]!.subtasks.pop(); return s; }, good: () => sp(2, ["op-a", "op-b"]) },
  { rule: "KS-E050", why: "3 offsets for 4 key groups", field: `${H00}.savepoint.offsets`,
    bad: () => { const s = sp(); spt(s).offsets.pop(); return s; }, good: sp },
  { rule: "KS-E051", why: "the last offset at data_file.size", field: `${H00}.savepoint.offsets[3]`,
    bad: () => { const s = sp(); const h = spt(s); h.offsets[3] = h.dataFile.size; return s; },
    good: () => { const s = sp(); const h = spt(s); h.offsets[3] = h.dataFile.size - 1n; return s; } },
  { rule: "KS-E052", why: "offsets[2] before offsets[1]", field: `${H00}.savepoint.offsets[2]`,
    bad: () => { const s = sp(); const h = spt(s); h.offsets[2] = h.offsets[1]! - 1n; return s; },
    good: () => { const s = sp(); const h = spt(s); h.offsets[2] = h.offsets[1]! + 1n; return s; } },
  { rule: "KS-E052", why: "offsets[2] equal to offsets[1]: every key group holds its end marker", field: `${H00}.savepoint.offsets[2]`,
    bad: () => { const s = sp(); const h = spt(s); h.offsets[2] = h.offsets[1]!; return s; },
    good: () => { const s = sp(); const h = spt(s); h.offsets[2] = h.offsets[1]! + 1n; return s; } },
  { rule: "KS-E060", why: "base 3 for checkpoint 3", field: `${H00}.incremental.baseCheckpointId`,
    bad: () => { const s = chk3(); inc(s).baseCheckpointId = 3n; return s; }, good: chk3 },
  { rule: "KS-E061", why: "a shared file uploaded by checkpoint 4, after 3", field: `${H00}.incremental.sharedFiles[2].originCheckpointId`,
    bad: () => { const s = chk3(); inc(s).sharedFiles[2]!.originCheckpointId = 4n; return s; }, good: chk3 },
  { rule: "KS-E070", why: "one id twice in sharedFiles", field: `${H00}.incremental.sharedFiles[1]`,
    bad: () => { const s = chk3(); const h = inc(s); h.sharedFiles[1] = { ...h.sharedFiles[1]!, id: h.sharedFiles[0]!.id }; return s; }, good: chk3 },
  { rule: "KS-E070", why: "one id twice in an unsorted privateFiles list", field: `${H00}.incremental.privateFiles[2]`,
    bad: () => {
      const s = chk3();
      const h = inc(s);
      const [log] = h.privateFiles;
      h.privateFiles = [log!, { ...log!, id: "a-first", path: "chk-3/op-0/a.log" }, { ...log! }];
      return s;
    },
    good: chk3 },
  { rule: "KS-E071", why: "one id, two sizes, in two handles", field: "operators[0].subtasks[1].handles[0].incremental.privateFiles[0]",
    bad: () => { const s = chk3(); const a = inc(s); const b = inc(s, 0, 1); b.privateFiles[0] = { ...a.privateFiles[0]!, size: 1n }; return s; },
    good: chk3 },
  { rule: "KS-W072", why: "one id and content at two paths", field: "operators[0].subtasks[1].handles[0].incremental.metaFile",
    bad: () => { const s = chk3(); const b = inc(s, 0, 1); b.metaFile = { ...inc(s).metaFile, path: b.metaFile.path }; b.stateSize += inc(s).metaFile.size - b.metaFile.size; return s; },
    good: chk3 },
  { rule: "KS-W073", why: "state_size one byte short", field: `${H00}.incremental.stateSize`,
    bad: () => { const s = chk3(); inc(s).stateSize -= 1n; return s; }, good: chk3 },
  { rule: "KS-W074", why: "checkpointed_size counting a reused file", field: `${H00}.incremental.checkpointedSize`,
    bad: () => { const s = chk3(); const h = inc(s); h.checkpointedSize += h.sharedFiles[0]!.size; return s; }, good: chk3 },
  { rule: "KS-W075", why: "a shared file in the checkpoint's folder", field: `${H00}.incremental.sharedFiles[2].path`,
    bad: () => { const s = chk3(); inc(s).sharedFiles[2]!.path = "chk-3/b0.sst"; return s; }, good: chk3 },
  { rule: "KS-W076", why: "a private file of checkpoint 3 under chk-2", field: `${H00}.incremental.privateFiles[0].path`,
    bad: () => { const s = chk3(); const h = inc(s); h.privateFiles[0]!.path = "chk-2/op-0/000001.log"; return s; }, good: chk3 },
  { rule: "KS-W076", why: "a handle folder outside chk-3", field: `${H00}.incremental.folder`,
    bad: () => { const s = chk3(); inc(s).folder = "op-0"; return s; }, good: chk3 },
  { rule: "KS-W077", why: "a meta file beside, not in, its handle folder", field: `${H00}.incremental.metaFile.path`,
    bad: () => { const s = chk3(); inc(s).metaFile.path = "chk-3/MANIFEST"; return s; }, good: chk3 },
  { rule: "KS-W080", why: "operators out of order", field: "operators[1]",
    bad: () => { const s = sp(2, ["op-a", "op-b"]); s.operators.reverse(); return s; }, good: () => sp(2, ["op-a", "op-b"]) },
  { rule: "KS-W080", why: "shared files out of order", field: `${H00}.incremental.sharedFiles[1]`,
    bad: () => { const s = chk3(); inc(s).sharedFiles.reverse(); return s; }, good: chk3 },
  { rule: "KS-W080", why: "subtasks out of order", field: "operators[0].subtasks[1]",
    bad: () => { const s = sp(); s.operators[0]!.subtasks.reverse(); return s; }, good: sp },
  { rule: "KS-E090", why: "a path with '..'", field: `${H00}.incremental.privateFiles[0].path`,
    bad: () => { const s = chk3(); inc(s).privateFiles[0]!.path = "chk-3/op-0/../../../etc/passwd"; return s; },
    good: () => { const s = chk3(); const f = inc(s).privateFiles[0]!; f.path = "chk-3/op-0/..log"; return s; } },
  { rule: "KS-E090", why: "an absolute folder", field: `${H00}.incremental.folder`,
    bad: () => { const s = chk3(); inc(s).folder = "/chk-3/op-0"; return s; }, good: chk3 },
  { rule: "KS-E090", why: "a NUL in a data file path", field: `${H00}.savepoint.dataFile.path`,
    bad: () => { const s = sp(); spt(s).dataFile.path = "op-a-0.bin\0.txt"; return s; }, good: sp },
  { rule: "KS-E090", why: "an unsafe snapshot_dir", field: "snapshotDir",
    bad: () => ({ ...chk3(), snapshotDir: "chk-3/../chk-3" }), good: chk3 },
];

t.test("KS-E044 holds an operator to coverage only when it has keyed state (a keyed handle)", async (t) => {
  const s = sp(2, ["op-a", "op-b"]);
  s.operators[1]!.subtasks = [];
  t.strictSame(validateSnapshot({ snapshot: s }).filter((f) => f.rule === "KS-E044"), [], "no subtask, no keyed handle: no keyed state");
  s.operators[1]!.subtasks = [{ subtaskIndex: 0, handles: [] }, { subtaskIndex: 1, handles: [] }];
  t.strictSame(validateSnapshot({ snapshot: s }).filter((f) => f.rule === "KS-E044"), [], "subtasks without keyed handles: none either");
});

t.test("every structural and safety rule has a breaking case and a near miss", async (t) => {
  // KS-E090 and KS-E095 are safety rules that a snapshot shows on its own, without storage.
  const structural = Object.entries(RULES).filter(([id, r]) => r.group === "structure" || id === "KS-E090" || id === "KS-E095").map(([id]) => id);
  t.strictSame([...new Set(cases.map((c) => c.rule))].sort(), structural.sort());
});

for (const c of cases) {
  t.test(`${c.rule}: ${c.why}`, async (t) => {
    const bad = validateSnapshot({ snapshot: c.bad(), metadataPath: "m.ksnap" });
    const hit = bad.find((f) => f.rule === c.rule);
    t.ok(hit, `${c.rule} reported; got ${rulesOf(bad).join(", ")}`);
    t.equal(hit?.location.field, c.field);
    t.equal(hit?.location.file, "m.ksnap");
    t.equal(hit?.severity, RULES[c.rule].severity);
    t.notMatch(hit?.message ?? "", /\n/, "one line");
    t.strictSame(validateSnapshot({ snapshot: c.good() }).map((f) => `${f.rule} ${f.message}`), [], "near miss: no finding");
  });
}

t.test("valid builders and vectors give no findings", async (t) => {
  t.strictSame(validateSnapshot({ snapshot: chk3() }), []);
  t.strictSame(validateSnapshot({ snapshot: sp(3, ["a", "b", "c"]) }), []);
  t.strictSame(validateSnapshot({ snapshot: checkpointV11() }).map((f) => `${f.rule} ${f.location.field} ${f.message}`), [], "every 1.1 structure, valid");
  const vector = (name: string) => decodeSnapshot(new Uint8Array(readFileSync(join(VECTORS, "v1.0", "valid", `${name}.ksnap`))));
  for (const name of ["incremental-chain-head", "savepoint-two-operators", "unicode-paths"]) {
    t.strictSame(validateSnapshot({ snapshot: vector(name) }).map((f) => `${f.rule} ${f.message}`), [], name);
  }
  // This vector is a checkpoint at the root (snapshot_dir ""), which the storage layout does not foresee.
  t.strictSame(rulesOf(validateSnapshot({ snapshot: vector("empty-checkpoint") })), ["KS-W011"]);
});

t.test("messages carry the numbers", async (t) => {
  const s = sp();
  s.operators[0]!.subtasks.pop();
  const [gap] = validateSnapshot({ snapshot: s });
  t.match(gap?.message, /key groups 4-7 \(4 key groups of 8\) in no handle/);
  const c = chk3();
  inc(c).checkpointId = 4n;
  t.match(validateSnapshot({ snapshot: c }).find((f) => f.rule === "KS-E013")?.message, /checkpoint_id 4 differs from the checkpoint's snapshot_id 3/);
});

t.test("a hostile id cannot break a message onto two lines", async (t) => {
  const s = sp(2, ["op-a", "op-b"]);
  s.operators[0]!.operatorId = "evil\nKS-E000 fake";
  s.operators[1]!.operatorId = "evil\nKS-E000 fake";
  const dup = validateSnapshot({ snapshot: s }).find((f) => f.rule === "KS-E030");
  t.match(dup?.message, /"evil\\nKS-E000 fake"/);
});

t.test("key-group coverage ignores handle order and accepts any split", async (t) => {
  const s = sp(4);
  s.operators[0]!.subtasks.reverse().forEach((st, i) => (st.subtaskIndex = i));
  t.strictSame(rulesOf(validateSnapshot({ snapshot: s })), [], "reindexed in reverse: still one holder per key group");
});
