/**
 * The Flink `_metadata` reader (src/flink): the 21 real snapshot folders Flink committed as test resources
 * (test/fixtures/flink, facts in INDEX.tsv from an independent reader), then bad input: truncation, mutation,
 * versions, unknown tags, Java streams, modified UTF-8, limits, and the structures no real folder holds.
 */
import t from "tap";
import fc from "fast-check";
import { deepStrictEqual } from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KsnapError } from "../src/errors.js";
import { packageFile } from "../src/storage/package-files.js";
import { decodeModifiedUtf8 } from "../src/flink/modified-utf8.js";
import { readFlinkMetadata, type FlinkKeyedHandle, type FlinkMetadata } from "../src/index.js";
import { NULL_PROPERTIES } from "./flink-writer/checkpoint-properties.js";
import { DataOutput } from "./flink-writer/data-output.js";
import { writeFlinkJobDir } from "./flink-writer/job-dir.js";
import { flinkHistoryArbitrary } from "./flink-writer/random-history.js";
import { thrown } from "./helpers.js";

const DIR = packageFile("test/fixtures/flink");

/** test/flink-writer's DataOutput with raw bytes, for synthetic and malformed input. */
class Bytes extends DataOutput {
  u8(...bs: number[]): this {
    for (const b of bs) this.byte(b);
    return this;
  }

  /** `writeUTF`'s length and the given (possibly invalid) modified UTF-8 bytes. */
  rawUtf(bs: number[]): this {
    return this.byte(bs.length >> 8).byte(bs.length).u8(...bs);
  }

  get length(): number {
    return this.toBytes().length;
  }
}

/** Header of a `_metadata` of `version` with checkpoint id 1 and no master state (24 bytes). */
const header = (version: number, operators: number): Bytes => new Bytes().int(0x4960672d).int(version).long(1).int(0).int(operators);
/** An operator of a V3/V4 file, up to its subtask count (OperatorID 00..0f, parallelism 1, max 128, no coordinator). */
const operatorV3 = (w: Bytes, subtasks: number): Bytes =>
  w.u8(...Array.from({ length: 16 }, (_, i) => i)).int(1).int(128).u8(0).int(subtasks);
const JAVA_NULL = [...NULL_PROPERTIES];
const PREFIX = "new-stateful-udf-migration-itcase-";

interface IndexRow {
  folder: string; size: number; magic: string; version: number; checkpointId: bigint; operators: number;
  properties: string; keyedHandleTypes: string; relativeRefs: number; filesInFolder: number;
}

const ROWS: IndexRow[] = readFileSync(join(DIR, "INDEX.tsv"), "utf8").trim().split("\n").slice(1).map((line) => {
  const c = line.split("\t");
  return {
    folder: c[0]!, size: Number(c[1]), magic: c[2]!, version: Number(c[3]), checkpointId: BigInt(c[4]!),
    operators: Number(c[5]), properties: c[6]!, keyedHandleTypes: c[7]!, relativeRefs: Number(c[8]),
    filesInFolder: Number(c[9]),
  };
});

const metadataBytes = (folder: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, folder, "_metadata")));
const read = (folder: string): FlinkMetadata => readFlinkMetadata(metadataBytes(folder));

/** Flink's class name for a keyed handle tag, as INDEX.tsv names them. */
const CLASS_OF_TAG: Record<number, string> = {
  3: "KeyGroupsStateHandle", 12: "KeyGroupsStateHandleV2", 7: "KeyGroupsSavepointStateHandle",
  5: "IncrementalRemoteKeyedStateHandle", 11: "IncrementalRemoteKeyedStateHandleV2",
  8: "ChangelogStateBackendHandle", 14: "ChangelogStateBackendHandle",
};

/** Every object of the AST whose `kind` is `kind`, at any depth. */
function allOfKind<T = Record<string, unknown>>(root: unknown, kind: string): T[] {
  const out: T[] = [];
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object" || v instanceof Uint8Array) return;
    if (Array.isArray(v)) return v.forEach(walk);
    if ((v as { kind?: unknown }).kind === kind) out.push(v as T);
    Object.values(v).forEach(walk);
  };
  walk(root);
  return out;
}

