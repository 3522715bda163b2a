/**
 * The test-only Flink writer (test/flink-writer/) against real Flink files in /work/shared/flink-metadata/: bytes
 * it writes for values read off a fixture equal that fixture's bytes; CheckpointProperties constants equal the
 * files they were copied from; modified UTF-8; determinism; the layout of written job directories.
 */
import t from "tap";
import fc from "fast-check";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECKPOINT_PROPERTIES, NULL_PROPERTIES, SAVEPOINT_PROPERTIES } from "./flink-writer/checkpoint-properties.js";
import { DataOutput } from "./flink-writer/data-output.js";
import { writeFlinkJobDir } from "./flink-writer/job-dir.js";
import { type FlinkOperator, type FlinkSubtask, writeFlinkMetadata } from "./flink-writer/metadata.js";
import { flinkHistoryArbitrary, randomFlinkHistory } from "./flink-writer/random-history.js";
import { listFiles } from "./helpers.js";

const FIXTURES = "/work/shared/flink-metadata";
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name, "_metadata")));
const V6_CHECKPOINT = "new-stateful-udf-migration-itcase-flink2.3-rocksdb-checkpoint";
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Subtask `index` of the fixture's "Flat Map": a tag 11 handle with only private files, all relative. */
function inc(index: number, backendId: string, start: number, checkpointedSize: number, meta: [string, number],
  privates: [string, string, number][], stateHandleId: string): FlinkSubtask {
  return {
    index,
    managedKeyedState: {
      kind: "incremental", checkpointId: 2, backendId, keyGroups: { start, count: 1 }, checkpointedSize,
      meta: { kind: "relative", relativePath: meta[0], size: meta[1] },
      shared: [],
      private: privates.map(([localPath, relativePath, size]) => ({ localPath, handle: { kind: "relative", relativePath, size } })),
      stateHandleId,
    },
  };
}

// Read off new-stateful-udf-migration-itcase-flink2.3-rocksdb-checkpoint/_metadata (V6, checkpoint 2).
const SOURCE: FlinkOperator = {
  name: "Source: Custom Source", uid: "CheckpointingSource2", id: "1f2b5df5a66154aca61fcb26193792be",
  parallelism: 1, maxParallelism: 4,
  subtasks: [{
    index: 0,
    managedOperatorState: {
      states: [{ name: "source-state", mode: "UNION", offsets: [188, 205, 227, 253] }],
      delegate: { kind: "relative", relativePath: "c139387a-072f-4d4d-a1d3-befd96664480", size: 282 },
    },
  }],
};
const FLAT_MAP: FlinkOperator = {
  name: "Flat Map", uid: "CheckpointingKeyedStateFlatMap1", id: "d5c8b168c6cbfe8c507a10f88b325243",
  parallelism: 4, maxParallelism: 4,
  subtasks: [
    inc(1, "8eac5aa6-cc7c-4c11-af64-603ebeb1bcc3", 1, 13801, ["5cc02864-4379-4391-83d2-f66f341bce0a", 505], [["OPTIONS-000009", "e014c2fe-bbd7-43d8-862b-cc8587090e10", 11944], ["000010.sst", "679bef9a-7383-490c-9f71-e25fe0a8024c", 1076], ["CURRENT", "bacd5e3c-d8dc-4b22-a006-c4b244e9b971", 16], ["MANIFEST-000005", "ed943c2b-f675-4504-84e4-8085fd654c5d", 260]], "8eb28836-a857-4497-b71a-f51f9b908c79"),
    inc(2, "10ed1b6c-7af8-4163-94f5-6677fc782aa9", 2, 13809, ["78b9528d-4b5a-4adb-b9d2-91b71b224f1b", 505], [["OPTIONS-000009", "141372b9-6605-477b-abcb-38f68b761350", 11944], ["000010.sst", "89cb3686-20a7-49cc-829a-d2b613fa5d27", 1084], ["CURRENT", "c1c8b265-bad3-450e-824f-067ef47e7827", 16], ["MANIFEST-000005", "419ea493-eb76-4b4f-a824-44f26ec4abc7", 260]], "8a0117b6-8fe6-4c1e-ba69-a86c32ffd8ab"),
    inc(3, "2cd0bc4b-7532-494c-a112-75f42c3e403a", 3, 13798, ["10a90885-081e-495b-a4bb-581bfc15f5b3", 505], [["OPTIONS-000009", "6f3394ca-a742-4217-b760-4d6d2a133076", 11944], ["000010.sst", "efb842f1-03a4-4407-9c39-2e7af130d3f5", 1073], ["CURRENT", "ad91efab-f85b-4c40-93c8-01f9044236de", 16], ["MANIFEST-000005", "2f2bd39e-11c0-4e4e-9514-4637528ebbc5", 260]], "0c9f9635-8031-4dba-a863-7e9ba974e01c"),
  ],
};

