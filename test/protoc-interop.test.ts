/**
 * Proof that schemas/ is usable by other languages as it is:
 * 1. protoc (Debian's protobuf-compiler; .ci/run installs it) decodes every valid
 *    and accepted vector's body with schemas/ksnap/v1/snapshot.proto, finds no
 *    unknown fields in valid ones, and re-encodes valid ones to the same bytes
 *    (our canonical encoding is protoc's serialization).
 * 2. protobufjs reflection, loading only the .proto, decodes every vector to the
 *    same values our codec does, field by field (catches a field-number mix-up
 *    that a byte round trip cannot).
 */
import t from "tap";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";
import { packageFile } from "../src/storage/package-files.js";
import { bytesOf, caseNames, VECTORS, versionDirs } from "./helpers.js";

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
      for (const name of caseNames(join(VECTORS, version, kind))) {
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
const file = (f: Obj) => ({ id: f.id, path: f.path, size: f.size, xxh64: hex(f.xxh64) });
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
      subtasks: op.subtasks.map((st: Obj) => ({ subtaskIndex: st.subtaskIndex, handles: st.handles.map(handle) })),
    })),
  };
}

function handle(h: Obj): Obj {
  if (h.savepoint) {
    const s = h.savepoint;
    return { type: "savepoint", keyGroups: kg(s.keyGroups), dataFile: file(s.dataFile), offsets: s.offsets };
  }
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
      for (const name of caseNames(join(VECTORS, version, kind))) {
        const ours = JSON.parse(readFileSync(join(VECTORS, version, kind, `${name}.json`), "utf8"));
        const message = SnapshotType.decode(body(bytesOf(join(VECTORS, version, kind, `${name}.ksnap`))));
        const theirs = SnapshotType.toObject(message, { longs: String, enums: String, defaults: true, arrays: true, oneofs: false });
        t.strictSame(toOurJson(theirs, ours.formatVersion), ours, `${name}: every field agrees`);
      }
    });
  }
}
