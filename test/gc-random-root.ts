/**
 * Random checkpoint roots on disk for gc's property tests: a valid history of
 * incremental checkpoints (several backends, reuse of earlier shared files,
 * private and meta files), savepoints at several depths, orphans old and
 * young, temporary files, and a folder outside the root; then random defects
 * of every kind validation knows (links in and out of the root at every level,
 * `..` segments, absolute paths, backend mismatches, id/path/size conflicts,
 * refs to metadata files and into savepoints, missing and extra files, corrupt,
 * truncated, linked and unreadable metadata).
 *
 * A checkpoint may also hold format 1.1 structures, written through the real
 * encoder: a stream-incremental handle whose shared parts are segments of
 * physical files under `shared/` (reused by later checkpoints, and appended to:
 * a later checkpoint adds its new segments to the last physical file), with an
 * exclusive segment, a private file stream and a meta that is a file or inline
 * bytes; managed operator state in a file and raw operator state inline; channel
 * state in a file; coordinator state inline or external (a `file:` URI to a file
 * outside the root, which gc must never touch). Their defects: a truncated
 * physical file (KS-E108), a physical file also referred to as a whole file
 * (KS-E095), and a segment overlapping another (KS-E056, on which gc does not refuse).
 */
import fc from "fast-check";
import {
  linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync, type Dirent,
} from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import { xxh64 } from "../src/hash/xxh64.js";
import type {
  FileRef, FileStream, IncrementalHandle, SegmentStream, SharedFileRef, SharedStreamRef, Snapshot, StreamIncrementalHandle, StreamRef, SubtaskState,
} from "../src/model.js";
import { eachFile } from "../src/snapshot-walk.js";

const DAY = 24 * 60 * 60 * 1000;

/** Every kind of damage a root can suffer. */
export const DEFECTS = [
  "link-out", "link-in", "dotdot-folder", "absolute-path", "backend-mismatch", "size-conflict", "path-conflict",
  "ref-metadata", "missing", "corrupt-metadata", "truncate-metadata", "metadata-dangling-link", "metadata-loop",
  "folder-link", "alias", "hard-link", "ref-into-savepoint", "metadata-folder", "outside-folder-link", "extra-file",
  "metadata-link-out", "shared-folder-link-out", "two-origins", "private-shared-elsewhere", "hash-conflict", "id-conflict",
  "metadata-fifo", "resized-file", "truncate-pack", "whole-and-segment", "overlap-segment",
] as const;
export type Defect = (typeof DEFECTS)[number];

/**
 * The format 1.1 part of a checkpoint: `segments` new segments of shared state (appended to the last physical
 * file unless `newPack`), `keep` a mask of the previous checkpoint's segments it reuses, and which other 1.1
 * structures it holds.
 */
export interface StreamRecipe {
  segments: number; newPack: boolean; keep: number; opState: boolean; channel: boolean; inline: boolean; external: boolean;
}

/** What a random root is made of (plain data, so fast-check can shrink it). */
export interface Recipe {
  checkpoints: { gap: number; backends: number; uploads: number; reuse: number; privates: number; stream: StreamRecipe | null }[];
  savepoints: number[];
  orphans: { place: number; old: boolean }[];
  retain: number;
  defects: { kind: Defect; a: number; b: number }[];
}

/** The defects of 1.1 structures, picked more often than the others: they only bite in roots that have segments. */
const STREAM_DEFECTS: readonly Defect[] = ["truncate-pack", "whole-and-segment", "overlap-segment"];
const defectArbitrary: fc.Arbitrary<Defect> = fc.oneof(
  { arbitrary: fc.constantFrom(...DEFECTS.filter((d) => !STREAM_DEFECTS.includes(d))), weight: DEFECTS.length - STREAM_DEFECTS.length },
  { arbitrary: fc.constantFrom(...STREAM_DEFECTS), weight: 3 * STREAM_DEFECTS.length },
);