t.test("header, operator state (tag 4, tag 6) and incremental handles (tag 11) equal a real V6 file's bytes", async (t) => {
  const real = fixture(V6_CHECKPOINT);
  const written = writeFlinkMetadata({ version: 6, checkpointId: 2, operators: [SOURCE, FLAT_MAP], properties: "checkpoint" });
  // magic, version, checkpoint id, master-state count; the operator count differs (the fixture has 8)
  t.equal(hex(written.subarray(0, 20)), hex(real.subarray(0, 20)));
  t.equal(hex(written.subarray(20, 24)), "00000002");
  const body = written.length - 24 - CHECKPOINT_PROPERTIES.length;
  t.equal(hex(written.subarray(24, 24 + body)), hex(real.subarray(24, 24 + body)), "the two operators, byte for byte");
  t.equal(24 + body, 1552, "ends where the fixture's third operator starts");
  t.equal(hex(written.subarray(24 + body)), hex(CHECKPOINT_PROPERTIES));
});

/** The fixture's "Flat Map" with one key-groups handle (tag 7 or 12) per subtask 1..3, read off the fixture. */
function keyGroupsFlatMap(tag: 7 | 12, files: [string, number, string?][]): FlinkOperator {
  return {
    ...FLAT_MAP,
    subtasks: files.map(([relativePath, size, stateHandleId], i) => ({
      index: i + 1,
      managedKeyedState: { kind: "key-groups", tag, startKeyGroup: i + 1, offsets: [505], data: { kind: "relative", relativePath, size }, ...(stateHandleId ? { stateHandleId } : {}) },
    })),
  };
}
const SOURCE_STATE = { states: [{ name: "source-state", mode: "UNION", offsets: [188, 205, 227, 253] }] } as const;
const withDelegate = (relativePath: string): FlinkOperator => ({
  ...SOURCE,
  subtasks: [{ index: 0, managedOperatorState: { ...SOURCE_STATE, delegate: { kind: "relative", relativePath, size: 282 } } }],
});

t.test("key-groups handles: tag 7 equals a real V5 savepoint's bytes, tag 12 a real V6 checkpoint's", async (t) => {
  const v5 = fixture("new-stateful-udf-migration-itcase-flink2.0-hashmap-savepoint");
  const w5 = writeFlinkMetadata({ version: 5, checkpointId: 2, properties: "savepoint", operators: [
    withDelegate("dc312a0b-d261-4aad-9e72-eeb0adc8f700"),
    keyGroupsFlatMap(7, [["82c5b6d4-4e5a-42c3-8fe0-070dcc8a702c", 535], ["9e45d1a0-d44e-42d2-aa64-ac895b960a11", 561], ["a11abd59-cb4c-4b0a-9558-46391f104fbe", 535]]),
  ] });
  t.equal(hex(w5.subarray(24, 550)), hex(v5.subarray(24, 550)));
  const v6 = fixture("new-stateful-udf-migration-itcase-flink2.3-hashmap-checkpoint");
  const w6 = writeFlinkMetadata({ version: 6, checkpointId: 2, operators: [
    withDelegate("1b797e8a-b107-474d-87d7-cabcead69566"),
    keyGroupsFlatMap(12, [
      ["c750b486-f90f-4df5-9346-5e3677dfac75", 532, "1ae59dbb-3256-4347-8f98-b33348549ffe"],
      ["9ecc3371-f3e0-45bd-b7b7-edc593bd3663", 549, "36254992-ef5e-452c-8ac1-75c796c7579e"],
      ["fbdfafe2-ad27-4f56-8107-7c68ceb0b78e", 532, "8c23bf04-457a-441f-b829-dfc1323d7fe8"],
    ]),
  ] });
  t.equal(hex(w6.subarray(0, 20)), hex(v6.subarray(0, 20)));
  t.equal(hex(w6.subarray(24, 664)), hex(v6.subarray(24, 664)));
});

