/**
 * The RocksDB backend (conformance/backends/rocksdb/): the C++ helper builds
 * against the system's librocksdb, the backend passes the whole conformance
 * catalogue through the real engine, and, driven in process, its checkpoints
 * are RocksDB checkpoints (SSTs shared once by database identity and file
 * number, MANIFEST, CURRENT and OPTIONS as the handle's own files, local names),
 * a compaction merges files that discards then delete, its key layout keeps
 * canonical order, and bad input gets error responses with codes.
 */
import t from "tap";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSnapshot, resolveInRoot, type IncrementalHandle } from "../src/index.js";
import { RocksBackend, type Response } from "../conformance/backends/rocksdb/backend.js";
import { helperBinary } from "../conformance/backends/rocksdb/helper-build.js";
import { HelperProcess } from "../conformance/backends/rocksdb/helper-process.js";
import { decodeKey, encodeKey, prefixBytes, type RocksKey } from "../conformance/backends/rocksdb/key-layout.js";
import { ReferenceBackend } from "../conformance/reference-backend/backend.js";
import { sortKey } from "../conformance/reference-backend/records.js";
import { catalogueTests, catalogueUnits } from "../src/conformance/catalogue.js";
import { checkRequest } from "../src/conformance/protocol-schema.js";
import { renderJunit } from "../src/conformance/report-junit.js";
import { renderTap } from "../src/conformance/report-tap.js";
import { renderTextReport } from "../src/conformance/report-text.js";
import { runSuite } from "../src/conformance/run-suite.js";
import { packageFile } from "../src/storage/package-files.js";

const HELPER = helperBinary();
const ROCKSDB = `node ${JSON.stringify(packageFile("dist/conformance/backends/rocksdb/main.js"))}`;
const REFERENCE = `node ${JSON.stringify(packageFile("dist/conformance/reference-backend/main.js"))}`;
const PROXY = `node ${JSON.stringify(packageFile("test/fixtures/adapters/recording-proxy.mjs"))}`;
const DROP = `node ${JSON.stringify(packageFile("test/fixtures/adapters/drop-capability-proxy.mjs"))}`;

function requestsOf(log: string): { op: string }[] {
  return readFileSync(log, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { op: string });
}

t.test("the helper is built against librocksdb and answers its protocol", async (t) => {
  const helper = new HelperProcess(HELPER);
  t.teardown(() => helper.kill());
  const [version] = await helper.command("version");
  t.match(version, /^\d+\.\d+\.\d+$/, `RocksDB ${version}`);
  await t.rejects(helper.command("open", "a", "/nonexistent-ksnap/db", "0"), { code: "ENGINE_ERROR" }, "a failed Status is ENGINE_ERROR");
  await t.rejects(helper.command("scan", "nope", "-", "-"), { code: "HELPER_PROTOCOL" }, "an unknown database is refused");
  await helper.quit();
  await t.rejects(helper.command("version"), { code: "HELPER_UNAVAILABLE" }, "a helper that exited fails every later command");
});

t.test("the RocksDB backend passes 100% of the catalogue through the real engine", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-rocksdb-requests-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, "requests.jsonl");
  const r = await runSuite({ adapter: `${PROXY} --log ${JSON.stringify(log)} -- ${ROCKSDB}`, timeoutMs: 30_000 });
  t.strictSame(r.results.filter((x) => x.outcome !== "PASS").map((x) => `${x.outcome} ${x.id}: ${x.reason}`), []);
  t.equal(r.results.length, catalogueTests(await catalogueUnits()).length, "every test of the catalogue ran");
  t.equal(r.adapter.name, "ksnap-rocksdb-backend");
  t.ok(r.adapter.capabilities.includes("compact"), "it declares compact");
  t.equal(r.adapter.starts, 1, "never restarted");
  t.comment(`rocksdb backend: ${r.results.length} tests in ${(r.ms / 1000).toFixed(1)} s`);
  const requests = requestsOf(log);
  t.ok(requests.some((q) => q.op === "compact"), "the compact steps were sent");
  t.strictSame(requests.map((q) => [q.op, checkRequest(q)]).filter(([, p]) => p !== undefined).slice(0, 3), [], "every request matches the schema");
});