/** fast-check arbitrary of {@link Recipe}; `maxDefects` 0 gives valid roots. */
export function recipeArbitrary(maxDefects = 3): fc.Arbitrary<Recipe> {
  return fc.record({
    checkpoints: fc.array(fc.record({
      gap: fc.integer({ min: 1, max: 3 }), backends: fc.integer({ min: 1, max: 2 }), uploads: fc.integer({ min: 0, max: 3 }),
      reuse: fc.integer({ min: 0, max: 7 }), privates: fc.integer({ min: 0, max: 2 }),
      stream: fc.option(fc.record({
        segments: fc.integer({ min: 0, max: 2 }), newPack: fc.boolean(), keep: fc.integer({ min: 0, max: 7 }), opState: fc.boolean(),
        channel: fc.boolean(), inline: fc.boolean(), external: fc.boolean(),
      }), { nil: null, freq: 2 }),
    }), { minLength: 1, maxLength: 5 }),
    savepoints: fc.array(fc.integer({ min: 0, max: SAVEPOINT_PLACES.length - 1 }), { maxLength: 2 }),
    orphans: fc.array(fc.record({ place: fc.integer({ min: 0, max: 3 }), old: fc.boolean() }), { maxLength: 3 }),
    retain: fc.integer({ min: 1, max: 4 }),
    defects: fc.array(fc.record({ kind: defectArbitrary, a: fc.nat(), b: fc.nat() }), { maxLength: maxDefects }),
  });
}

const SAVEPOINT_PLACES = ["sp-a", "savepoints/x/sp-b", "chk-1/sp-c", "shared/sp-d"];

/** A root built from a recipe, and what the test needs to know of it. */
export interface RandomRoot {
  root: string;
  outside: string;
  /** The checkpoints as last written (defects may have changed them), ascending ids. */
  checkpoints: Snapshot[];
  /** Folders (relative to the root) of the savepoints. */
  savepointFolders: string[];
  /** The physical files of segments (relative to the root), with their content as last written. */
  packs: Map<string, Uint8Array>;
  /** Removes both folders. */
  dispose(): void;
}

/** Content of the file at `path`: deterministic, sized by the path. */
function contentOf(path: string): Uint8Array {
  let h = 17;
  for (const c of path) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const bytes = new Uint8Array(8 + (h % 40));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (h >>> (i % 24)) & 0xff;
  return bytes;
}

function refAt(id: string, path: string): FileRef {
  const bytes = contentOf(path);
  return { id, path, size: BigInt(bytes.length), xxh64: xxh64(bytes) };
}

function put(root: string, rel: string, bytes: Uint8Array, ageMs = 10 * DAY): void {
  const abs = join(root, ...rel.split("/"));
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, bytes);
  const when = new Date(Date.now() - ageMs);
  utimesSync(abs, when, when);
}

/** A whole file as a 1.1 stream, its content {@link contentOf} its path. */
function fileStreamAt(id: string, path: string): FileStream {
  return { type: "file", ...refAt(id, path) };
}

/** Physical files of segments being written: each segment's bytes are appended to its file. */
class Packs {
  readonly files = new Map<string, Uint8Array>();
  last: { id: string; path: string } | undefined;

  /** Appends `bytes` to the last physical file (a new one at `fresh` when asked or none) as one segment. */
  append(fresh: { id: string; path: string } | undefined, name: string, scope: SegmentStream["scope"]): SegmentStream {
    const target = fresh ?? this.last!;
    const before = this.files.get(target.path) ?? new Uint8Array(0);
    const bytes = contentOf(name);
    const after = new Uint8Array(before.length + bytes.length);
    after.set(before);
    after.set(bytes, before.length);
    this.files.set(target.path, after);
    return { type: "segment", id: target.id, path: target.path, offset: BigInt(before.length), length: BigInt(bytes.length), scope, xxh64: xxh64(bytes) };
  }
}