function topLevelKeyed(md: FlinkMetadata): FlinkKeyedHandle[] {
  return md.operators.flatMap((op) => op.subtasks.flatMap((st) => [st.managedKeyedState, st.rawKeyedState]))
    .filter((h): h is FlinkKeyedHandle => h !== null);
}

function propertiesText(md: FlinkMetadata): string {
  const p = md.properties;
  if (p === undefined || p === null) return "-";
  const ct = p.checkpointType;
  return ct.kind === "checkpoint" ? `CheckpointType:${ct.name}:${ct.sharingFilesStrategy}` : `SavepointType:${ct.name}:${ct.formatType}`;
}

t.test("INDEX.tsv lists the 21 folders", async (t) => {
  const folders = readdirSync(DIR).filter((f) => statSync(join(DIR, f)).isDirectory()).sort();
  t.equal(ROWS.length, 21);
  t.same(ROWS.map((r) => r.folder).sort(), folders);
});

for (const row of ROWS) {
  t.test(`${row.folder.replace(PREFIX, "")}: reads to its last byte, as INDEX.tsv says`, async (t) => {
    const bytes = metadataBytes(row.folder);
    const md = readFlinkMetadata(bytes); // throws TRAILING_BYTES unless every byte is read
    t.equal(bytes.length, row.size, "size");
    t.equal(Buffer.from(bytes.subarray(0, 4)).toString("hex"), row.magic, "magic");
    t.equal(md.version, row.version, "version");
    t.equal(md.checkpointId, row.checkpointId, "checkpoint id");
    t.equal(md.operators.length, row.operators, "operators");
    t.equal(propertiesText(md), row.properties, "properties");
    t.equal(md.properties === undefined, md.version < 4, "properties exactly from V4");

    const counts = new Map<string, number>();
    for (const h of topLevelKeyed(md)) counts.set(CLASS_OF_TAG[h.tag]!, (counts.get(CLASS_OF_TAG[h.tag]!) ?? 0) + 1);
    const types = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, n]) => `${c}x${n}`).join(",") || "-";
    t.equal(types, row.keyedHandleTypes, "keyed handle types (managed and raw, top level)");

    const relative = allOfKind<{ relativePath: string }>(md, "relative-file");
    t.equal(relative.length, row.relativeRefs, "relative file references");
    t.equal(allOfKind(md, "file").length, 0, "no absolute file reference");
    const distinct = new Set(relative.map((h) => h.relativePath));
    for (const p of distinct) t.ok(existsSync(join(DIR, row.folder, p)), `${p} is in the folder`);
    const unreferenced = row.folder.startsWith("flink-table-planner__") ? 1 : 0; // NOTICE.md: one file nothing references
    t.equal(distinct.size + unreferenced, row.filesInFolder, "files in the folder = distinct relative paths (+ unreferenced)");

    for (const op of md.operators) t.match(op.operatorId, /^[0-9a-f]{32}$/);
    for (const h of allOfKind<{ keyGroups: { count: number }; offsets: bigint[] }>(md, "key-groups")) {
      t.equal(h.offsets.length, h.keyGroups.count, "one offset per key group");
      const written = h.offsets.filter((o) => o !== 0n);
      t.ok(written.every((o, i) => i === 0 || o > written[i - 1]!), "non-zero key-group offsets strictly increase");
    }
  });
}