t.test("cross-backend restores: each backend restores every savepoint the other wrote, at every parallelism of the scenarios", async (t) => {
  for (const [writer, reader, name] of [[ROCKSDB, REFERENCE, "ksnap-reference-backend"], [REFERENCE, ROCKSDB, "ksnap-rocksdb-backend"]] as const) {
    const r = await runSuite({ adapter: writer, restoreWith: reader, levels: ["cross-restore"], timeoutMs: 30_000 });
    t.equal(r.restoreWith?.name, name, `savepoints restored by ${name}`);
    t.strictSame(r.levels, ["cross-restore"]);
    const expected = catalogueTests(await catalogueUnits(undefined, true)).filter((x) => x.level === "cross-restore").map((x) => x.id);
    t.ok(expected.length >= 10, `${expected.length} cross-restore tests`);
    t.strictSame(r.results.map((x) => x.id), expected, "every cross-restore test ran");
    t.strictSame(r.results.filter((x) => x.outcome !== "PASS").map((x) => `${x.outcome} ${x.id}: ${x.reason}`), [], `${name} restores them all`);
    const writerName = r.adapter.name!;
    t.match(renderTextReport(r), new RegExp(`^ksnap conformance: ${writerName} [^\n]*\n[^\n]*\nsavepoints restored by: ${name} `), "the text report names both adapters");
    t.match(renderTap(r), new RegExp(`\n# adapter: ${writerName} [^\n]*\n# savepoints restored by: ${name} `), "so does TAP");
    t.match(renderJunit(r), new RegExp(`<property name="adapter" value="${writerName} [^"]*"/>\n\\s*<property name="restore-with" value="${name} `), "and JUnit");
  }
});

t.test("cross-restore: a second adapter that declares no restore gets UNSUPPORTED, one that cannot start an ERROR naming it", async (t) => {
  const python = `python3 ${JSON.stringify(packageFile("conformance/adapters/python/ksnap_adapter.py"))}`;
  const units = (await catalogueUnits(undefined, true)).filter((u) => u.tests.some((x) => x.id.startsWith("cross-restore/three-kinds/")));
  const r = await runSuite({ adapter: REFERENCE, restoreWith: python, units, levels: ["cross-restore"] });
  t.ok(r.results.length > 0);
  t.ok(r.results.every((x) => x.outcome === "UNSUPPORTED" && /restore-with adapter does not declare state/.test(x.reason ?? "")), "UNSUPPORTED, naming the second adapter");
  const broken = await runSuite({ adapter: REFERENCE, restoreWith: "exit 3", units, levels: ["cross-restore"], startTimeoutMs: 5000 });
  t.ok(broken.results.every((x) => x.outcome === "ERROR" && /restore-with adapter could not be started/.test(x.reason ?? "")), "ERROR, naming the second adapter");
  const dir = mkdtempSync(join(tmpdir(), "ksnap-no-savepoint-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const noSavepoint = `${DROP} --drop savepoint --log ${JSON.stringify(join(dir, "log"))} -- ${REFERENCE}`;
  const unwritten = await runSuite({ adapter: noSavepoint, restoreWith: REFERENCE, units, levels: ["cross-restore"] });
  t.ok(unwritten.results.length > 0 && unwritten.results.every((x) => x.outcome === "UNSUPPORTED" && /does not declare savepoint/.test(x.reason ?? "")),
    "an adapter under test that writes no savepoint makes them UNSUPPORTED");
  const plain = await runSuite({ adapter: REFERENCE, units: await catalogueUnits(), levels: ["savepoint"] });
  t.notOk(plain.results.some((x) => x.level === "cross-restore"), "without --restore-with there are no cross-restore tests");
});

t.test("an adapter that does not declare compact runs the scenarios without the step, and passes", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-no-compact-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, "requests.jsonl");
  const units = (await catalogueUnits()).filter((u) => u.tests.some((x) => x.id.startsWith("checkpoint/compactions/")));
  t.equal(units.length, 1);
  const r = await runSuite({ adapter: `${DROP} --drop compact --log ${JSON.stringify(log)} -- ${REFERENCE}`, units });
  t.notOk(r.adapter.capabilities.includes("compact"));
  t.strictSame(r.results.filter((x) => x.outcome !== "PASS").map((x) => `${x.outcome} ${x.id}: ${x.reason}`), [], "no test is skipped or fails");
  t.notOk(requestsOf(log).some((q) => q.op === "compact"), "no compact request was sent");
});

