/**
 * The reference backend of the conformance suite, driven in process by a
 * scripted client (and once through its stdin and stdout): its dumps against a
 * model of the changes, its checkpoints (valid, incremental), savepoints,
 * restores at other parallelisms, discards, its answers to bad requests, and
 * that each fault mode produces its bug.
 */
import t from "tap";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  decodeFile, encodeSnapshot, keyGroupRangeForOperator, loadSnapshot, readKeyGroups, validatePath, type IncrementalHandle, type KeyGroupRange,
  type SavepointHandle, type Snapshot,
} from "../src/index.js";
import { ReferenceBackend, type Response } from "../conformance/reference-backend/backend.js";
import type { Fault } from "../conformance/reference-backend/faults.js";
import type { Change, DumpEntry } from "../src/conformance/state-model.js";
import type { StateKind } from "../src/savepoint/data-format.js";
import { referencedPaths } from "../src/snapshot-walk.js";

/** A dump entry and a change as the protocol sends them (the runner's types). */
type Entry = DumpEntry;

/** The job's states, declared out of name order on purpose: the backend must sort them. */
const STATES = [
  { name: "zeta", kind: "value", keySerializer: "int", namespaceSerializer: "void", valueSerializer: "long" },
  { name: "alpha", kind: "list", keySerializer: "int", namespaceSerializer: "void", valueSerializer: "bytes" },
  { name: "mid", kind: "map", keySerializer: "int", namespaceSerializer: "void", valueSerializer: "str", userKeySerializer: "str" },
] as const;

const KIND: Record<string, StateKind> = { zeta: "value", alpha: "list", mid: "map" };

/** Drives a backend in process, numbering requests as the runner does. */
class Client {
  readonly backend: ReferenceBackend;
  private nextId = 1;

  constructor(fault?: Fault) {
    this.backend = new ReferenceBackend(fault);
  }

  /** Sends a request and returns the whole response. */
  async send(op: string, params: Record<string, unknown> = {}): Promise<Response> {
    const id = this.nextId++;
    const response = await this.backend.handle({ id, op, ...params });
    if (response.id !== id) throw new Error(`response id ${response.id} for request ${id}`);
    return response;
  }

  /** Sends a request that must succeed; returns its result. */
  async ok<T = Record<string, unknown>>(op: string, params: Record<string, unknown> = {}): Promise<T> {
    const response = await this.send(op, params);
    if (!response.ok) throw new Error(`${op} failed: ${response.error.code}: ${response.error.message}`);
    return response.result as T;
  }

  /** Sends a request that must fail; returns its error. */
  async fails(op: string, params: Record<string, unknown> = {}): Promise<{ code: string; message: string }> {
    const response = await this.send(op, params);
    if (response.ok) throw new Error(`${op} succeeded, but an error was expected`);
    return response.error;
  }

  /** Every subtask's dump. */
  async dumps(session: string, parallelism: number): Promise<Entry[][]> {
    const out: Entry[][] = [];
    for (let i = 0; i < parallelism; i++) out.push((await this.ok<{ entries: Entry[] }>("dump", { session, subtask: i })).entries);
    return out;
  }
}

/** A seeded generator, so a failing run can be replayed. */
class Random {
  constructor(private seed: number) {}

  /** An integer in 0..n-1. */
  below(n: number): number {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0;
    return (this.seed >>> 8) % n;
  }
}

/** Random changes over all three kinds, on keys from a small pool so that updates and deletes hit existing state. */
function randomChanges(rnd: Random, count: number, maxParallelism: number, keyGroups?: (kg: number) => boolean): Change[] {
  const out: Change[] = [];
  while (out.length < count) {
    const k = rnd.below(300);
    const keyGroup = (k * 7) % maxParallelism;
    if (keyGroups !== undefined && !keyGroups(keyGroup)) continue;
    const key = k.toString(16).padStart(8, "0");
    const namespace = rnd.below(4) === 0 ? "01" : "";
    const value = rnd.below(1 << 20).toString(16).padStart(6, "0");
    const roll = rnd.below(10);
    const state = ["zeta", "alpha", "mid"][rnd.below(3)]!;
    if (roll < 2) out.push({ op: "delete", state, keyGroup, key, namespace, ...(state === "mid" ? { userKey: userKey(rnd) } : {}) });
    else if (state === "alpha") out.push({ op: "add", state, keyGroup, key, namespace, value });
    else if (state === "mid") out.push({ op: "put", state, keyGroup, key, namespace, userKey: userKey(rnd), value });
    else out.push({ op: "put", state, keyGroup, key, namespace, value });
  }
  return out;
}