t.test("facts of single folders (spec/flink.md)", async (t) => {
  const nulls = read("flink-state-processing-api__table-state-nulls");
  t.equal(nulls.checkpointId, 0n, "State Processor API: checkpoint id 0");
  t.equal(nulls.properties, null, "null CheckpointProperties (ac ed 00 05 70)");
  t.same(nulls.masterStates.map((m) => [m.name, m.version, m.payload.length]),
    [["com.example.state.writer.job.masterstate.MasterTriggerRestoreHook", 1, 8]], "one master state");
  t.equal(nulls.operators.filter((op) => op.finished).length, 1, "one fully finished operator (subtask count -1)");
  t.ok(nulls.operators.filter((op) => op.finished).every((op) => op.subtasks.length === 0 && op.coordinatorState === null));
  t.same([...new Set(topLevelKeyed(nulls).map((h) => h.tag))].sort((a, b) => a - b), [7, 12], "tags 7 and 12 mixed");
  t.ok(nulls.operators.some((op) => op.uid === "long-udf-with-master-hook-uid"), "V5 uid");

  const over = read("flink-table-planner__restore-tests__stream-exec-over-aggregate_1__over-aggregate-lag__1.18__savepoint");
  t.same(over.properties?.checkpointType, { kind: "savepoint", name: "Suspend Savepoint", formatType: "CANONICAL", postCheckpointAction: "SUSPEND" });
  t.same([...new Set(over.operators.map((op) => op.maxParallelism))].sort(), [1, 128], "operators disagree on max parallelism");

  const kafka = read("kafka-connector-kafka-source-savepoint-enum3-split0");
  const coordinators = kafka.operators.flatMap((op) => (op.coordinatorState ? [op.coordinatorState] : []));
  t.same(coordinators.map((c) => c.data.length), [371], "the source enumerator's coordinator state");
  t.same(kafka.operators.map((op) => [op.name, op.uid]), [["Map", ""], ["Source: TestDataSource", "kafka-source-operator-uid"]], "V5 names, \"\" = no uid");

  const offsets = metadataBytes("kafka-connector-table-state-kafka-offsets");
  t.equal(readFlinkMetadata(offsets).operators[0]!.operatorId, Buffer.from(offsets.subarray(0x18, 0x28)).toString("hex"),
    "OperatorID: the 16 bytes as they stand (lower, then upper, big-endian)");
  t.equal(readFlinkMetadata(offsets).operators[0]!.operatorId, "9f8969a6ec38ded021bc1d0649de6265");

  const rocks17 = read(`${PREFIX}flink1.17-rocksdb-checkpoint`);
  const channel = rocks17.operators.flatMap((op) => op.subtasks.flatMap((st) => [...st.inputChannelState, ...st.outputChannelState]));
  t.equal(channel.length, 40, "unaligned checkpoint: 40 channel handles");
  t.ok(channel.every((c) => c.kind === "result-subpartition" && c.delegate?.kind === "relative-file"));
  const channelFiles = new Set(channel.map((c) => (c.delegate?.kind === "relative-file" ? c.delegate.relativePath : "")));
  const operatorHandles = rocks17.operators.flatMap((op) => op.subtasks.flatMap((st) => [st.managedOperatorState, st.rawOperatorState]));
  t.equal(allOfKind(topLevelKeyed(rocks17), "relative-file").length, 80, "80 refs from keyed handles");
  t.equal(allOfKind(operatorHandles, "relative-file").length, 2, "2 from operator state");
  t.equal(channelFiles.size, 3, "the 40 channel handles share 3 files: 80 + 2 + 40 = 122 refs, 80 + 2 + 3 = 85 files");

  const changelog = read(`${PREFIX}flink1.17-hashmap-checkpoint`);
  const backends = topLevelKeyed(changelog);
  t.ok(backends.length === 12 && backends.every((h) => h.kind === "changelog-backend" && h.tag === 14));
  t.equal(allOfKind(backends, "in-memory-changelog").length, 12, "deltas held inline (tag 9)");

  const v14 = read(`${PREFIX}flink1.4-rocksdb-savepoint`);
  const v14subtasks = v14.operators.flatMap((op) => op.subtasks);
  t.equal(v14subtasks.filter((st) => st.rawKeyedState?.tag === 3).length, 16, "raw keyed state (16 of the 28 tag-3 handles)");
  t.equal(v14subtasks.filter((st) => st.managedKeyedState?.tag === 3).length, 12, "managed keyed state");
  t.ok(v14.operators.every((op) => op.unusedV2 !== undefined && op.subtasks.every((st) => st.unusedV2 !== undefined)), "V2's unused fields kept");

  const complex = read("operatorstate__complexKeyed-flink2.3");
  const sparse = allOfKind<{ tag: number; offsets: bigint[] }>(complex, "key-groups");
  t.ok(sparse.length === 4 && sparse.every((h) => h.tag === 7 && h.offsets.includes(0n) && h.offsets.some((o) => o > 0n)),
    "a key group with no data has offset 0 (tag 7 written by the State Processor API): offsets are not monotone");
  t.ok(topLevelKeyed(nulls).filter((h) => h.tag === 7).every((h) => h.kind === "key-groups" && h.offsets.includes(0n)),
    "the same in table-state-nulls' tag-7 handle");
});