t.test("inline handles (tag 1) and coordinator state: a whole real V5 file, byte for byte", async (t) => {
  const real = fixture("kafka-connector-kafka-source-savepoint-enum3-split0");
  /** The inline bytes the fixture holds under `name` (what the writer must frame identically). */
  const inline = (name: string, size: number) => {
    const at = Buffer.from(real).indexOf(Buffer.from(new DataOutput().utf(name).toBytes()));
    const data = real.subarray(at + 2 + name.length + 4, at + 2 + name.length + 4 + size);
    return { kind: "inline" as const, name, data };
  };
  const dir = "file:/Users/arv/flink-connector-kafka/flink-connector-kafka/src/test/resources/kafka-source-savepoint/enum3-split0/savepoint-246fa1-85f387ecce0c/";
  const reader = (uuid: string, offsets: number[], size: number) => ({
    states: [{ name: "SourceReaderState", mode: "SPLIT_DISTRIBUTE" as const, offsets }],
    delegate: inline(dir + uuid, size),
  });
  const written = writeFlinkMetadata({
    version: 5, checkpointId: 1, properties: real.subarray(2504),
    operators: [
      { name: "Map", uid: "", id: "7d246211b2be972287522fe7978b38c1", parallelism: 3, maxParallelism: 128, subtasks: [{ index: 0 }, { index: 1 }, { index: 2 }] },
      {
        name: "Source: TestDataSource", uid: "kafka-source-operator-uid", id: "cb16aa5adb311e8ac72482def19accbe", parallelism: 3, maxParallelism: 128,
        coordinatorState: inline("cb16aa5adb311e8ac72482def19accbe", 371),
        subtasks: [
          { index: 0, managedOperatorState: reader("8d17cd88-3e48-4425-a292-4070ce58dc9f", [234, 273, 312], 351) },
          { index: 1, managedOperatorState: reader("cb572990-89d1-4d08-99c3-e73817b5cd85", [234, 273, 312, 351], 390) },
          { index: 2, managedOperatorState: reader("a3ff6d0e-bf9f-4924-8723-a5f0858464c5", [234, 273, 312], 351) },
        ],
      },
    ],
  });
  t.equal(written.length, real.length);
  t.equal(hex(written), hex(real));
});

t.test("V4 drops name and uid: the fixture's source operator of flink1.17-rocksdb-checkpoint (V4)", async (t) => {
  const real = fixture("new-stateful-udf-migration-itcase-flink1.17-rocksdb-checkpoint");
  const op: FlinkOperator = {
    ...SOURCE, name: "", uid: "",
    subtasks: [{ index: 0, managedOperatorState: { states: [{ name: "source-state", mode: "UNION", offsets: [187, 204, 226, 252] }],
      delegate: { kind: "relative", relativePath: "bd1546ec-997b-43e7-9c64-6a315142f34c", size: 281 } } }],
  };
  const written = writeFlinkMetadata({ version: 4, checkpointId: 1, operators: [op] });
  // up to the subtask's channel state: this fixture has output channel handles, which the writer never writes
  const end = 24 + (written.length - 24 - CHECKPOINT_PROPERTIES.length) - 4;
  t.equal(hex(written.subarray(0, 20)), hex(real.subarray(0, 20)));
  t.equal(hex(written.subarray(24, end)), hex(real.subarray(24, end)));
});