/**
 * The 1.1 operator of checkpoint `id`: one stream-incremental handle over segments (reusing those of `previous`
 * that `c.keep` picks, appending `c.segments` new ones), its coordinator state; and the 1.1 state it adds to
 * `keyed`'s first subtask.
 */
function streamOperator(c: StreamRecipe, id: bigint, base: bigint, previous: SharedStreamRef[], packs: Packs, keyed: SubtaskState, outside: string): {
  operator: Snapshot["operators"][number]; shared: SharedStreamRef[];
} {
  const folder = `chk-${id}/s`;
  const reused = previous.filter((_, i) => (c.keep >> (i % 3)) & 1);
  const uploads: SharedStreamRef[] = [];
  for (let k = 0; k < c.segments; k++) {
    const fresh = k === 0 && (c.newPack || packs.last === undefined) ? { id: `pack-${id}`, path: `shared/pack-${id}.bin` } : undefined;
    if (fresh) packs.last = fresh;
    uploads.push({ ...packs.append(fresh, `segment-${id}-${k}`, "shared"), originCheckpointId: id, localName: `${id}-${k}.sst` });
  }
  const exclusive = new Packs();
  const privateFiles: StreamRef[] = [fileStreamAt(`s/${id}-log`, `${folder}/000001.log`)];
  if (c.segments > 0) {
    privateFiles.push(exclusive.append({ id: `s/${id}-private`, path: `${folder}/private.bin` }, `private-${id}`, "exclusive"));
    for (const [path, bytes] of exclusive.files) packs.files.set(path, bytes);
  }
  const handle: StreamIncrementalHandle = {
    type: "stream-incremental", backendId: "s", keyGroups: { start: 0, count: 128 }, folder, checkpointId: id,
    baseCheckpointId: reused.length > 0 ? base : 0n, sharedFiles: [...reused, ...uploads], privateFiles,
    meta: c.inline ? { type: "inline", data: contentOf(`meta-${id}`), localName: "MANIFEST" } : { ...fileStreamAt(`s/${id}-meta`, `${folder}/MANIFEST`), localName: "MANIFEST" },
    stateSize: 0n, checkpointedSize: 0n,
  };
  if (c.opState) {
    keyed.managedOperatorState = {
      stream: fileStreamAt(`op/${id}-opstate`, `chk-${id}/opstate-0`),
      states: [{ name: "list", mode: "split-distribute", offsets: [0n, 4n] }, { name: "union", mode: "union", offsets: [6n] }],
    };
  }
  if (c.inline) keyed.rawOperatorState = { stream: { type: "inline", data: contentOf(`raw-${id}`) }, states: [{ name: "raw", mode: "broadcast", offsets: [0n] }] };
  if (c.channel) {
    keyed.channelState = [{ type: "opaque", kind: "apache-flink/input-channel", files: [fileStreamAt(`op/${id}-channel`, `chk-${id}/channel-0`)], sharedFiles: [], payload: contentOf("gate") }];
  }
  const victim = contentOf("victim");
  const coordinatorState: StreamRef | undefined = c.external
    ? { type: "external", uri: `file://${outside}/victim`, size: BigInt(victim.length), xxh64: xxh64(victim) }
    : c.inline ? { type: "inline", data: contentOf(`coordinator-${id}`) } : undefined;
  return {
    operator: {
      operatorId: "op-s", name: "streams", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [handle] }], ...(coordinatorState ? { coordinatorState } : {}),
    },
    shared: handle.sharedFiles,
  };
}