const SMALL = [`${PREFIX}flink1.15-rocksdb-checkpoint`, "kafka-connector-kafka-source-savepoint-enum3-split0",
  `${PREFIX}flink2.3-hashmap-checkpoint`, `${PREFIX}flink1.10-savepoint`];

t.test("every truncation of a few fixtures is TRUNCATED", async (t) => {
  for (const folder of SMALL) {
    const bytes = metadataBytes(folder);
    const codes = new Set<string>();
    for (let n = 0; n < bytes.length; n++) {
      const e = thrown(() => readFlinkMetadata(bytes.subarray(0, n)));
      codes.add(e.code);
      if (e.offset === undefined || e.offset > n) t.fail(`${folder} cut at ${n}: offset ${e.offset}`);
    }
    t.same([...codes], ["TRUNCATED"], `${folder}: ${bytes.length} truncations`);
  }
});

t.test("mutated fixtures fail only with typed errors (fast-check)", async (t) => {
  const inputs = SMALL.concat(`${PREFIX}flink1.17-hashmap-checkpoint`).map(metadataBytes);
  const seen = new Set<string>();
  fc.assert(fc.property(
    fc.nat(inputs.length - 1),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
    fc.constantFrom("flip", "insert", "delete"),
    (which, edits, how) => {
      let bytes = inputs[which]!.slice();
      for (const [p, b] of edits) {
        const at = p % bytes.length;
        if (how === "flip") bytes[at] = b;
        else if (how === "insert") bytes = Uint8Array.from([...bytes.subarray(0, at), b, ...bytes.subarray(at)]);
        else bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + 1)]);
      }
      try {
        readFlinkMetadata(bytes);
        seen.add("read");
      } catch (e) {
        if (!(e instanceof KsnapError)) throw e;
        seen.add(e.code);
      }
    }), { numRuns: 3000 });
  t.ok(seen.size > 3, `outcomes: ${[...seen].sort().join(", ")}`);
});

t.test("header: magic and versions", async (t) => {
  const v3 = metadataBytes(`${PREFIX}flink1.15-rocksdb-checkpoint`);
  for (const version of [0, 1, 7, -1]) {
    const bytes = v3.slice();
    new DataView(bytes.buffer).setInt32(4, version);
    const e = thrown(() => readFlinkMetadata(bytes));
    t.equal(e.code, "UNSUPPORTED_VERSION", `version ${version}`);
    t.equal(e.offset, 4);
  }
  const bad = v3.slice();
  bad[0] = 0x00;
  t.equal(thrown(() => readFlinkMetadata(bad)).code, "BAD_MAGIC");
  t.equal(thrown(() => readFlinkMetadata(Uint8Array.from([...v3, 0]))).code, "TRAILING_BYTES");
  t.equal(thrown(() => readFlinkMetadata(v3, { maxFileBytes: 100 })).code, "LIMIT_EXCEEDED");
});

t.test("an unknown handle tag names its byte offset and the expected tags", async (t) => {
  const w = operatorV3(header(3, 1), 1).int(0).int(0).int(0);
  const at = w.length;
  const e = thrown(() => readFlinkMetadata(w.u8(42).toBytes()));
  t.equal(e.code, "MALFORMED_BODY");
  t.equal(e.offset, at);
  t.equal(e.field, "operators[0].subtasks[0]");
  t.match(e.message, `unknown keyed handle type 42 at byte ${at}, expected one of 0, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14`);

  const op = operatorV3(header(3, 1), 1).int(0).int(1);
  const opAt = op.length;
  t.match(thrown(() => readFlinkMetadata(op.u8(5).toBytes())).message, `unknown operator handle type 5 at byte ${opAt}`);
  const coord = header(3, 1).u8(...new Array(16).fill(0)).int(1).int(1);
  t.match(thrown(() => readFlinkMetadata(coord.u8(2, ...new Array(20).fill(0)).toBytes())).message, "unknown byte stream handle type 2", "coordinator state is tag 0 or 1");
});

