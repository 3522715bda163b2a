/**
 * Savepoints ([spec](../../spec/conformance.md#savepoint)): one canonical data
 * file per subtask, written by the library's SavepointDataWriter from the
 * store's merged view (already in canonical order, so streamed presorted), and
 * a self-contained, key-group-aware metadata file at `<dir>/_metadata.ksnap`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { encodeSnapshot, METADATA_FILE, SavepointDataWriter, type SavepointHandle, type Snapshot } from "../../src/index.js";
import { writeAtomic } from "./atomic-write.js";
import type { Fault } from "./faults.js";
import { subtaskFileStem } from "./layout-names.js";
import { sessionSnapshot } from "./session-snapshot.js";
import type { Session } from "./session.js";
import type { SubtaskStore } from "./subtask-store.js";

/** Takes savepoint `id` of `session` into folder `dir`; returns the metadata file's path. */
export function takeSavepoint(session: Session, id: bigint, dir: string, fault: Fault | undefined): string {
  mkdirSync(dir, { recursive: true });
  const handles = session.stores.map((store) => {
    const handle = writeDataFile(session, store, id, dir);
    // FAULT(wrong-offset): the second key group's offset is recorded as the first's; the data file stays correct.
    if (fault === "wrong-offset" && handle.offsets.length > 1) handle.offsets[1] = handle.offsets[0]!;
    return handle;
  });
  const metadataPath = join(dir, METADATA_FILE);
  writeAtomic(metadataPath, encodeSnapshot(savepointSnapshot(session, id, handles)));
  return metadataPath;
}

function writeDataFile(session: Session, store: SubtaskStore, id: bigint, dir: string): SavepointHandle {
  const fileName = `${subtaskFileStem(session.spec.operatorId, store.index)}.ksvd`;
  const writer = SavepointDataWriter.open(join(dir, fileName), {
    fileId: `${store.backendId}/${store.instanceId}/sp-${id}`, filePath: fileName, states: session.ctx.states,
    keyGroups: store.keyGroups, presorted: true,
  });
  try {
    let current = -1;
    for (const e of store.view()) {
      if (e.key.keyGroup !== current) {
        if (current >= 0) writer.endKeyGroup();
        writer.beginKeyGroup((current = e.key.keyGroup));
      }
      const values = "value" in e.resolved ? [e.resolved.value] : e.resolved.elems;
      for (const value of values) {
        writer.add({
          state: e.key.state, key: bytes(e.key.key), namespace: bytes(e.key.namespace),
          ...(e.key.userKey === undefined ? {} : { userKey: bytes(e.key.userKey) }), value: bytes(value),
        });
      }
    }
    if (current >= 0) writer.endKeyGroup();
    return writer.finish().handle;
  } catch (e) {
    writer.abort();
    throw e;
  }
}

function savepointSnapshot(session: Session, id: bigint, handles: SavepointHandle[]): Snapshot {
  return sessionSnapshot(session, {
    snapshotId: id, kind: "savepoint",
    properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
    snapshotDir: "",
  }, handles);
}

function bytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}