/** Builds the valid history of `recipe` (no defect yet), and the physical files of its segments. */
function buildHistory(recipe: Recipe, outside: string): { checkpoints: Snapshot[]; packs: Map<string, Uint8Array> } {
  const out: Snapshot[] = [];
  const packs = new Packs();
  let previousSegments: SharedStreamRef[] = [];
  let id = 0n;
  let previous: Map<string, SharedFileRef[]> = new Map();
  for (const c of recipe.checkpoints) {
    id += BigInt(c.gap);
    const current = new Map<string, SharedFileRef[]>();
    const handles: IncrementalHandle[] = [];
    const width = Math.floor(128 / c.backends);
    for (let b = 0; b < c.backends; b++) {
      const backend = `b${b}`;
      const folder = `chk-${id}/${backend}`;
      const earlier = previous.get(backend) ?? [];
      const reused = earlier.filter((_, i) => (c.reuse >> (i % 3)) & 1);
      const uploads = Array.from({ length: c.uploads }, (_, k): SharedFileRef => ({ ...refAt(`${backend}/${id}-${k}`, `shared/${backend}-${id}-${k}.sst`), originCheckpointId: id }));
      const sharedFiles = [...reused, ...uploads].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      current.set(backend, sharedFiles);
      const privateFiles = Array.from({ length: c.privates }, (_, k) => refAt(`${backend}/${id}-log-${k}`, `${folder}/${k}.log`));
      handles.push({
        type: "incremental", backendId: backend, keyGroups: { start: b * width, count: b === c.backends - 1 ? 128 - b * width : width },
        folder, checkpointId: id, baseCheckpointId: reused.length > 0 ? id - BigInt(c.gap) : 0n, sharedFiles, privateFiles,
        metaFile: refAt(`${backend}/${id}-meta`, `${folder}/MANIFEST`), stateSize: 0n, checkpointedSize: 0n,
      });
    }
    previous = current;
    const subtasks: SubtaskState[] = handles.map((h, i) => ({ subtaskIndex: i, handles: [h] }));
    const operators: Snapshot["operators"] = [{ operatorId: "op", name: "", parallelism: handles.length, subtasks }];
    if (c.stream !== null) {
      const s = streamOperator(c.stream, id, id - BigInt(c.gap), previousSegments, packs, subtasks[0]!, outside);
      operators.push(s.operator);
      previousSegments = s.shared;
    } else previousSegments = [];
    out.push({
      snapshotId: id, kind: "checkpoint", snapshotDir: `chk-${id}`, jobId: "", timestampMillis: 0n, maxParallelism: 128,
      properties: { incremental: true, keyGroupAware: false, sharing: "forward-backward", ownership: "system" }, operators,
    });
  }
  return { checkpoints: out, packs: packs.files };
}

function savepointSnapshot(id: bigint): Snapshot {
  const data = refAt(`sp-${id}`, "data.kg");
  return {
    snapshotId: id, kind: "savepoint", snapshotDir: "", jobId: "", timestampMillis: 0n, maxParallelism: 1,
    properties: { incremental: false, keyGroupAware: true, sharing: "none", ownership: "user" },
    operators: [{ operatorId: "op", name: "", parallelism: 1, subtasks: [{ subtaskIndex: 0, handles: [{ type: "savepoint", keyGroups: { start: 0, count: 1 }, dataFile: data, offsets: [0n] }] }] }],
  };
}

/** Writes `s`'s metadata, unless a defect made its place something else than a regular file (a link, a FIFO). */
function writeCheckpoint(root: string, s: Snapshot): void {
  const file = join(root, s.snapshotDir, "_metadata.ksnap");
  try {
    if (!lstatSync(file).isFile()) return;
  } catch {
    // Not there yet: written below.
  }
  put(root, `${s.snapshotDir}/_metadata.ksnap`, encodeSnapshot(s));
}