t.test("counts larger than the input are refused before anything is allocated", async (t) => {
  const e = thrown(() => readFlinkMetadata(header(3, 0x7fffffff).toBytes()));
  t.equal(e.code, "TRUNCATED");
  t.match(e.message, "operator count 2147483647");
  t.equal(thrown(() => readFlinkMetadata(header(3, -2).toBytes())).code, "INVALID_FIELD");
  const offsets = operatorV3(header(3, 1), 1).int(0).int(0).int(0).u8(3).int(0).int(30000);
  t.equal(thrown(() => readFlinkMetadata(offsets.toBytes())).code, "TRUNCATED", "30000 key-group offsets in no bytes");
  const range = operatorV3(header(3, 1), 1).int(0).int(0).int(0).u8(3).int(32000).int(1000);
  t.equal(thrown(() => readFlinkMetadata(range.toBytes())).code, "INVALID_FIELD", "key groups beyond 2^15");
});

t.test("handle nesting is bounded by maxHandleDepth", async (t) => {
  const w = operatorV3(header(3, 1), 1).int(0).int(0).int(0);
  for (let i = 0; i < 20; i++) w.u8(3).int(0).int(0); // a key-groups handle whose delegate is a key-groups handle …
  w.u8(0).u8(0).int(0).int(0);
  const bytes = w.toBytes();
  t.equal(thrown(() => readFlinkMetadata(bytes)).code, "LIMIT_EXCEEDED");
  const md = readFlinkMetadata(bytes, { maxHandleDepth: 32 });
  t.equal(allOfKind(md, "key-groups").length, 20);
  t.equal(thrown(() => readFlinkMetadata(metadataBytes(`${PREFIX}flink1.17-hashmap-checkpoint`), { maxHandleDepth: 0 })).code, "LIMIT_EXCEEDED");
});

/** A V4 file with no operator and `javaStream` as its CheckpointProperties. */
const withProperties = (javaStream: number[]): Uint8Array => header(4, 0).u8(...javaStream).toBytes();
const classDesc = (name: string, flags: number, fields: number[] = [], superDesc = [0x70]): number[] =>
  [0x72, ...new Bytes().utf(name).long(1).toBytes(), flags, ...fields, 0x78, ...superDesc];

t.test("CheckpointProperties: Java serialization", async (t) => {
  t.equal(readFlinkMetadata(withProperties(JAVA_NULL)).properties, null);
  const integer = [0xac, 0xed, 0, 5, 0x73, ...classDesc("java.lang.Integer", 2, [0, 1, 0x49, ...new Bytes().utf("value").toBytes()]), 0, 0, 0, 1];
  const e = thrown(() => readFlinkMetadata(withProperties(integer)));
  t.equal(e.code, "MALFORMED_BODY");
  t.match(e.message, `Java class "java.lang.Integer" is not one of CheckpointProperties' classes`);
  t.equal(e.offset, 24 + 6, "at the class name (header 24, stream header 4, TC_OBJECT, TC_CLASSDESC)");
  t.equal(e.field, "properties");

  const cases: [string, number[], string][] = [
    ["a string", [0xac, 0xed, 0, 5, 0x74, 0, 1, 0x41], "MALFORMED_BODY"],
    ["an array", [0xac, 0xed, 0, 5, 0x75], "MALFORMED_BODY"],
    ["a bad header", [0xac, 0xed, 0, 4, 0x70], "MALFORMED_BODY"],
    ["a dangling reference", [0xac, 0xed, 0, 5, 0x71, 0, 0x7e, 0, 9], "MALFORMED_BODY"],
    ["a proxy class", [0xac, 0xed, 0, 5, 0x73, 0x7d], "MALFORMED_BODY"],
    ["a truncated stream", [0xac, 0xed, 0, 5, 0x73, 0x72, 0, 9], "TRUNCATED"],
    ["nothing", [], "TRUNCATED"],
    ["a null and more", [...JAVA_NULL, 0x70], "TRAILING_BYTES"],
    ["a class that is its own superclass",
      [0xac, 0xed, 0, 5, 0x73, ...classDesc("org.apache.flink.runtime.checkpoint.CheckpointProperties", 2, [0, 0], [0x71, 0, 0x7e, 0, 0])],
      "MALFORMED_BODY"],
  ];
  for (const [what, stream, code] of cases) t.equal(thrown(() => readFlinkMetadata(withProperties(stream))).code, code, what);

  const real = metadataBytes(`${PREFIX}flink2.3-hashmap-checkpoint`);
  const text = Buffer.from(real).toString("latin1");
  const renamed = Uint8Array.from(Buffer.from(text.replace("FORWARD_BACKWARD", "FORWARD_BACKWARX"), "latin1"));
  const bad = thrown(() => readFlinkMetadata(renamed));
  t.equal(bad.code, "INVALID_FIELD", "an unknown enum constant");
  t.match(bad.message, "FORWARD_BACKWARX");
  const flag = Uint8Array.from(Buffer.from(text.replace("Z\x00\x06forced", "I\x00\x06forced"), "latin1"));
  t.equal(thrown(() => readFlinkMetadata(flag)).code, "MALFORMED_BODY", "a flag that is not a boolean");
  t.equal(thrown(() => readFlinkMetadata(real, { maxJavaObjects: 3 })).code, "LIMIT_EXCEEDED", "object count");
  t.equal(thrown(() => readFlinkMetadata(real, { maxJavaDepth: 1 })).code, "LIMIT_EXCEEDED", "object depth");
  const p = readFlinkMetadata(real).properties!;
  t.same([p.discardCancelled, p.discardFailed, p.discardFinished, p.discardSubsumed, p.discardSuspended, p.forced, p.unclaimed],
    [true, true, true, true, true, false, false], "a checkpoint's retention flags");
});