function userKey(rnd: Random): string {
  return ["", "00", "0000", "01", "ff"][rnd.below(5)]!;
}

/** The state the changes produce, as the conformance runner models it. */
class Model {
  private readonly entries = new Map<string, { base: Omit<Entry, "value">; values: string[] }>();

  /** Applies changes in order. */
  apply(changes: readonly Change[]): void {
    for (const c of changes) {
      const base: Omit<Entry, "value"> = { keyGroup: c.keyGroup, state: c.state, kind: KIND[c.state]!, key: c.key, namespace: c.namespace };
      if (c.userKey !== undefined) base.userKey = c.userKey;
      const id = JSON.stringify([c.keyGroup, c.state, c.key, c.namespace, c.userKey ?? null]);
      if (c.op === "delete") this.entries.delete(id);
      else if (c.op === "add") {
        const existing = this.entries.get(id);
        if (existing === undefined) this.entries.set(id, { base, values: [c.value!] });
        else existing.values.push(c.value!);
      } else this.entries.set(id, { base, values: [c.value!] });
    }
  }

  /** The entries of key groups `range` (default all), in key-group then canonical order, as dump entries. */
  dump(range?: KeyGroupRange): Entry[] {
    const kept = [...this.entries.values()].filter((e) => range === undefined
      || (e.base.keyGroup >= range.start && e.base.keyGroup < range.start + range.count));
    kept.sort((a, b) => compareBases(a.base, b.base));
    return kept.flatMap((e) => e.values.map((value) => ({ ...e.base, value })));
  }

  /** Each subtask's expected dump at `parallelism`. */
  perSubtask(maxParallelism: number, parallelism: number): Entry[][] {
    return Array.from({ length: parallelism }, (_, i) => this.dump(keyGroupRangeForOperator(maxParallelism, parallelism, i)));
  }
}

function compareBases(a: Omit<Entry, "value">, b: Omit<Entry, "value">): number {
  return a.keyGroup - b.keyGroup
    || (a.state < b.state ? -1 : a.state > b.state ? 1 : 0)
    || bytes(a.key, b.key) || bytes(a.namespace, b.namespace) || bytes(a.userKey ?? "", b.userKey ?? "");
}

function bytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

