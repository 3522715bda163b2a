/**
 * What the local file system says of an entry, in the storage seam's words ([spec](../../spec/ownership.md#the-storage-seam)):
 * kind, size, modification time and the physical file (`device:inode`).
 */
import type { BigIntStats, Stats } from "node:fs";
import type { EntryInfo, EntryKind } from "./storage.js";

/** What `st` says; from a number `Stats` only when its device, inode and size are exact (safe integers). */
export function toInfo(st: BigIntStats | Stats): EntryInfo {
  const kind: EntryKind = st.isSymbolicLink() ? "link" : st.isDirectory() ? "folder" : st.isFile() ? "file" : "other";
  const info: EntryInfo = { kind, size: BigInt(st.size), modifiedMs: typeof st.mtimeMs === "bigint" ? Number(st.mtimeMs) : Math.floor(st.mtimeMs), identity: `${st.dev}:${st.ino}` };
  if (kind === "other") info.what = st.isFIFO() ? "a FIFO" : st.isSocket() ? "a socket" : st.isCharacterDevice() ? "a character device" : "a device";
  return info;
}