/** Writes the root of `recipe` into fresh temporary folders, then applies its defects. */
export function materialize(recipe: Recipe): RandomRoot {
  const root = mkdtempSync(join(tmpdir(), "ksnap-gcprop-"));
  const outside = mkdtempSync(join(tmpdir(), "ksnap-gcprop-out-"));
  const { checkpoints, packs } = buildHistory(recipe, outside);
  for (const s of checkpoints) {
    writeCheckpoint(root, s);
    for (const f of eachFile(s)) put(root, f.ref.path, contentOf(f.ref.path));
  }
  for (const [path, bytes] of packs) put(root, path, bytes);
  const savepointFolders: string[] = [];
  recipe.savepoints.forEach((place, i) => {
    const folder = SAVEPOINT_PLACES[place]!.replace("chk-1", `chk-${checkpoints[0]!.snapshotId}`);
    if (savepointFolders.includes(folder)) return;
    savepointFolders.push(folder);
    const sp = savepointSnapshot(1000n + BigInt(i));
    put(root, `${folder}/_metadata.ksnap`, encodeSnapshot(sp));
    put(root, `${folder}/data.kg`, contentOf("data.kg"));
    put(root, `${folder}/stray.bin`, contentOf("stray"));
  });
  recipe.orphans.forEach((o, i) => {
    const places = [`shared/orphan-${i}.sst`, `chk-${checkpoints.at(-1)!.snapshotId}/orphan-${i}`, `chk-${99 + i}/inflight.sst`, `.x${i}.0123456789ab.ksnap-tmp`];
    put(root, places[o.place]!, contentOf(`orphan-${i}`), o.old ? 10 * DAY : 60_000);
  });
  put(outside, "victim", contentOf("victim"));
  mkdirSync(join(outside, "shared"));
  const built: RandomRoot = {
    root, outside, checkpoints, savepointFolders, packs,
    dispose: () => {
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    },
  };
  for (const d of recipe.defects) applyDefect(built, d);
  return built;
}

/** One ref of the history, picked by `n`: [checkpoint, handle, the ref's list and index]. */
interface Picked { s: Snapshot; h: IncrementalHandle; ref: FileRef; role: "shared" | "private" | "meta" }

function refs(r: RandomRoot): Picked[] {
  const out: Picked[] = [];
  for (const s of r.checkpoints) {
    for (const op of s.operators) for (const st of op.subtasks) for (const h of st.handles) {
      if (h.type !== "incremental") continue;
      for (const ref of h.sharedFiles) out.push({ s, h, ref, role: "shared" });
      for (const ref of h.privateFiles) out.push({ s, h, ref, role: "private" });
      out.push({ s, h, ref: h.metaFile, role: "meta" });
    }
    // The whole files of 1.1 structures (stream handles, operator and channel state), picked with the first 1.0 handle.
    for (const f of eachFile(s)) {
      if (f.site?.handle.type === "incremental") continue;
      out.push({ s, h: handlesOf(s)[0]!, ref: f.ref, role: f.role === "meta" ? "meta" : "private" });
    }
  }
  return out;
}

/** Every shared segment a checkpoint uploaded itself, with its handle. */
function ownSegments(r: RandomRoot): { s: Snapshot; h: StreamIncrementalHandle; seg: SegmentStream }[] {
  const out: { s: Snapshot; h: StreamIncrementalHandle; seg: SegmentStream }[] = [];
  for (const s of r.checkpoints) {
    for (const op of s.operators) for (const st of op.subtasks) for (const h of st.handles) {
      if (h.type !== "stream-incremental") continue;
      for (const ref of h.sharedFiles) if (ref.type === "segment" && ref.originCheckpointId === s.snapshotId) out.push({ s, h, seg: ref });
    }
  }
  return out;
}

const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length === 0 ? undefined : xs[n % xs.length]);
const abs = (r: RandomRoot, rel: string): string => join(r.root, ...rel.split("/"));
const handlesOf = (s: Snapshot): IncrementalHandle[] => s.operators[0]!.subtasks.map((st) => st.handles[0] as IncrementalHandle);