const dir = mkdtempSync(join(tmpdir(), "ksnap-reference-backend-test-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let folders = 0;
/** A fresh absolute folder name under the test's temporary folder (not created). */
const fresh = (name: string): string => join(dir, `${name}-${++folders}`);

const MAXP = 32;
const OP = "0123456789abcdef0123456789abcdef";

async function open(c: Client, session: string, root: string, parallelism: number, restore?: string): Promise<void> {
  await c.ok("open", {
    session, operatorId: OP, maxParallelism: MAXP, parallelism, states: STATES, checkpointRoot: root,
    ...(restore === undefined ? {} : { restore: { metadata: restore } }),
  });
}

/** The errors (and warnings that matter to a writer) validation finds under `path`, with storage checks. */
async function problems(path: string): Promise<string[]> {
  const result = await validatePath(path);
  // Warnings about subsumed origins and bases (KS-W113, KS-W115) are normal after a discard.
  return result.findings.filter((f) => f.severity === "error" || !["KS-W113", "KS-W115"].includes(f.rule))
    .map((f) => `${f.rule} ${f.location.path ?? f.location.field ?? ""}: ${f.message}`);
}

function incrementalHandles(snapshot: Snapshot): IncrementalHandle[] {
  return snapshot.operators[0]!.subtasks.map((s) => s.handles[0] as IncrementalHandle);
}

function filesIn(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).filter((f) => !f.startsWith(".")).sort() : [];
}

/** Every path a snapshot refers to. */
function referenced(snapshot: Snapshot): string[] {
  return [...referencedPaths(snapshot)];
}

/** A session at parallelism 3 with the model's changes applied and checkpoints 1 and 2 taken. */
async function twoCheckpoints(c: Client, root: string, model: Model): Promise<{ chk1: string; chk2: string }> {
  const rnd = new Random(7);
  await open(c, "s", root, 3);
  const first = randomChanges(rnd, 800, MAXP);
  await c.ok("apply", { session: "s", changes: first });
  model.apply(first);
  const chk1 = (await c.ok<{ metadata: string }>("checkpoint", { session: "s", checkpointId: "1" })).metadata;
  // Only subtask 0's key groups change, one of them by a delete of something absent (no change at all for subtask 1).
  const range0 = keyGroupRangeForOperator(MAXP, 3, 0);
  const second = randomChanges(rnd, 50, MAXP, (kg) => kg < range0.start + range0.count);
  const range1 = keyGroupRangeForOperator(MAXP, 3, 1);
  const noop: Change = { op: "delete", state: "zeta", keyGroup: range1.start, key: "ffffffffff", namespace: "" };
  await c.ok("apply", { session: "s", changes: [...second, noop] });
  model.apply([...second, noop]);
  const chk2 = (await c.ok<{ metadata: string }>("checkpoint", { session: "s", checkpointId: "2" })).metadata;
  return { chk1, chk2 };
}

t.test("dumps equal the model; checkpoints validate and are incremental", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  const model = new Model();
  const { chk1, chk2 } = await twoCheckpoints(c, root, model);
  t.same(await c.dumps("s", 3), model.perSubtask(MAXP, 3), "each subtask holds exactly its key groups' entries");
  t.same(await problems(root), [], "the root's history validates with storage checks");
  t.equal(chk1, join(root, "chk-1", "_metadata.ksnap"));

  const one = (await loadSnapshot(chk1)).snapshot;
  const two = (await loadSnapshot(chk2)).snapshot;
  t.same(incrementalHandles(two).map((h) => h.keyGroups), [0, 1, 2].map((i) => keyGroupRangeForOperator(MAXP, 3, i)), "Flink's ranges");
  const [h0, h1, h2] = incrementalHandles(two);
  t.ok(h0!.sharedFiles.some((f) => f.originCheckpointId === 2n), "subtask 0 uploaded its new run");
  for (const h of [h1!, h2!]) {
    t.notOk(h.sharedFiles.some((f) => f.originCheckpointId === 2n), `subtask ${h.folder} uploaded no shared file`);
    const before = incrementalHandles(one).find((o) => o.backendId === h.backendId)!;
    t.same(h.sharedFiles, before.sharedFiles, "its runs are referenced again with the same id, path, size, hash and origin");
    t.equal(h.baseCheckpointId, 1n);
    t.equal(h.checkpointedSize, h.metaFile.size, "it uploaded only its meta file");
  }
  t.equal(h0!.stateSize, h0!.sharedFiles.reduce((s, f) => s + f.size, 0n) + h0!.metaFile.size);
  const uploaded = two.operators[0]!.subtasks.flatMap((s) => (s.handles[0] as IncrementalHandle).sharedFiles)
    .filter((f) => f.originCheckpointId === 2n);
  t.equal(filesIn(join(root, "shared")).length, one.operators[0]!.subtasks.flatMap((s) => (s.handles[0] as IncrementalHandle).sharedFiles).length
    + uploaded.length, "shared/ holds each run once");
});

t.test("compaction merges runs under a new id; the history stays valid", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  const model = new Model();
  const rnd = new Random(11);
  await open(c, "s", root, 2);
  const ids = new Set<string>();
  for (let id = 1; id <= 7; id++) {
    const changes = randomChanges(rnd, 120, MAXP);
    await c.ok("apply", { session: "s", changes });
    model.apply(changes);
    const snapshot = (await loadSnapshot((await c.ok<{ metadata: string }>("checkpoint", { session: "s", checkpointId: String(id) })).metadata)).snapshot;
    for (const h of incrementalHandles(snapshot)) {
      t.ok(h.sharedFiles.length <= 4, `chk-${id}: at most 4 runs after compaction`);
      for (const f of h.sharedFiles) if (f.originCheckpointId === BigInt(id)) {
        t.notOk(ids.has(f.id), `chk-${id}: new run ${f.id} has a new id`);
        ids.add(f.id);
      }
    }
  }
  t.same(await c.dumps("s", 2), model.perSubtask(MAXP, 2));
  t.same(await problems(root), []);
});

