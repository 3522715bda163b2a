/**
 * Savepoints ([spec](../../../spec/conformance.md#savepoint)): for each
 * subtask, the helper iterates the instance one key group at a time, in
 * key-group order (a key group is a key range of the layout), and the
 * library's SavepointDataWriter writes the canonical savepoint data file from
 * the entries, which RocksDB already yields in canonical order. The metadata
 * file, self-contained and key-group aware, comes last.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { encodeSnapshot, METADATA_FILE, SavepointDataWriter, type SavepointHandle, type Snapshot } from "../../../src/index.js";
import { writeAtomically } from "../../../src/storage/local-atomic-write.js";
import { subtaskFileStem } from "../../reference-backend/layout-names.js";
import { sessionSnapshot } from "../../reference-backend/session-snapshot.js";
import { decodeKeyBytes, keyGroupPrefix, listElements } from "./key-layout.js";
import type { RocksSession } from "./session.js";
import type { SubtaskDb } from "./subtask-db.js";

/** Takes savepoint `id` of `session` into folder `dir`; returns the metadata file's path. */
export async function takeSavepoint(session: RocksSession, id: bigint, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const handles: SavepointHandle[] = [];
  for (const db of session.dbs) handles.push(await writeDataFile(session, db, id, dir));
  const metadataPath = join(dir, METADATA_FILE);
  await writeAtomically(metadataPath, encodeSnapshot(savepointSnapshot(session, id, handles)));
  return metadataPath;
}

async function writeDataFile(session: RocksSession, db: SubtaskDb, id: bigint, dir: string): Promise<SavepointHandle> {
  const fileName = `${subtaskFileStem(session.spec.operatorId, db.index)}.ksvd`;
  const writer = SavepointDataWriter.open(join(dir, fileName), {
    fileId: `${db.backendId}/${db.identity}/sp-${id}`, filePath: fileName, states: session.ctx.states,
    keyGroups: db.keyGroups, presorted: true,
  });
  try {
    const { maxParallelism } = session.spec;
    for (let kg = db.keyGroups.start; kg < db.keyGroups.start + db.keyGroups.count; kg++) {
      const pairs = await db.helper.scan(db.name, keyGroupPrefix(kg, maxParallelism), keyGroupPrefix(kg + 1, maxParallelism));
      if (pairs.length === 0) continue;
      writer.beginKeyGroup(kg);
      for (const [k, v] of pairs) {
        const key = decodeKeyBytes(k, maxParallelism, (s) => session.ctx.lookup(s).kind === "map");
        const values = session.ctx.lookup(key.state).kind === "list" ? listElements(v) : [v];
        for (const value of values) {
          writer.add({ state: key.state, key: key.key, namespace: key.namespace, ...(key.userKey === undefined ? {} : { userKey: key.userKey }), value });
        }
      }
      writer.endKeyGroup();
    }
    return writer.finish().handle;
  } catch (e) {
    writer.abort();
    throw e;
  }
}

function savepointSnapshot(session: RocksSession, id: bigint, handles: SavepointHandle[]): Snapshot {
  return sessionSnapshot(session, {
    snapshotId: id, kind: "savepoint",
    properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
    snapshotDir: "",
  }, handles);
}