t.test("key layout: the key-group prefix is 1 byte up to max parallelism 128, else 2; RocksDB's byte order is the canonical order", async (t) => {
  t.equal(prefixBytes(128), 1);
  t.equal(prefixBytes(129), 2);
  t.strictSame([...encodeKey({ keyGroup: 5, state: "s", key: "", namespace: "" }, 128).subarray(0, 1)], [5]);
  t.strictSame([...encodeKey({ keyGroup: 300, state: "s", key: "", namespace: "" }, 32768).subarray(0, 2)], [1, 44]);
  const states = ["a", "ab", "b\u00e9", "b\u{1f600}"];
  const fields = ["", "00", "0000", "00ff", "01", "ff", "ff00", "ffff"];
  const keys: RocksKey[] = [];
  for (const keyGroup of [0, 1, 255]) for (const state of states) for (const key of fields) for (const namespace of ["", "00", "01"]) {
    keys.push({ keyGroup, state, key, namespace });
  }
  const isMap = () => false;
  for (const k of keys) t.strictSame(decodeKey(encodeKey(k, 256), 256, isMap), k, "round trip", { diagnostic: false });
  const rank = (s: string) => [...states].sort().indexOf(s);
  const canonical = [...keys].sort((a, b) => (sortKey(a, rank(a.state)) < sortKey(b, rank(b.state)) ? -1 : 1));
  const byBytes = [...keys].sort((a, b) => Buffer.compare(encodeKey(a, 256), encodeKey(b, 256)));
  t.strictSame(byBytes, canonical, `${keys.length} keys: byte order of the encoded keys is the canonical order`);
  const map = { keyGroup: 3, state: "m", key: "00", namespace: "", userKey: "0001" };
  t.strictSame(decodeKey(encodeKey(map, 64), 64, () => true), map, "a map key keeps its user key");
  t.throws(() => decodeKey(Buffer.from([3, 0x61, 0, 1]), 64, isMap), { code: "MALFORMED_BODY" }, "a key with too few fields is refused");
});

/** Drives a backend in process, numbering requests as the runner does. */
class Client {
  private nextId = 1;
  constructor(readonly backend: RocksBackend) {}

  async send(op: string, params: Record<string, unknown> = {}): Promise<Response> {
    return this.backend.handle({ id: this.nextId++, op, ...params });
  }

  async call(op: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const r = await this.send(op, params);
    if (!r.ok) throw new Error(`${op}: ${r.error.code}: ${r.error.message}`);
    return r.result as Record<string, unknown>;
  }
}

const STATES = [{ name: "v", kind: "value", keySerializer: "", namespaceSerializer: "", valueSerializer: "" }];

function puts(n: number, keyGroupOf: (i: number) => number, tag: string): object[] {
  return Array.from({ length: n }, (_, i) => ({
    op: "put", state: "v", keyGroup: keyGroupOf(i), key: i.toString(16).padStart(8, "0"), namespace: "", value: tag,
  }));
}