t.test("a savepoint validates and its data files read back the model", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  const model = new Model();
  await twoCheckpoints(c, fresh("root"), model);
  const sp = fresh("sp");
  const metadata = (await c.ok<{ metadata: string }>("savepoint", { session: "s", savepointId: "3", dir: sp })).metadata;
  t.equal(metadata, join(sp, "_metadata.ksnap"));
  t.same(await problems(sp), [], "validates with storage checks");
  const { snapshot } = await loadSnapshot(metadata);
  t.match(snapshot, { kind: "savepoint", snapshotDir: "", properties: { keyGroupAware: true, sharing: "none", ownership: "user" } });
  const read: Entry[] = [];
  for (const s of snapshot.operators[0]!.subtasks) {
    const h = s.handles[0] as SavepointHandle;
    t.same(h.keyGroups, keyGroupRangeForOperator(MAXP, 3, s.subtaskIndex));
    const viaOp = await c.ok<{ entries: Entry[] }>("read-data", {
      path: join(sp, h.dataFile.path),
      handle: { keyGroups: h.keyGroups, offsets: h.offsets.map(String), dataFile: { size: String(h.dataFile.size) } },
    });
    for await (const e of readKeyGroups(join(sp, h.dataFile.path), h)) {
      read.push({
        keyGroup: e.keyGroup, state: e.state, kind: e.kind, key: Buffer.from(e.key).toString("hex"),
        namespace: Buffer.from(e.namespace).toString("hex"),
        ...(e.userKey === undefined ? {} : { userKey: Buffer.from(e.userKey).toString("hex") }), value: Buffer.from(e.value).toString("hex"),
      });
    }
    t.same(viaOp.entries, model.dump(h.keyGroups), `read-data of subtask ${s.subtaskIndex}`);
  }
  t.same(read, model.dump(), "the data files hold exactly the model's entries");
});

t.test("restores from a savepoint and from a checkpoint give each subtask exactly its key groups", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  const model = new Model();
  const { chk2 } = await twoCheckpoints(c, root, model);
  const sp = fresh("sp");
  const savepoint = (await c.ok<{ metadata: string }>("savepoint", { session: "s", savepointId: "3", dir: sp })).metadata;
  await c.ok("close", { session: "s" });
  for (const [from, what] of [[savepoint, "savepoint"], [chk2, "checkpoint"]] as const) {
    for (const p of [1, 3, 5]) {
      await open(c, `r-${what}-${p}`, root, p, from);
      t.same(await c.dumps(`r-${what}-${p}`, p), model.perSubtask(MAXP, p), `${what} at parallelism ${p}`);
      await c.ok("close", { session: `r-${what}-${p}` });
    }
  }
  t.same(await problems(root), [], "restores wrote nothing into the root");
});

t.test("a restore of its own checkpoint at the same parallelism continues incrementally", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  const model = new Model();
  const { chk2 } = await twoCheckpoints(c, root, model);
  await c.ok("close", { session: "s" });
  await open(c, "again", root, 3, chk2);
  const range2 = keyGroupRangeForOperator(MAXP, 3, 2);
  const changes = randomChanges(new Random(5), 30, MAXP, (kg) => kg >= range2.start);
  await c.ok("apply", { session: "again", changes });
  model.apply(changes);
  const three = (await loadSnapshot((await c.ok<{ metadata: string }>("checkpoint", { session: "again", checkpointId: "3" })).metadata)).snapshot;
  const before = incrementalHandles((await loadSnapshot(chk2)).snapshot);
  incrementalHandles(three).forEach((h, i) => {
    t.equal(h.backendId, before[i]!.backendId, `subtask ${i} keeps the restored backend id`);
    t.equal(h.baseCheckpointId, 2n, `subtask ${i} builds on checkpoint 2`);
    const reused = h.sharedFiles.filter((f) => f.originCheckpointId < 3n);
    t.same(reused, before[i]!.sharedFiles.filter((f) => reused.some((r) => r.id === f.id)), "restored runs are referenced as uploaded");
    t.equal(h.sharedFiles.some((f) => f.originCheckpointId === 3n), i === 2, `only subtask 2 uploaded a run`);
  });
  t.same(await c.dumps("again", 3), model.perSubtask(MAXP, 3));
  t.same(await problems(root), [], "the history over both sessions validates");
});

