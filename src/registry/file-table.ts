/**
 * The registry's table of files ([spec](../../spec/ownership.md#the-shared-file-registry)):
 * each file's identity, the checkpoints that hold it and whether it is
 * user-owned. A file nobody holds and nobody protects is *condemned*: it is in
 * the discard plan, and it can never be held again, because whoever was given
 * the plan may be deleting it right now. The physical file of segments (1.1) is
 * one entry, held by every snapshot that holds a segment of it; its size and
 * hash are not recorded (0).
 */
import type { FileRef } from "../model.js";
import { compareCodePoints } from "../body/canonical-order.js";

/** One file the registry knows. */
export interface FileEntry {
  readonly id: string;
  readonly path: string;
  /** 0n for the physical file of segments: not recorded. */
  readonly size: bigint;
  /** 0n for the physical file of segments: not recorded. */
  readonly xxh64: bigint;
  /** The physical file of segments (1.1), never a whole file: held by any snapshot that holds a segment of it, never exclusive. */
  readonly segmented: boolean;
  /** The checkpoint that uploaded the file. */
  readonly origin: bigint;
  /** Checkpoints holding the file: pending ones (pin or upload) and retained ones. */
  readonly holders: Set<bigint>;
  /** Owned by the user (a savepoint, or a snapshot restored without claim): never condemned. */
  protected: boolean;
  /** The snapshot whose private, meta or data file it is: no other snapshot may refer to it. */
  exclusiveTo: bigint | undefined;
}

/** Files by path, with a second index by id so that one id cannot name two paths. */
export class FileTable {
  private readonly byPath = new Map<string, FileEntry>();
  private readonly pathById = new Map<string, string>();
  private readonly condemned = new Set<string>();

  /** The entry at `path`, if known. */
  get(path: string): FileEntry | undefined {
    return this.byPath.get(path);
  }

  /** The path the registry knows `id` under, if any. */
  pathOf(id: string): string | undefined {
    return this.pathById.get(id);
  }

  /** True when `path` is in the discard plan. */
  isCondemned(path: string): boolean {
    return this.condemned.has(path);
  }

  /**
   * Adds a file the registry has not seen; the caller has checked that neither its path nor its id is taken.
   * `segmented` for the physical file of segments, whose size and hash are not recorded.
   */
  add(file: { id: string; path: string; size?: bigint; xxh64?: bigint }, origin: bigint, segmented = false): FileEntry {
    const entry: FileEntry = {
      id: file.id, path: file.path, size: segmented ? 0n : file.size ?? 0n, xxh64: segmented ? 0n : file.xxh64 ?? 0n, segmented, origin,
      holders: new Set(), protected: false, exclusiveTo: undefined,
    };
    this.byPath.set(file.path, entry);
    this.pathById.set(file.id, file.path);
    return entry;
  }

  /** `holder` starts holding `path`. A condemned file cannot be held again: that is a bug in the caller. */
  hold(path: string, holder: bigint): void {
    if (this.condemned.has(path)) throw new Error(`internal: ${path} is condemned and cannot be held again`);
    this.entry(path).holders.add(holder);
  }

  /** `holder` stops holding `path`; the file is condemned when nothing holds or protects it any more. */
  release(path: string, holder: bigint): void {
    const e = this.entry(path);
    e.holders.delete(holder);
    if (e.holders.size === 0 && !e.protected) this.condemned.add(path);
  }

  /** Marks `path` user-owned for good: it is never condemned from now on. */
  protect(path: string): void {
    if (this.condemned.has(path)) throw new Error(`internal: ${path} is condemned and cannot be protected`);
    this.entry(path).protected = true;
  }

  /** Records that `path` is a private, meta or data file of snapshot `owner`. */
  makeExclusive(path: string, owner: bigint): void {
    this.entry(path).exclusiveTo = owner;
  }

  /** Condemned files, sorted by path in code-point order. */
  condemnedFiles(): FileEntry[] {
    return [...this.condemned].sort(compareCodePoints).map((p) => this.entry(p));
  }

  /** Drops a condemned file once it has been deleted; its path and id may then be used again. */
  forget(path: string): void {
    const e = this.entry(path);
    this.condemned.delete(path);
    this.byPath.delete(path);
    this.pathById.delete(e.id);
  }

  private entry(path: string): FileEntry {
    const e = this.byPath.get(path);
    if (e === undefined) throw new Error(`internal: unknown file ${path}`);
    return e;
  }
}