t.test("modified UTF-8", async (t) => {
  const dec = (bytes: number[]): string => decodeModifiedUtf8(Uint8Array.from(bytes), 0, bytes.length, "name");
  t.equal(dec([0x61, 0xc0, 0x80, 0x62]), "a\0b", "NUL as C0 80");
  t.equal(dec([0xc3, 0xa9, 0xe2, 0x82, 0xac]), "é€");
  t.equal(dec([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]), "\u{1F600}", "a surrogate pair, 3 bytes each");
  const bad: [string, number[]][] = [
    ["a lone high surrogate", [0x61, 0xed, 0xa0, 0xbd]],
    ["a lone low surrogate", [0xed, 0xb8, 0x80, 0x61]],
    ["reversed surrogates", [0xed, 0xb8, 0x80, 0xed, 0xa0, 0xbd]],
    ["an over-long 2-byte form", [0xc1, 0x81]],
    ["an over-long 3-byte form", [0xe0, 0x81, 0x81]],
    ["a raw NUL", [0x00]],
    ["a 4-byte form", [0xf0, 0x9f, 0x98, 0x80]],
    ["a stray continuation byte", [0x80]],
    ["a cut sequence", [0xe2, 0x82]],
  ];
  for (const [what, bytes] of bad) {
    const e = thrown(() => dec(bytes));
    t.equal(e.code, "INVALID_FIELD", what);
    t.equal(e.field, "name", `${what}: names the field`);
  }
  t.match(thrown(() => dec([0xed, 0xa0, 0xbd])).message, "unpaired surrogate U+D83D");

  const w = header(5, 1).rawUtf([0x6f, 0x70, 0xed, 0xa0, 0xbd]).u8(...new Array(40).fill(0));
  const e = thrown(() => readFlinkMetadata(w.toBytes()));
  t.equal(e.code, "INVALID_FIELD");
  t.equal(e.field, "operators[0].operator name");
  t.equal(e.offset, 24 + 2, "at the string's first byte");
});