t.test("checkpoints record every file's local name (format 1.1, no feature bit); a restore refuses a name that is not plain", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  const { chk2 } = await twoCheckpoints(c, root, new Model());
  const file = decodeFile(new Uint8Array(readFileSync(chk2)));
  t.strictSame([file.version.minor, file.requiredFeatures], [1, 0], "local names are ignorable: a 1.1 file that 1.0 readers read");
  for (const h of incrementalHandles(file.snapshot)) {
    t.equal(h.metaFile.localName, "MANIFEST");
    t.ok(h.sharedFiles.length > 0 && h.sharedFiles.every((f) => /^[0-9a-f-]+-\d+\.run$/.test(f.localName ?? "")), "each run has its local file name");
    t.equal(new Set(h.sharedFiles.map((f) => f.localName)).size, h.sharedFiles.length, "unique within the handle");
  }
  await c.ok("close", { session: "s" });
  const tampered = structuredClone(file.snapshot);
  incrementalHandles(tampered)[0]!.sharedFiles[0]!.localName = "../escape.run";
  writeFileSync(chk2, encodeSnapshot(tampered));
  const error = await c.fails("open", {
    session: "again", operatorId: OP, maxParallelism: MAXP, parallelism: 3, states: STATES, checkpointRoot: root, restore: { metadata: chk2 },
  });
  t.equal(error.code, "INVALID_FIELD");
  t.match(error.message, /local name "\.\.\/escape\.run" contains '\/': not a plain file name/);
});

t.test("discard never deletes a file a retained checkpoint uses", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  const model = new Model();
  await twoCheckpoints(c, root, model);
  const rnd = new Random(3);
  for (let id = 3; id <= 8; id++) {
    const changes = randomChanges(rnd, 60, MAXP);
    await c.ok("apply", { session: "s", changes });
    model.apply(changes);
    await c.ok("checkpoint", { session: "s", checkpointId: String(id) });
    const discarded = id - 2;
    const { deleted } = await c.ok<{ deleted: string[] }>("discard", { session: "s", checkpointId: String(discarded) });
    t.ok(deleted.includes(`chk-${discarded}/_metadata.ksnap`), `chk-${discarded}: its metadata file is deleted`);
    const retained = await Promise.all([id - 1, id].map(async (r) => (await loadSnapshot(join(root, `chk-${r}`, "_metadata.ksnap"))).snapshot));
    const used = new Set(retained.flatMap(referenced));
    t.same(deleted.filter((p) => used.has(p)), [], `chk-${discarded}: nothing deleted is used by a retained checkpoint`);
    t.notOk(existsSync(join(root, `chk-${discarded}`)), "its folder is gone");
    for (const p of deleted) t.notOk(existsSync(join(root, p)), `${p} is gone`);
    t.same(await problems(root), [], `after discarding chk-${discarded}, the retained checkpoints validate`);
  }
  // Only the retained checkpoints' files are left: discards deleted every shared file they no longer use.
  const retained = await Promise.all([7, 8].map(async (r) => (await loadSnapshot(join(root, `chk-${r}`, "_metadata.ksnap"))).snapshot));
  const shared = new Set(retained.flatMap(referenced).filter((p) => p.startsWith("shared/")));
  t.same(filesIn(join(root, "shared")).map((f) => `shared/${f}`), [...shared].sort());
  t.match(await c.fails("discard", { session: "s", checkpointId: "1" }), { code: "INVALID_FIELD" }, "an unknown checkpoint is refused");
  t.same(await c.dumps("s", 3), model.perSubtask(MAXP, 3));
});