/** The bytes of `path` when it is a regular file (not a link, FIFO or folder, which could block or fail). */
function readIfRegular(path: string): Buffer | undefined {
  try {
    return lstatSync(path).isFile() ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

function replaceWithLink(r: RandomRoot, rel: string, target: string): void {
  rmSync(abs(r, rel), { recursive: true, force: true });
  mkdirSync(dirname(abs(r, rel)), { recursive: true });
  symlinkSync(target, abs(r, rel));
}

/** Applies one defect; a defect that does not fit this root does nothing. */
export function applyDefect(r: RandomRoot, d: { kind: Defect; a: number; b: number }): void {
  const all = refs(r);
  const one = pick(all, d.a);
  const other = pick(all, d.b);
  const chk = pick(r.checkpoints, d.a);
  const rewrite = (s: Snapshot): void => {
    try {
      writeCheckpoint(r.root, s);
    } catch {
      // Its folder was replaced (by a link, a file): the metadata stays as it was.
    }
  };
  switch (d.kind) {
    case "link-out": {
      if (!one) return;
      const target = join(r.outside, `copy-${d.b}`);
      writeFileSync(target, contentOf(one.ref.path));
      replaceWithLink(r, one.ref.path, target);
      return;
    }
    case "link-in": {
      if (!one || !other || one.ref.path === other.ref.path) return;
      replaceWithLink(r, one.ref.path, abs(r, other.ref.path));
      return;
    }
    case "dotdot-folder": {
      if (!one) return;
      one.h.folder = `${one.h.folder}/..`;
      rewrite(one.s);
      return;
    }
    case "absolute-path": {
      if (!one) return;
      one.h.privateFiles.push({ ...refAt("abs", "x"), path: join(r.outside, "victim") });
      rewrite(one.s);
      return;
    }
    case "backend-mismatch": {
      const reusing = all.filter((p) => p.role === "shared" && (p.ref as SharedFileRef).originCheckpointId < p.s.snapshotId);
      const p = pick(reusing, d.a);
      if (!p) return;
      p.h.backendId = `other-${p.h.backendId}`;
      rewrite(p.s);
      return;
    }
    case "size-conflict": {
      if (!one) return;
      one.ref.size += 1n;
      rewrite(one.s);
      return;
    }
    case "hash-conflict": {
      if (!one) return;
      one.ref.xxh64 ^= 1n;
      rewrite(one.s);
      return;
    }
    case "id-conflict": {
      // One id at a second path, with the same content there.
      if (!one || !other || one.ref.id === other.ref.id) return;
      one.ref.id = other.ref.id;
      one.ref.size = other.ref.size;
      one.ref.xxh64 = other.ref.xxh64;
      if (readIfRegular(abs(r, one.ref.path)) === undefined) return;
      writeFileSync(abs(r, one.ref.path), contentOf(other.ref.path));
      rewrite(one.s);
      return;
    }
    case "resized-file":
      if (!one || readIfRegular(abs(r, one.ref.path)) === undefined) return;
      writeFileSync(abs(r, one.ref.path), contentOf(`${one.ref.path}/resized`).subarray(0, 3));
      return;
    case "metadata-fifo":
      if (!chk) return;
      rmSync(abs(r, `${chk.snapshotDir}/_metadata.ksnap`), { recursive: true, force: true });
      spawnSync("mkfifo", [abs(r, `${chk.snapshotDir}/_metadata.ksnap`)]);
      return;
    case "path-conflict": {
      if (!one || !other || one.ref.id === other.ref.id) return;
      one.ref.path = other.ref.path;
      rewrite(one.s);
      return;
    }
    case "ref-metadata": {
      const later = pick(r.checkpoints, d.b);
      if (!chk || !later) return;
      handlesOf(chk)[0]!.privateFiles.push(refAt(`meta-of-${later.snapshotId}`, `${later.snapshotDir}/_metadata.ksnap`));
      rewrite(chk);
      return;
    }
    case "missing": {
      if (one) rmSync(abs(r, one.ref.path), { recursive: true, force: true });
      return;
    }
    case "corrupt-metadata":
    case "truncate-metadata": {
      if (!chk) return;
      const file = abs(r, `${chk.snapshotDir}/_metadata.ksnap`);
      const bytes = readIfRegular(file);
      if (bytes === undefined || bytes.length === 0) return;
      if (d.kind === "truncate-metadata") writeFileSync(file, bytes.subarray(0, d.b % bytes.length));
      else {
        bytes[d.b % bytes.length] = bytes[d.b % bytes.length]! ^ 0x40;
        writeFileSync(file, bytes);
      }
      return;
    }
    case "metadata-dangling-link":
      if (chk) replaceWithLink(r, `${chk.snapshotDir}/_metadata.ksnap`, join(r.root, "nowhere"));
      return;
    case "metadata-loop":
      if (!chk) return;
      replaceWithLink(r, `${chk.snapshotDir}/_metadata.ksnap`, abs(r, `${chk.snapshotDir}/loop`));
      replaceWithLink(r, `${chk.snapshotDir}/loop`, abs(r, `${chk.snapshotDir}/_metadata.ksnap`));
      return;
    case "metadata-link-out": {
      if (!chk) return;
      const copy = join(r.outside, `meta-${chk.snapshotId}`);
      const bytes = readIfRegular(abs(r, `${chk.snapshotDir}/_metadata.ksnap`));
      if (bytes === undefined) return;
      writeFileSync(copy, bytes);
      replaceWithLink(r, `${chk.snapshotDir}/_metadata.ksnap`, copy);
      return;
    }
    case "metadata-folder":
      if (!chk) return;
      rmSync(abs(r, `${chk.snapshotDir}/_metadata.ksnap`), { recursive: true, force: true });
      mkdirSync(abs(r, `${chk.snapshotDir}/_metadata.ksnap`), { recursive: true });
      return;
    case "folder-link":
      if (!chk) return;
      try {
        mkdirSync(abs(r, "store"), { recursive: true });
        renameSync(abs(r, chk.snapshotDir), abs(r, `store/${chk.snapshotDir}`));
        symlinkSync(join("store", chk.snapshotDir), abs(r, chk.snapshotDir));
      } catch {
        // Moved already.
      }
      return;
    case "alias": {
      const shared = all.filter((p) => p.role === "shared");
      const p = pick(shared, d.a);
      if (!p) return;
      try {
        symlinkSync("shared", abs(r, "alias"));
      } catch {
        // The alias exists already.
      }
      p.ref.path = p.ref.path.replace(/^shared\//, "alias/");
      rewrite(p.s);
      return;
    }
    case "hard-link":
      if (!one || !other || one.ref.path === other.ref.path) return;
      try {
        rmSync(abs(r, one.ref.path), { recursive: true, force: true });
        linkSync(abs(r, other.ref.path), abs(r, one.ref.path));
      } catch {
        // The other file is gone or is a folder.
      }
      return;
    case "ref-into-savepoint": {
      const folder = pick(r.savepointFolders, d.b);
      if (!chk || !folder) return;
      handlesOf(chk)[0]!.privateFiles.push(refAt(`sp-data-${folder}`, `${folder}/data.kg`));
      rewrite(chk);
      return;
    }
    case "outside-folder-link": {
      if (!chk) return;
      const link = `${chk.snapshotDir}/ext`;
      writeFileSync(join(r.outside, "ext-file"), contentOf(`${link}/ext-file`));
      try {
        symlinkSync(r.outside, abs(r, link));
      } catch {
        return;
      }
      handlesOf(chk)[0]!.privateFiles.push(refAt(`ext-${chk.snapshotId}`, `${link}/ext-file`));
      rewrite(chk);
      return;
    }
    case "shared-folder-link-out": {
      // shared/ moved out of the root and linked back.
      try {
        renameSync(abs(r, "shared"), join(r.outside, "shared-moved"));
        symlinkSync(join(r.outside, "shared-moved"), abs(r, "shared"));
      } catch {
        // No shared/ folder, or moved already.
      }
      return;
    }
    case "extra-file":
      if (chk) put(r.root, `${chk.snapshotDir}/extra-${d.b}`, contentOf("extra"), d.b % 2 === 0 ? 10 * DAY : 1000);
      return;
    case "two-origins": {
      const reused = all.filter((p) => p.role === "shared" && (p.ref as SharedFileRef).originCheckpointId < p.s.snapshotId);
      const p = pick(reused, d.a);
      if (!p) return;
      (p.ref as SharedFileRef).originCheckpointId = p.s.snapshotId;
      rewrite(p.s);
      return;
    }
    case "private-shared-elsewhere": {
      // A later checkpoint lists an earlier one's private or meta file as its own private file.
      const exclusive = all.filter((p) => p.role !== "shared");
      const p = pick(exclusive, d.a);
      const later = pick(r.checkpoints.filter((s) => p && s.snapshotId > p.s.snapshotId), d.b);
      if (!p || !later) return;
      const { id, path, size, xxh64: hash } = p.ref;
      handlesOf(later)[0]!.privateFiles.push({ id, path, size, xxh64: hash });
      rewrite(later);
      return;
    }
    case "truncate-pack": {
      // KS-E108: the physical file of segments loses its tail (or everything), so a segment reaches past its end.
      const path = pick([...r.packs.keys()], d.a);
      const bytes = path === undefined ? undefined : readIfRegular(abs(r, path));
      if (path === undefined || bytes === undefined || bytes.length === 0) return;
      writeFileSync(abs(r, path), bytes.subarray(0, d.b % bytes.length));
      return;
    }
    case "whole-and-segment": {
      // KS-E095: a checkpoint lists the physical file of segments as one of its private files.
      const p = pick(ownSegments(r), d.a);
      const bytes = p === undefined ? undefined : readIfRegular(abs(r, p.seg.path));
      const holder = pick(r.checkpoints, d.b);
      if (!p || !holder || bytes === undefined) return;
      handlesOf(holder)[0]!.privateFiles.push({ id: p.seg.id, path: p.seg.path, size: BigInt(bytes.length), xxh64: xxh64(bytes) });
      rewrite(holder);
      return;
    }
    case "overlap-segment": {
      // KS-E056 alone: a second segment of the checkpoint's own upload, one byte shorter at its start, with the right hash.
      const p = pick(ownSegments(r).filter((x) => x.seg.length >= 2n), d.a);
      const bytes = p === undefined ? undefined : r.packs.get(p.seg.path);
      if (!p || bytes === undefined) return;
      const start = Number(p.seg.offset) + 1;
      const end = Number(p.seg.offset + p.seg.length);
      p.h.sharedFiles.push({
        ...p.seg, offset: BigInt(start), length: BigInt(end - start), xxh64: xxh64(bytes.subarray(start, end)), localName: `overlap-${d.b}`,
        originCheckpointId: p.s.snapshotId,
      });
      rewrite(p.s);
      return;
    }
  }
}

/** Every regular file and link under `dir`, with its content (links by target), for before/after comparisons. */
export function treeContents(dir: string, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  let entries;
  try {
    entries = readdirWithTypes(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
    const full = join(dir, e.name);
    if (e.isSymbolicLink()) out.set(rel, `link:${readlinkSafe(full)}`);
    else if (e.isDirectory()) for (const [k, v] of treeContents(full, rel)) out.set(k, v);
    else if (e.isFile()) out.set(rel, Buffer.from(readFileSync(full)).toString("base64"));
    else out.set(rel, "special");
  }
  return out;
}

function readdirWithTypes(dir: string): Dirent[] {
  return readdirSync(dir, { withFileTypes: true });
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "?";
  }
}