t.test("structures no real folder holds: file merging (unverified order) and V6 merged channel state", async (t) => {
  const w = operatorV3(header(4, 1), 1).int(0)
    .int(1).u8(17).int(1).utf("list").u8(1).int(2).long(10).long(20).utf("taskowned/x").utf("shared/y").u8(0)
    .u8(15).long(5).long(100).int(1).utf("file:/chk/shared/phys").utf("logical-1")
    .int(1).u8(4).int(0).u8(16)
    .u8(0).u8(0).int(0).int(0).u8(...JAVA_NULL);
  const st = readFlinkMetadata(w.toBytes()).operators[0]!.subtasks[0]!;
  t.same(st.managedOperatorState, {
    kind: "operator-stream", tag: 17, states: [{ name: "list", mode: "UNION", offsets: [10n, 20n] }],
    taskOwnedDirectory: "taskowned/x", sharedDirectory: "shared/y", isEmpty: false,
    delegate: { kind: "segment", tag: 15, startPos: 5n, size: 100n, scope: 1, physicalPath: "file:/chk/shared/phys", logicalFileId: "logical-1" },
  });
  t.same(st.rawOperatorState, { kind: "operator-stream", tag: 4, states: [], delegate: { kind: "empty-segment", tag: 16 } });

  const v6 = header(6, 1).utf("op").utf("").u8(...new Array(16).fill(0)).int(1).int(128).u8(0).int(1).int(0)
    .int(0).int(0).u8(0).u8(0)
    .int(2).u8(1).int(0).int(1).int(2).int(1).long(0).long(7).u8(6).utf("ch").long(7)
    .u8(3).int(0).long(9).u8(0).int(2).u8(0xab, 0xcd)
    .int(1).u8(4).int(0).long(3).u8(1).utf("inline").int(1).u8(0x01).int(0)
    .u8(...JAVA_NULL);
  const s6 = readFlinkMetadata(v6.toBytes()).operators[0]!.subtasks[0]!;
  t.same(s6.inputChannelState, [
    { kind: "input-channel", subtaskIndex: 0, gateIndex: 1, inputChannelIndex: 2, offsets: [0n], size: 7n,
      delegate: { kind: "relative-file", tag: 6, relativePath: "ch", size: 7n }, typeByte: 1 },
    { kind: "merged-input-channel", typeByte: 3, subtaskIndex: 0, size: 9n, delegate: null, serializedChannelOffsets: Uint8Array.from([0xab, 0xcd]) },
  ]);
  t.same(s6.outputChannelState.map((c) => c.kind), ["merged-result-subpartition"]);
  const wrong = header(6, 1).utf("op").utf("").u8(...new Array(16).fill(0)).int(1).int(128).u8(0).int(1).int(0)
    .int(0).int(0).u8(0).u8(0).int(1);
  const wrongAt = wrong.length;
  const e = thrown(() => readFlinkMetadata(wrong.u8(2, ...new Array(40).fill(0)).toBytes()));
  t.match(e.message, `unknown input channel handle type 2 at byte ${wrongAt}, expected one of 1, 3`);

  const finished = header(3, 1).u8(...new Array(16).fill(0)).int(2).int(128).u8(0).int(1).int(-2).toBytes();
  t.same(readFlinkMetadata(finished).operators[0]!.subtasks[0]!.index, 1, "a finished subtask: -(idx + 1)");
  t.ok(readFlinkMetadata(finished).operators[0]!.subtasks[0]!.finished);
});

t.test("what test/flink-writer writes, the reader reads back: random job directories (fast-check)", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "flink-reader-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  let checkpoints = 0;
  fc.assert(fc.property(flinkHistoryArbitrary(), (history) => {
    const dir = join(root, String(checkpoints));
    const written = writeFlinkJobDir(dir, history);
    for (const cp of written.jobs.flatMap((j) => j.checkpoints)) {
      checkpoints++;
      const md = readFlinkMetadata(new Uint8Array(readFileSync(cp.metadataPath)));
      const model = cp.metadata;
      if (md.version !== model.version || md.checkpointId !== BigInt(model.checkpointId)) throw new Error("header differs");
      const ops = md.operators.map((op) => [op.name, op.uid, op.operatorId, op.parallelism, op.maxParallelism]);
      const want = model.operators.map((op) => [model.version >= 5 ? op.name : undefined, model.version >= 5 ? op.uid : undefined,
        op.id, op.parallelism, op.maxParallelism]);
      deepStrictEqual(ops, want);
      const paths = new Set<string>();
      for (const h of allOfKind<{ relativePath: string }>(md, "relative-file")) paths.add(join(cp.dir, h.relativePath));
      for (const h of allOfKind<{ path: string }>(md, "file")) paths.add(h.path.replace(/^file:/, ""));
      const files = [...paths].sort();
      if (JSON.stringify(files) !== JSON.stringify([...cp.files].sort())) throw new Error(`files differ in ${cp.metadataPath}`);
    }
  }), { numRuns: 15 });
  t.ok(checkpoints > 15, `${checkpoints} checkpoints written and read back`);
});