t.test("format operations go through the library", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  const vectors = join(process.cwd(), "conformance/vectors/v1.0");
  const name = "incremental-chain-head";
  const { json } = await c.ok<{ json: unknown }>("decode", { path: join(vectors, "valid", `${name}.ksnap`) });
  t.same(json, JSON.parse(readFileSync(join(vectors, "valid", `${name}.json`), "utf8")));
  const out = join(dir, `${name}.ksnap`);
  await c.ok("encode", { json, out });
  t.same(readFileSync(out), readFileSync(join(vectors, "valid", `${name}.ksnap`)), "encode writes the canonical bytes");
  for (const kind of ["valid", "accepted"]) {
    for (const file of readdirSync(join(vectors, kind)).filter((f) => f.endsWith(".ksnap"))) {
      const decoded = await c.ok<{ json: unknown }>("decode", { path: join(vectors, kind, file) });
      t.same(decoded.json, JSON.parse(readFileSync(join(vectors, kind, file.replace(/\.ksnap$/, ".json")), "utf8")), `decode ${kind}/${file}`);
    }
  }
  for (const file of readdirSync(join(vectors, "invalid")).filter((f) => f.endsWith(".ksnap"))) {
    const expected = JSON.parse(readFileSync(join(vectors, "invalid", file.replace(/\.ksnap$/, ".error.json")), "utf8")) as { code: string };
    const error = await c.fails("decode", { path: join(vectors, "invalid", file) });
    t.equal(error.code, expected.code, `decode invalid/${file}`);
    t.notOk(error.message.includes(`${error.code}`), `the message does not repeat the code: ${error.message}`);
  }
  t.equal((await c.fails("encode", { json: { formatVersion: "1.0" }, out: join(dir, "x.ksnap") })).code, "INVALID_JSON");
});

t.test("bad requests get error responses", async (t) => {
  const c = new Client();
  t.teardown(() => c.backend.dispose());
  t.equal((await c.fails("hello", { protocol: 2 })).code, "UNSUPPORTED");
  t.equal((await c.fails("frobnicate")).code, "UNSUPPORTED");
  t.equal((await c.fails("dump", { session: "nope", subtask: 0 })).code, "UNKNOWN_SESSION");
  t.equal((await c.fails("decode", { path: "relative.ksnap" })).code, "BAD_REQUEST");
  t.equal((await c.fails("decode", { path: join(dir, "missing.ksnap") })).code, "IO_ERROR");
  t.equal((await c.backend.handle("not an object")).ok, false);
  t.equal((await c.backend.handle(null)).ok, false);
  const root = fresh("root");
  await open(c, "s", root, 2);
  const bad: Record<string, unknown>[] = [
    { op: "put", state: "alpha", keyGroup: 0, key: "", namespace: "", value: "00" },
    { op: "add", state: "zeta", keyGroup: 0, key: "", namespace: "", value: "00" },
    { op: "put", state: "mid", keyGroup: 0, key: "", namespace: "", value: "00" },
    { op: "put", state: "zeta", keyGroup: MAXP, key: "", namespace: "", value: "00" },
    { op: "put", state: "zeta", keyGroup: 0, key: "ABC", namespace: "", value: "00" },
    { op: "put", state: "nope", keyGroup: 0, key: "", namespace: "", value: "00" },
  ];
  for (const change of bad) {
    const good = { op: "put", state: "zeta", keyGroup: 1, key: "01", namespace: "", value: "01" };
    t.equal((await c.send("apply", { session: "s", changes: [good, change] })).ok, false, JSON.stringify(change));
  }
  t.same(await c.dumps("s", 2), [[], []], "a refused apply changes nothing");
  t.equal((await c.fails("checkpoint", { session: "s", checkpointId: "0" })).code, "BAD_REQUEST");
  await c.ok("checkpoint", { session: "s", checkpointId: "5" });
  t.equal((await c.fails("checkpoint", { session: "s", checkpointId: "5" })).code, "INVALID_FIELD", "ids increase");
  t.equal((await c.fails("open", { session: "s" })).code, "BAD_REQUEST");
  t.equal((await c.fails("open", { session: "t", operatorId: OP, maxParallelism: MAXP, parallelism: 2, states: STATES,
    checkpointRoot: fresh("root"), restore: { metadata: join(dir, "missing", "_metadata.ksnap") } })).code, "IO_ERROR");
});