t.test("CheckpointProperties constants are the bytes ending the real files they were copied from", async (t) => {
  const tail = (name: string, n: number) => hex(fixture(name).subarray(-n));
  for (const v of ["flink1.16", "flink1.17", "flink2.0", "flink2.3"]) {
    t.equal(tail(`new-stateful-udf-migration-itcase-${v}-rocksdb-checkpoint`, CHECKPOINT_PROPERTIES.length), hex(CHECKPOINT_PROPERTIES), v);
  }
  for (const name of ["flink2.0-hashmap-savepoint", "flink1.20-rocksdb-savepoint"]) {
    t.equal(tail(`new-stateful-udf-migration-itcase-${name}`, SAVEPOINT_PROPERTIES.length), hex(SAVEPOINT_PROPERTIES), name);
  }
  t.equal(tail("flink-state-processing-api__table-state-nulls", 5), hex(NULL_PROPERTIES));
  t.equal(hex(CHECKPOINT_PROPERTIES.subarray(0, 4)), "aced0005");
  t.ok(Buffer.from(CHECKPOINT_PROPERTIES).includes("FORWARD_BACKWARD"));
  t.ok(Buffer.from(SAVEPOINT_PROPERTIES).includes("CANONICAL"));
  const ends = (p: "checkpoint" | "savepoint" | null) => hex(writeFlinkMetadata({ version: 5, checkpointId: 1, operators: [], properties: p }).subarray(24));
  t.equal(ends("savepoint"), hex(SAVEPOINT_PROPERTIES));
  t.equal(ends(null), "aced000570");
  t.equal(writeFlinkMetadata({ version: 3, checkpointId: 1, operators: [] }).length, 24, "V3 has no properties");
});

t.test("strings are Java modified UTF-8 with a u16 length", async (t) => {
  t.equal(hex(new DataOutput().utf("a\u0000b").toBytes()), "000461c08062", "NUL is C0 80");
  t.equal(hex(new DataOutput().utf("\u{1F600}").toBytes()), "0006eda0bdedb880", "non-BMP as two 3-byte surrogates");
  t.equal(hex(new DataOutput().utf("é€").toBytes()), "0005c3a9e282ac");
  t.equal(hex(new DataOutput().utf("").toBytes()), "0000");
  t.throws(() => new DataOutput().utf("x".repeat(65536)));
  const named = writeFlinkMetadata({ version: 5, checkpointId: 7, operators: [{ ...SOURCE, name: "op\u0000\u{1F600}", subtasks: [] }] });
  t.equal(hex(named.subarray(24, 36)), "000a" + "6f70c080eda0bdedb880");
});

t.test("finished operators and subtasks, master states, coordinator state, key-groups handles", async (t) => {
  const op: FlinkOperator = {
    ...SOURCE, coordinatorState: { kind: "inline", name: "", data: Uint8Array.of(9) },
    subtasks: [{ index: 2, finished: true }, { index: 0, managedKeyedState: { kind: "key-groups", tag: 12, startKeyGroup: 3, offsets: [5], data: null, stateHandleId: "h" } }],
  };
  const b = writeFlinkMetadata({ version: 5, checkpointId: 1, masterStates: [{ name: "m", version: 1, payload: Uint8Array.of(7) }], operators: [op, { ...SOURCE, subtasks: "finished" }] });
  const s = hex(b);
  t.ok(s.includes("c96b1696" + "0000000c" + "00000001" + "00016d" + "0000000107"), "master state framed with magic and length");
  t.ok(s.includes("01" + "0000" + "00000001" + "09" + "00000002" + "fffffffd" + "00000000"), "coordinator tag 1, finished subtask −3");
  t.ok(s.includes("0c" + "00000003" + "00000001" + "0000000000000005" + "00" + "000168"), "tag 12 with its id");
  t.ok(s.includes("00" + "ffffffff" + "aced0005"), "a finished operator is count −1");
});

