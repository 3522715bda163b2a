/**
 * Proof that schemas/ is usable by other languages as it is:
 * 1. protoc (Debian's protobuf-compiler; .ci/run installs it) decodes every valid
 *    and accepted vector's body with schemas/ksnap/v1/snapshot.proto, finds no
 *    unknown fields in valid ones, and re-encodes valid ones to the same bytes
 *    (our canonical encoding is protoc's serialization).
 * 2. protobufjs reflection, loading only the .proto, decodes every vector to the
 *    same values our codec does, field by field (catches a field-number mix-up
 *    that a byte round trip cannot), 1.1 fields included.
 * Every released vector is valid under the 1.1 schema: 1.1's field numbers skip
 * those the v1.0 vectors use as a later minor's unknown fields (reserved).
 */
import t from "tap";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";
import { packageFile } from "../src/storage/package-files.js";
import { bytesOf, caseNames, VECTORS, versionDirs } from "./helpers.js";

/** The vectors of `version/kind`. */
const namesFor = (version: string, kind: string): string[] => caseNames(join(VECTORS, version, kind));

const PROTO_DIR = packageFile("schemas");
const PROTO = "ksnap/v1/snapshot.proto";
const TYPE = "ksnap.v1.Snapshot";

function body(file: Uint8Array): Buffer {
  return Buffer.from(file.subarray(24, file.length - 8));
}

function protoc(args: string[], input: Buffer): Buffer {
  return execFileSync("protoc", [`-I${PROTO_DIR}`, ...args, join(PROTO_DIR, PROTO)], { input, maxBuffer: 1 << 28 });
}

t.test("protoc is installed (.ci/run installs protobuf-compiler)", async (t) => {
  t.match(execFileSync("protoc", ["--version"]).toString(), /libprotoc \d+/);
});

for (const version of versionDirs()) {
  for (const kind of ["valid", "accepted"]) {
    t.test(`${version} ${kind}: protoc decodes each body`, async (t) => {
      for (const name of namesFor(version, kind)) {
        const b = body(bytesOf(join(VECTORS, version, kind, `${name}.ksnap`)));
        const text = protoc([`--decode=${TYPE}`], b).toString("utf8");
        t.match(text, /snapshot_id: \d+/, `${name}: protoc decoded it`);
        if (kind !== "valid") continue;
        t.notMatch(text, /^\s*\d+:/m, `${name}: no field unknown to the schema`);
        t.ok(protoc([`--encode=${TYPE}`], Buffer.from(text)).equals(b), `${name}: protoc re-encodes the same bytes`);
      }
    });
  }
}

const root = protobuf.loadSync(join(PROTO_DIR, PROTO));
const SnapshotType = root.lookupType(TYPE);

type Obj = Record<string, any>;
const hex = (v: string) => BigInt(v).toString(16).padStart(16, "0");
const enumName = (v: string, prefix: string) => v.slice(prefix.length).toLowerCase().replace(/_/g, "-");
/** A 1.1 member only when set, as our JSON form prints it. */
const when = (set: boolean, member: Obj): Obj => (set ? member : {});
const file = (f: Obj) => ({ id: f.id, path: f.path, size: f.size, xxh64: hex(f.xxh64), ...when(f.localName !== "", { localName: f.localName }) });
const kg = (k: Obj) => ({ start: k.start, count: k.count });

/** protobufjs's object form (defaults on, longs as strings) mapped to our JSON form's names. */
function toOurJson(o: Obj, formatVersion: string): Obj {
  return {
    formatVersion, snapshotId: o.snapshotId, kind: enumName(o.kind, "SNAPSHOT_KIND_"),
    properties: {
      incremental: o.properties.incremental, keyGroupAware: o.properties.keyGroupAware,
      sharing: enumName(o.properties.sharing, "FILE_SHARING_"), ownership: enumName(o.properties.ownership, "FILE_OWNERSHIP_"),
    },
    maxParallelism: o.maxParallelism, snapshotDir: o.snapshotDir, jobId: o.jobId, timestampMillis: o.timestampMillis,
    operators: o.operators.map((op: Obj) => ({
      operatorId: op.operatorId, name: op.name, parallelism: op.parallelism,
      subtasks: op.subtasks.map(subtask),
      // Equal to the snapshot's, an operator's max parallelism says nothing, and the codec drops it.
      ...when(op.maxParallelism !== 0 && op.maxParallelism !== o.maxParallelism, { maxParallelism: op.maxParallelism }),
      ...when(op.uid !== "", { uid: op.uid }),
      ...when(op.coordinatorState !== null, { coordinatorState: op.coordinatorState && stream(op.coordinatorState) }),
      ...when(op.finished, { finished: true }),
    })),
    ...when(o.masterStates.length > 0, { masterStates: o.masterStates.map((m: Obj) => ({ name: m.name, version: m.version, payload: m.payload })) }),
    ...when(o.source !== null, { source: o.source && { system: o.source.system, formatVersion: o.source.formatVersion, checkpointId: o.source.checkpointId } }),
  };
}

