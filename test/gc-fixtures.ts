/** Checkpoint roots on disk for the gc tests, and running gc on them with its output captured. */
import type { Test } from "tap";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { encodeSnapshot } from "../src/codec.js";
import type { Snapshot } from "../src/model.js";
import { gc, type GcOptions } from "../src/cli/gc-command.js";
import { takeRequestedStatus } from "../src/cli/exit-status.js";
import type { GcReport } from "../src/gc/gc-run.js";
import { KsnapError } from "../src/errors.js";
import { LocalStorage } from "../src/storage/local-storage.js";
import { eachFile } from "../src/snapshot-walk.js";
import { checkpointSnapshot, sharedFile } from "./registry-fixtures.js";

export const DAY = 24 * 60 * 60 * 1000;
export const NOW = Date.now();

export function newRoot(t: Test): string {
  const root = mkdtempSync(join(tmpdir(), "ksnap-gc-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

export function put(root: string, path: string, bytes: number | Uint8Array, ageMs = 10 * DAY): void {
  const abs = join(root, ...path.split("/"));
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, typeof bytes === "number" ? Buffer.alloc(bytes, 7) : bytes);
  const when = new Date(NOW - ageMs);
  utimesSync(abs, when, when);
}

/** Writes `s` as `<root>/<snapshotDir>/_metadata.ksnap` (or `<root>/<folder>/` for a savepoint) with every file it refers to. */
export function write(root: string, s: Snapshot, folder = s.snapshotDir): void {
  const base = folder === "" ? "" : `${folder}/`;
  put(root, `${base}_metadata.ksnap`, encodeSnapshot(s));
  for (const f of eachFile(s)) {
    const rel = s.kind === "savepoint" ? `${base}${f.ref.path}` : f.ref.path;
    if (!existsSync(join(root, ...rel.split("/")))) put(root, rel, Number(f.ref.size));
  }
}

/** Every file under `root`, relative, '/'-separated, sorted. */
export function files(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => d.isDirectory()
    ? files(root, join(dir, d.name))
    : [relative(root, join(dir, d.name)).split(sep).join("/")]).sort();
}

export interface Run { report: GcReport; out: string; err: string; status: number }

/** Runs gc with stdout and stderr captured, and the exit status it requested. */
export async function run(root: string, opts: Partial<GcOptions>, store?: LocalStorage, now = NOW): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => err.push(s) > 0) as typeof process.stderr.write;
  try {
    const report = await gc(root, { retain: 1, ...opts }, { now, ...(store ? { store } : {}) });
    return { report, out: out.join(""), err: err.join(""), status: takeRequestedStatus() };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

/** Local storage that records every delete and fails the ones `fail` names (relative to the root). */
export class RecordingStorage extends LocalStorage {
  readonly calls: string[] = [];
  constructor(private readonly fail: (rel: string) => boolean = () => false) {
    super();
  }

  override async deleteFile(realRoot: string, rel: string, expected?: Parameters<LocalStorage["deleteFile"]>[2]): Promise<boolean> {
    if (this.fail(rel)) throw new KsnapError("IO_ERROR", "cannot delete: permission denied", { file: rel });
    this.calls.push(rel);
    return super.deleteFile(realRoot, rel, expected);
  }
}

export const a1 = sharedFile("a", 1n);
export const b1 = sharedFile("b", 1n);
export const c2 = sharedFile("c", 2n);
export const d3 = sharedFile("d", 3n);

/**
 * Three checkpoints sharing files, an old orphan in shared/, an old leftover in
 * chk-2/, and an in-flight checkpoint's fresh upload in chk-4/.
 */
export function history(t: Test): string {
  const root = newRoot(t);
  write(root, checkpointSnapshot(1n, { shared: [a1, b1], privates: ["p"] }));
  write(root, checkpointSnapshot(2n, { shared: [a1, c2], base: 1n }));
  write(root, checkpointSnapshot(3n, { shared: [a1, c2, d3], base: 2n }));
  put(root, "shared/old-orphan.sst", 5);
  put(root, "chk-2/leftover.tmp", 3);
  put(root, "chk-4/h/fresh.sst", 4, 60_000);
  return root;
}

/** Runs `gc --apply --grace-period 0` on `root` and checks that it refused with `expected`, deleting nothing. */
export async function refusedWith(t: Test, root: string, name: string, expected: RegExp): Promise<Run> {
  const before = snapshotOfTree(root);
  const r = await run(root, { apply: true, gracePeriod: 0 });
  t.equal(r.status, 1, `${name}: exit 1`);
  t.match(r.err, expected, name);
  t.match(r.err, /ksnap: gc refused: \d+ problem\(s\) in the history under .*; nothing deleted\n$/, name);
  t.equal(r.out, "", `${name}: no plan printed`);
  t.strictSame(snapshotOfTree(root), before, `${name}: nothing deleted`);
  t.equal(r.report.plan, undefined, `${name}: no plan`);
  return r;
}

/** Every entry under `root` (links as links, not followed) with its kind and size. */
export function snapshotOfTree(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const rel = relative(root, join(dir, d.name)).split(sep).join("/");
    if (d.isSymbolicLink()) return [`${rel} -> link`];
    if (d.isDirectory()) return [`${rel}/`, ...snapshotOfTree(root, join(dir, d.name))];
    return [`${rel} ${statSync(join(dir, d.name)).size}`];
  }).sort();
}