t.test("random histories are deterministic from the seed", async (t) => {
  t.same(randomFlinkHistory(42), randomFlinkHistory(42));
  t.not(JSON.stringify(randomFlinkHistory(42)), JSON.stringify(randomFlinkHistory(43)));
  const root = mkdtempSync(join(tmpdir(), "flink-writer-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const a = writeFlinkJobDir(join(root, "a"), randomFlinkHistory(7, { secondJob: true }));
  const b = writeFlinkJobDir(join(root, "a"), randomFlinkHistory(7, { secondJob: true }));
  t.same(a, b);
  t.same(listFiles(join(root, "a")), [...a.referenced, ...a.orphans, ...a.jobs.flatMap((j) => j.checkpoints.map((c) => c.metadataPath))].map((p) => p.slice(join(root, "a").length + 1)).sort());
});

t.test("a job directory: reused shared files written absolute, a second job referencing the first's shared/", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "flink-writer-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  // find a seed with reuse inside job 1 and across jobs
  let seed = 0;
  let d;
  for (;; seed++) {
    const h = randomFlinkHistory(seed, { checkpoints: 6, retain: 3, secondJob: true, version: 6, sharedStyle: "relative", pathStyle: "file-uri" });
    const j1 = h.jobs[0]!;
    const reused = j1.checkpoints.some((c) => c.subtasks.some((s) => s.shared.some((f) => f.uploadedBy < c.id)));
    const cross = h.jobs[1]!.checkpoints.some((c) => c.subtasks.some((s) => s.shared.some((f) => f.ownerJob === j1.jobId)));
    if (reused && cross && j1.leftovers.length > 0) {
      d = writeFlinkJobDir(root, h);
      break;
    }
  }
  t.ok(seed < 200);
  const [job1, job2] = d.jobs;
  for (const j of d.jobs) {
    t.ok(statSync(join(j.jobDir, "shared")).isDirectory());
    t.ok(statSync(join(j.jobDir, "taskowned")).isDirectory());
    t.same(j.checkpoints.map((c) => c.metadataPath), j.checkpoints.map((c) => join(j.jobDir, `chk-${c.checkpointId}`, "_metadata")));
    for (const c of j.checkpoints) {
      t.ok(c.exclusiveFiles.every((f) => f.startsWith(c.dir + "/")), "exclusive files in chk-<id>/");
      t.ok(c.sharedFiles.every((f) => /\/shared\/[0-9a-f-]{36}$/.test(f)), "shared files in some job's shared/");
    }
  }
  t.same([...d.referenced, ...d.orphans].filter((f) => !existsSync(f)), [], "every described file is on disk");
  t.same(d.referenced.filter((f) => d.orphans.includes(f)), []);
  t.ok(d.orphans.length > 0);
  // a file job 1 uploaded earlier is written as tag 2 with its absolute file: path in a later checkpoint
  const later = job1!.checkpoints.find((c) => c.sharedFiles.some((f) => !readFileSync(c.metadataPath).includes(Buffer.from(`../shared/${f.slice(f.lastIndexOf("/") + 1)}`))))!;
  const reusedPath = later.sharedFiles.find((f) => !readFileSync(later.metadataPath).includes(Buffer.from(`../shared/${f.slice(f.lastIndexOf("/") + 1)}`)))!;
  const utf = new DataOutput().utf(`file:${reusedPath}`).toBytes();
  const at = Buffer.from(readFileSync(later.metadataPath)).indexOf(Buffer.from(utf));
  t.ok(at > 9, "absolute path as writeUTF");
  t.equal(readFileSync(later.metadataPath)[at - 9], 2, "after tag 2 and the i64 size");
  t.equal(readFileSync(later.metadataPath).readBigInt64BE(at - 8), BigInt(statSync(reusedPath).size));
  const uploads = job1!.checkpoints.flatMap((c) => c.sharedFiles.filter((f) =>
    readFileSync(c.metadataPath).includes(Buffer.from(new DataOutput().utf(`../shared/${f.slice(f.lastIndexOf("/") + 1)}`).toBytes()))));
  t.ok(uploads.length > 0, "sharedStyle relative: a new shared file is written as tag 6 ../shared/<uuid>");
  t.ok(job2!.checkpoints.some((c) => c.sharedFiles.some((f) => f.startsWith(job1!.jobDir + "/shared/"))), "job 2 references job 1's shared/");
  t.ok(job2!.checkpoints[0]!.checkpointId > 1, "job 2 numbers on from the checkpoint it was restored from");
});

t.test("property: referenced and orphan files are disjoint and all on disk", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "flink-writer-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  let run = 0;
  fc.assert(fc.property(flinkHistoryArbitrary(), (h) => {
    const d = writeFlinkJobDir(join(root, String(run++)), h);
    const orphans = new Set(d.orphans);
    return d.referenced.every((f) => !orphans.has(f) && existsSync(f)) && d.orphans.every((f) => existsSync(f)) &&
      d.jobs.every((j) => j.checkpoints.every((c) => c.files.every((f) => d.referenced.includes(f))));
  }), { numRuns: 30 });
  t.pass();
});