function subtask(st: Obj): Obj {
  const operatorState = (h: Obj) => ({
    stream: stream(h.stream),
    states: h.states.map((s: Obj) => ({ name: s.name, mode: enumName(s.mode, "DISTRIBUTION_MODE_"), offsets: s.offsets })),
  });
  return {
    subtaskIndex: st.subtaskIndex, handles: st.handles.map(handle),
    ...when(st.managedOperatorState !== null, { managedOperatorState: st.managedOperatorState && operatorState(st.managedOperatorState) }),
    ...when(st.rawOperatorState !== null, { rawOperatorState: st.rawOperatorState && operatorState(st.rawOperatorState) }),
    ...when(st.rawKeyedHandles.length > 0, { rawKeyedHandles: st.rawKeyedHandles.map(handle) }),
    ...when(st.channelState.length > 0, { channelState: st.channelState.map(opaque) }),
    ...when(st.finished, { finished: true }),
  };
}

function stream(s: Obj): Obj {
  const local = when(s.localName !== "", { localName: s.localName });
  if (s.file) return { type: "file", ...file(s.file), ...local };
  if (s.segment) {
    const g = s.segment;
    return {
      type: "segment", id: g.id, path: g.path, offset: g.offset, length: g.length, scope: enumName(g.scope, "SEGMENT_SCOPE_"),
      xxh64: hex(g.xxh64), ...when(g.logicalId !== "", { logicalId: g.logicalId }), ...local,
    };
  }
  if (s.inline) return { type: "inline", data: s.inline.data, ...when(s.inline.name !== "", { name: s.inline.name }), ...local };
  return { type: "external", uri: s.external.uri, size: s.external.size, xxh64: hex(s.external.xxh64), ...local };
}

const shared = (s: Obj): Obj => ({ ...stream(s.ref), originCheckpointId: s.originCheckpointId });

function opaque(h: Obj): Obj {
  return {
    type: "opaque", kind: h.kind, ...when(h.keyGroups !== null, { keyGroups: h.keyGroups && kg(h.keyGroups) }),
    files: h.files.map(stream), sharedFiles: h.sharedFiles.map(shared), payload: h.payload,
  };
}

function handle(h: Obj): Obj {
  if (h.savepoint) {
    const s = h.savepoint;
    return { type: "savepoint", keyGroups: kg(s.keyGroups), dataFile: file(s.dataFile), offsets: s.offsets };
  }
  if (h.streamIncremental) {
    const i = h.streamIncremental;
    return {
      type: "stream-incremental", backendId: i.backendId, keyGroups: kg(i.keyGroups), folder: i.folder,
      checkpointId: i.checkpointId, baseCheckpointId: i.baseCheckpointId, sharedFiles: i.sharedFiles.map(shared),
      privateFiles: i.privateFiles.map(stream), meta: stream(i.meta), stateSize: i.stateSize, checkpointedSize: i.checkpointedSize,
    };
  }
  if (h.keyGroupsStream) {
    const k = h.keyGroupsStream;
    return { type: "key-groups-stream", keyGroups: kg(k.keyGroups), data: stream(k.data), offsets: k.offsets, dataFormat: k.dataFormat };
  }
  if (h.opaque) return opaque(h.opaque);
  const i = h.incremental;
  return {
    type: "incremental", backendId: i.backendId, keyGroups: kg(i.keyGroups), folder: i.folder,
    checkpointId: i.checkpointId, baseCheckpointId: i.baseCheckpointId,
    sharedFiles: i.sharedFiles.map((f: Obj) => ({ ...file(f), originCheckpointId: f.originCheckpointId })),
    privateFiles: i.privateFiles.map(file), metaFile: file(i.metaFile), stateSize: i.stateSize, checkpointedSize: i.checkpointedSize,
  };
}

for (const version of versionDirs()) {
  for (const kind of ["valid", "accepted"]) {
    t.test(`${version} ${kind}: protobufjs reflection on the .proto reads the same values`, async (t) => {
      for (const name of namesFor(version, kind)) {
        const ours = JSON.parse(readFileSync(join(VECTORS, version, kind, `${name}.json`), "utf8"));
        const message = SnapshotType.decode(body(bytesOf(join(VECTORS, version, kind, `${name}.ksnap`))));
        const theirs = SnapshotType.toObject(message, { longs: String, enums: String, bytes: String, defaults: true, arrays: true, oneofs: false });
        t.strictSame(toOurJson(theirs, ours.formatVersion), ours, `${name}: every field agrees`);
      }
    });
  }
}