t.test("checkpoints are RocksDB checkpoints: SSTs shared once by identity and number, MANIFEST/CURRENT/OPTIONS per checkpoint; compaction merges, discard deletes", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-rocksdb-"));
  const backend = new RocksBackend(HELPER);
  t.teardown(async () => {
    await backend.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const c = new Client(backend);
  const root = join(dir, "root");
  await c.call("open", { session: "s", operatorId: "op", maxParallelism: 16, parallelism: 2, states: STATES, checkpointRoot: root });
  const handles = async (id: number): Promise<IncrementalHandle[]> => {
    const { metadata } = await c.call("checkpoint", { session: "s", checkpointId: String(id) });
    return (await loadSnapshot(metadata as string)).snapshot.operators[0]!.subtasks.map((s) => s.handles[0] as IncrementalHandle);
  };
  await c.call("apply", { session: "s", changes: puts(100, (i) => i % 16, "01") });
  const [a1] = await handles(1);
  t.equal(a1!.sharedFiles.length, 1, "the first checkpoint flushed one SST");
  const sst = a1!.sharedFiles[0]!;
  t.match(sst.localName, /^\d{6}\.sst$/);
  t.match(sst.id, new RegExp(`^${a1!.backendId}/[0-9a-f-]{36}/${Number(sst.localName!.slice(0, 6))}$`), "id: backend id, database identity, file number");
  t.match(a1!.metaFile.localName, /^MANIFEST-\d+$/, "the MANIFEST is the meta file");
  t.strictSame(a1!.privateFiles.map((f) => f.localName!.replace(/-\d+$/, "")).sort(), ["CURRENT", "OPTIONS"]);

  await c.call("apply", { session: "s", changes: puts(10, () => 3, "02") });
  const [a2, b2] = await handles(2);
  t.equal(a2!.sharedFiles.filter((f) => f.originCheckpointId === 2n).length, 1, "subtask 0 changed: one new SST");
  t.strictSame(b2!.sharedFiles.filter((f) => f.originCheckpointId === 2n), [], "subtask 1 did not change: nothing uploaded");
  t.ok(a2!.sharedFiles.some((f) => f.id === sst.id && f.path === sst.path && f.originCheckpointId === 1n), "the first SST is referenced again");

  await c.call("compact", { session: "s" });
  const [a3] = await handles(3);
  t.equal(a3!.sharedFiles.length, 1, "the compaction merged subtask 0's two SSTs into one");
  t.equal(a3!.sharedFiles[0]!.originCheckpointId, 3n, "a new file, uploaded by the checkpoint after the compaction");
  await c.call("discard", { session: "s", checkpointId: "1" });
  const { deleted } = await c.call("discard", { session: "s", checkpointId: "2" }) as { deleted: string[] };
  t.ok(deleted.includes(sst.path), "the merged-away SST goes with the last checkpoint that used it");
  t.ok(deleted.includes("chk-2/_metadata.ksnap"));
  const shared = readdirSync(join(root, "shared")).map((f) => `shared/${f}`).sort();
  const chk3 = await loadSnapshot(join(root, "chk-3", "_metadata.ksnap"));
  const used = chk3.snapshot.operators[0]!.subtasks.flatMap((s) => (s.handles[0] as IncrementalHandle).sharedFiles.map((f) => f.path)).sort();
  t.strictSame(shared, used, "the root's shared folder holds exactly the files of the retained checkpoint");

  // Restored at the same parallelism in the same root, the instances keep the files: the next checkpoint uploads nothing.
  await c.call("close", { session: "s" });
  await c.call("open", { session: "r", operatorId: "op", maxParallelism: 16, parallelism: 2, states: STATES, checkpointRoot: root,
    restore: { metadata: join(root, "chk-3", "_metadata.ksnap") } });
  const { metadata } = await c.call("checkpoint", { session: "r", checkpointId: "4" });
  const after = (await loadSnapshot(metadata as string)).snapshot.operators[0]!.subtasks.map((s) => s.handles[0] as IncrementalHandle);
  t.strictSame(after.flatMap((h) => h.sharedFiles.filter((f) => f.originCheckpointId === 4n)), [], "adopted SSTs are not uploaded again");
  t.equal(after[0]!.backendId, a3!.backendId, "the adopted handle keeps its backend id");
  t.equal(after[0]!.baseCheckpointId, 3n);
  const dump = await c.call("dump", { session: "r", subtask: 0 }) as { entries: { value: string }[] };
  const expected = new Set([...puts(100, (i) => i % 16, ""), ...puts(10, () => 3, "")].map((p) => p as { keyGroup: number; key: string })
    .filter((p) => p.keyGroup < 8).map((p) => `${p.keyGroup}/${p.key}`));
  t.equal(dump.entries.length, expected.size, `subtask 0 holds its ${expected.size} keys`);
});

t.test("bad input gets error responses with codes, never a crash", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ksnap-rocksdb-bad-"));
  const backend = new RocksBackend(HELPER);
  t.teardown(async () => {
    await backend.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const c = new Client(backend);
  const code = async (op: string, params: Record<string, unknown>) => {
    const r = await c.send(op, params);
    return r.ok ? "ok" : r.error.code;
  };
  const root = join(dir, "root");
  const open = { operatorId: "op", maxParallelism: 16, parallelism: 1, states: STATES, checkpointRoot: root };
  t.equal(await code("dump", { session: "none", subtask: 0 }), "UNKNOWN_SESSION");
  t.equal(await code("open", { session: "s", ...open, parallelism: 17 }), "INVALID_FIELD", "parallelism above max parallelism");
  t.equal(await code("open", { session: "s", ...open }), "ok");
  t.equal(await code("apply", { session: "s", changes: [{ op: "add", state: "v", keyGroup: 1, key: "", namespace: "", value: "" }] }), "INVALID_FIELD");
  t.equal(await code("apply", { session: "s", changes: puts(5, (i) => i, "aa") }), "ok");
  t.equal(await code("checkpoint", { session: "s", checkpointId: "1" }), "ok");
  t.equal(await code("checkpoint", { session: "s", checkpointId: "1" }), "INVALID_FIELD", "checkpoint ids increase");
  t.equal(await code("close", { session: "s" }), "ok");

  // A shared file that no longer matches its ref is refused on restore.
  const chk = await loadSnapshot(join(root, "chk-1", "_metadata.ksnap"));
  const h = chk.snapshot.operators[0]!.subtasks[0]!.handles[0] as IncrementalHandle;
  const path = resolveInRoot(root, h.sharedFiles[0]!.path);
  const bytes = readFileSync(path);
  bytes[10]! ^= 0xff;
  writeFileSync(path, bytes);
  t.equal(await code("open", { session: "r", ...open, restore: { metadata: join(root, "chk-1", "_metadata.ksnap") } }), "CHECKSUM_MISMATCH");
  t.equal(await code("open", { session: "r", ...open, maxParallelism: 32, restore: { metadata: join(root, "chk-1", "_metadata.ksnap") } }),
    "INVALID_FIELD", "another max parallelism");

  // Another backend's incremental handle is refused by name, not half restored.
  const reference = new ReferenceBackend();
  const refRoot = join(dir, "reference-root");
  let n = 1;
  for (const [op, params] of [["open", { session: "x", ...open, checkpointRoot: refRoot }], ["apply", { session: "x", changes: puts(5, (i) => i, "bb") }],
    ["checkpoint", { session: "x", checkpointId: "1" }], ["close", { session: "x" }]] as const) {
    const r = await reference.handle({ id: n++, op, ...params });
    t.ok(r.ok, `reference backend ${op}`);
  }
  reference.dispose();
  const foreign = await c.send("open", { session: "f", ...open, checkpointRoot: join(dir, "f"), restore: { metadata: join(refRoot, "chk-1", "_metadata.ksnap") } });
  t.equal(foreign.ok ? "ok" : foreign.error.code, "UNSUPPORTED", "a reference backend checkpoint is refused");
  t.match(foreign.ok ? "" : foreign.error.message, /not a RocksDB instance/);

  const missing = new Client(new RocksBackend(join(dir, "no-such-helper")));
  const r = await missing.send("open", { session: "m", ...open });
  t.equal(r.ok ? "ok" : r.error.code, "HELPER_UNAVAILABLE", "a helper that cannot run is an error response");
  await missing.backend.dispose();
});
