/**
 * What a savepoint holds: per operator, entries and bytes per state and per key group, read from its KSNAP savepoint
 * data files (every block verified on the way, as `savepoint dump` reads them). Other handles (a Flink savepoint's,
 * converted) are not read entry by entry: their key-group map comes from their offsets only.
 */
import { KsnapError } from "../errors.js";
import type { Snapshot } from "../model.js";
import { handleKeyGroups, operatorMaxParallelism } from "../snapshot-walk.js";
import { readKeyGroupBatches } from "../savepoint/data-reader.js";
import type { Storage } from "../storage/storage.js";
import { bucketed, bucketSizeFor } from "./key-group-buckets.js";
import type { SavepointOperator, SavepointSection } from "./report-model.js";

/** The contents of savepoint `snapshot` whose root is `root`; `file` is its metadata file. */
export async function savepointContents(snapshot: Snapshot, root: string, file: string, store: Storage): Promise<SavepointSection> {
  const operators: SavepointOperator[] = [];
  for (const operator of snapshot.operators) {
    const maxParallelism = operatorMaxParallelism(snapshot, operator);
    const entries = new Float64Array(maxParallelism);
    const bytes = new Float64Array(maxParallelism);
    const states = new Map<string, { name: string; kind: string; entries: number; bytes: number }>();
    const problems: string[] = [];
    for (const subtask of operator.subtasks) {
      for (const handle of subtask.handles) {
        if (handle.type !== "savepoint" || handleKeyGroups(handle).count === 0) continue;
        const path = store.locate(root, handle.dataFile.path);
        try {
          for await (const batch of readKeyGroupBatches(path, handle, undefined, {}, { storage: store })) {
            const c = batch.columns;
            for (let i = 0; i < batch.length; i++) {
              const d = batch.state(i);
              const n = (c.keyEnd[i]! - c.keyStart[i]!) + (c.namespaceEnd[i]! - c.namespaceStart[i]!) +
                (c.userKeyEnd[i]! - c.userKeyStart[i]!) + (c.valueEnd[i]! - c.valueStart[i]!);
              const s = states.get(d.name) ?? { name: d.name, kind: d.kind, entries: 0, bytes: 0 };
              s.entries++;
              s.bytes += n;
              states.set(d.name, s);
              if (batch.keyGroup < maxParallelism) {
                entries[batch.keyGroup]! += 1;
                bytes[batch.keyGroup]! += n;
              }
            }
          }
        } catch (e) {
          // A damaged data file is a line in the report (validate's findings tell more), not the end of it.
          if (!(e instanceof KsnapError)) throw e;
          problems.push(`${handle.dataFile.path}: ${e.message.split("\n")[0]}`);
        }
      }
    }
    const bucketSize = bucketSizeFor(maxParallelism);
    operators.push({
      operatorId: operator.operatorId, name: operator.name,
      states: [...states.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      bucketSize, keyGroupEntries: bucketed(entries, bucketSize), keyGroupBytes: bucketed(bytes, bucketSize), problems,
    });
  }
  return { id: String(snapshot.snapshotId), metadata: file, operators };
}
