/**
 * What the storage and history checks need of a snapshot: the decoded snapshot,
 * its root and its metadata file. A `LocatedSnapshot` from `loadSnapshot` is one.
 */
import type { Snapshot } from "../model.js";

/** A decoded snapshot with the root its paths are relative to. */
export interface LocatedInput {
  snapshot: Snapshot;
  /** The snapshot root ([spec](../../spec/format-v1.md#storage-layout)). */
  root: string;
  /** The metadata file; findings name it. */
  metadataPath: string;
}