t.test("through stdin and stdout: a garbage line gets an error response, shutdown exits 0", async (t) => {
  const child = spawn(process.execPath, [join(process.cwd(), "dist/conformance/reference-backend/main.js")], { stdio: ["pipe", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const ask = async (line: string): Promise<Response> => {
    child.stdin!.write(line + "\n");
    return JSON.parse((await lines.next()).value as string) as Response;
  };
  t.match(await ask(JSON.stringify({ id: 1, op: "hello", protocol: 1 })), { id: 1, ok: true, result: { protocol: 1 } });
  t.match(await ask("{not json"), { ok: false, error: { code: "BAD_REQUEST" } });
  t.match(await ask("[1,2]"), { ok: false, error: { code: "BAD_REQUEST" } });
  t.match(await ask(JSON.stringify({ id: 4, op: "apply", session: "none", changes: [] })), { id: 4, ok: false, error: { code: "UNKNOWN_SESSION" } });
  t.match(await ask(JSON.stringify({ id: 5, op: "shutdown" })), { id: 5, ok: true, result: {} });
  t.equal(await exit, 0);
});

t.test("fault forget-shared-file leaves a referenced shared file missing", async (t) => {
  const c = new Client("forget-shared-file");
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  await twoCheckpoints(c, root, new Model());
  const found = await problems(join(root, "chk-1"));
  t.same(found, [], "the first checkpoint is correct");
  t.match((await problems(join(root, "chk-2"))).join("\n"), /KS-E100/, "the second refers to a file never uploaded");
});

t.test("fault wrong-offset records a wrong key-group offset in savepoints", async (t) => {
  const c = new Client("wrong-offset");
  t.teardown(() => c.backend.dispose());
  const model = new Model();
  await twoCheckpoints(c, fresh("root"), model);
  const sp = fresh("sp");
  await c.ok("savepoint", { session: "s", savepointId: "3", dir: sp });
  const h = (await loadSnapshot(join(sp, "_metadata.ksnap"))).snapshot.operators[0]!.subtasks[0]!.handles[0] as SavepointHandle;
  t.equal(h.offsets[1], h.offsets[0], "offsets[1] is offsets[0]");
  const error = await c.fails("read-data", {
    path: join(sp, h.dataFile.path), handle: { keyGroups: h.keyGroups, offsets: h.offsets.map(String) },
  });
  t.equal(error.code, "INVALID_FIELD", "reading through the handle is refused");
  await c.ok("close", { session: "s" });
  t.equal((await c.fails("open", { session: "r", operatorId: OP, maxParallelism: MAXP, parallelism: 2, states: STATES,
    checkpointRoot: fresh("root"), restore: { metadata: join(sp, "_metadata.ksnap") } })).code, "INVALID_FIELD", "so is a restore");
});

t.test("fault reuse-file-id gives one id two contents", async (t) => {
  const c = new Client("reuse-file-id");
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  await twoCheckpoints(c, root, new Model());
  const found = (await problems(root)).join("\n");
  t.match(found, /KS-E071/, "the history has one id with two contents");
  t.match(found, /KS-E10[23]/, "checkpoint 1's file was overwritten");
});

t.test("fault wrong-restore-key-groups restores the wrong key groups", async (t) => {
  const c = new Client("wrong-restore-key-groups");
  t.teardown(() => c.backend.dispose());
  const root = fresh("root");
  const model = new Model();
  const { chk2 } = await twoCheckpoints(c, root, model);
  const sp = fresh("sp");
  await c.ok("savepoint", { session: "s", savepointId: "3", dir: sp });
  await c.ok("close", { session: "s" });
  for (const [from, p] of [[join(sp, "_metadata.ksnap"), 2], [chk2, 3], [chk2, 4]] as const) {
    await open(c, "r", root, p, from);
    const dumps = await c.dumps("r", p);
    const expected = model.perSubtask(MAXP, p);
    dumps.forEach((d, i) => t.not(JSON.stringify(d), JSON.stringify(expected[i]), `${from} at ${p}: subtask ${i} is wrong`));
    await c.ok("close", { session: "r" });
  }
});
