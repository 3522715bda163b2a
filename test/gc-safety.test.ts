/**
 * Every unsafe history named in the "gc deletes only what validate proves safe"
 * issue, on real trees: gc refuses with the rule id validation reports, and
 * deletes nothing, inside the root or outside it. Then what gc must never
 * touch (user-owned snapshots at any depth), and temporary files.
 */
import type { DeleteRequest } from "../src/storage/storage.js";
import t, { type Test } from "tap";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageFile } from "../src/storage/package-files.js";
import type { IncrementalHandle, Snapshot } from "../src/model.js";
import { validatePath } from "../src/validate/validate-path.js";
import { checkpointSnapshot, fileAt, savepointSnapshot } from "./registry-fixtures.js";
import { a1, c2, DAY, newRoot, put, refusedWith, run, snapshotOfTree, write } from "./gc-fixtures.js";

/** chk-1 uploads a and p; chk-2 reuses a and uploads c; chk-3 reuses a and c. `gc --retain 1` subsumes 1 and 2. */
function chain(t: Test, edit: (s: Snapshot[]) => void = () => {}): { root: string; snapshots: Snapshot[] } {
  const root = newRoot(t);
  const snapshots = [
    checkpointSnapshot(1n, { shared: [a1], privates: ["p"] }),
    checkpointSnapshot(2n, { shared: [a1, c2], base: 1n }),
    checkpointSnapshot(3n, { shared: [a1, c2], base: 2n }),
  ];
  edit(snapshots);
  for (const s of snapshots) write(root, s);
  return { root, snapshots };
}

const handle = (s: Snapshot): IncrementalHandle => s.operators[0]!.subtasks[0]!.handles[0] as IncrementalHandle;

/** An outside folder holding `victim`; `check` compares it with how it was at the last `seal`. */
function outside(t: Test): { dir: string; seal: () => void; check: () => void } {
  const dir = newRoot(t);
  put(dir, "victim", 35);
  let before = snapshotOfTree(dir);
  return {
    dir,
    seal: () => void (before = snapshotOfTree(dir)),
    check: () => t.strictSame(snapshotOfTree(dir), before, "nothing outside the root touched"),
  };
}

/** gc refuses with `rule` and deletes nothing; validate reports the same rule. */
async function refuses(t: Test, root: string, name: string, rule: string, message: RegExp = /./): Promise<void> {
  const r = await refusedWith(t, root, name, new RegExp(`${rule}[ :]`));
  t.ok(r.report.problems.some((p) => p.rule === rule && message.test(p.message)), `${name}: ${rule} ${message}`);
  const v = await validatePath(root);
  t.ok(v.findings.some((f) => f.rule === rule), `${name}: validate reports ${rule} too`);
}

t.test("1. a referenced shared file that is a symbolic link to a file outside the root: KS-E091", async (t) => {
  const { root } = chain(t);
  const out = outside(t);
  writeFileSync(join(out.dir, "victim"), readFileSync(join(root, "shared", "c")));
  unlinkSync(join(root, "shared", "c"));
  symlinkSync(join(out.dir, "victim"), join(root, "shared", "c"));
  out.seal();
  await refuses(t, root, "shared file linked out", "KS-E091", /outside the snapshot root/);
  out.check();
});

t.test("2. an incremental handle whose folder is chk-3/..: KS-E090", async (t) => {
  const { root } = chain(t, (s) => void (handle(s[2]!).folder = "chk-3/.."));
  await refuses(t, root, "folder chk-3/..", "KS-E090", /folder "chk-3\/\.\." has a '\.\.' segment/);
});

t.test("3. a metadata file that is a symbolic link to a file outside the root: KS-E091, not read", async (t) => {
  const { root } = chain(t);
  const out = outside(t);
  renameSync(join(root, "chk-3", "_metadata.ksnap"), join(out.dir, "_metadata.ksnap"));
  symlinkSync(join(out.dir, "_metadata.ksnap"), join(root, "chk-3", "_metadata.ksnap"));
  out.seal();
  await refuses(t, root, "metadata linked out", "KS-E091", /metadata file leads through the symbolic link/);
  out.check();
});

t.test("4. a shared file reused by another backend than the one that uploaded it: KS-E111", async (t) => {
  const { root } = chain(t, (s) => {
    handle(s[0]!).backendId = "backend-A";
    handle(s[1]!).backendId = "backend-B";
    handle(s[2]!).backendId = "backend-B";
  });
  await refuses(t, root, "backend mismatch", "KS-E111", /uploaded in checkpoint 1 by backend "backend-A", not by this handle's backend "backend-B"/);
});

t.test("(a) a link to a folder inside the root aliases a retained file: KS-E094 (and KS-E093)", async (t) => {
  // Subsumed chk-1 names shared/a as alias/a; retained chk-3 names it shared/a.
  const { root } = chain(t, (s) => {
    handle(s[0]!).sharedFiles = [{ ...a1, id: "id:alias/a", path: "alias/a" }];
  });
  rmSync(join(root, "alias"), { recursive: true, force: true });
  symlinkSync("shared", join(root, "alias"));
  await refuses(t, root, "alias → shared", "KS-E094", /passes through the symbolic link "alias"/);
  const v = await validatePath(root);
  t.ok(v.findings.some((f) => f.rule === "KS-E093" && f.location.path === "shared/a" && f.message.includes('"alias/a"')),
    "shared/a is reported as one physical file with the alias first referenced");
  t.ok(existsSync(join(root, "shared", "a")));
});

t.test("(a) a checkpoint's handle folder that links into a retained checkpoint's: KS-E094", async (t) => {
  const { root } = chain(t, (s) => {
    // chk-1's files are named under chk-1/h2, which is a link to chk-3/h.
    const h = handle(s[0]!);
    h.folder = "chk-1/h2";
    h.metaFile = { ...handle(s[2]!).metaFile, path: "chk-1/h2/MANIFEST", id: "id:chk-1/h2/MANIFEST" };
    h.privateFiles = [];
  });
  rmSync(join(root, "chk-1", "h2"), { recursive: true });
  symlinkSync(join("..", "chk-3", "h"), join(root, "chk-1", "h2"));
  await refuses(t, root, "chk-1/h2 → ../chk-3/h", "KS-E094");
  t.ok(existsSync(join(root, "chk-3", "h", "MANIFEST")));
});

t.test("(b) a subsumed checkpoint that lists a retained checkpoint's metadata as a private file: KS-E092", async (t) => {
  const { root } = chain(t, (s) => {
    handle(s[0]!).privateFiles.push({ ...fileAt("chk-3/_metadata.ksnap") });
  });
  await refuses(t, root, "private file is chk-3's metadata", "KS-E092", /"chk-3\/_metadata\.ksnap" is a metadata file/);
  t.ok(existsSync(join(root, "chk-3", "_metadata.ksnap")));
});

t.test("(c) a retained metadata file that is a dangling symbolic link or a loop: KS-E094, never treated as absent", async (t) => {
  for (const kind of ["dangling", "loop"]) {
    const { root } = chain(t);
    unlinkSync(join(root, "chk-3", "_metadata.ksnap"));
    if (kind === "dangling") symlinkSync(join(root, "nowhere"), join(root, "chk-3", "_metadata.ksnap"));
    else {
      symlinkSync(join(root, "chk-3", "other"), join(root, "chk-3", "_metadata.ksnap"));
      symlinkSync(join(root, "chk-3", "_metadata.ksnap"), join(root, "chk-3", "other"));
    }
    await refuses(t, root, `${kind} metadata link`, "KS-E094", kind === "dangling" ? /dangling/ : /loop/);
    t.ok(existsSync(join(root, "shared", "c")), `${kind}: what only chk-3 would still use is kept`);
  }
});

t.test("(d) a checkpoint folder that is a symbolic link (chk-3 → store/chk-3): KS-E094", async (t) => {
  const { root } = chain(t);
  mkdirSync(join(root, "store"));
  renameSync(join(root, "chk-3"), join(root, "store", "chk-3"));
  symlinkSync(join("store", "chk-3"), join(root, "chk-3"));
  await refuses(t, root, "chk-3 → store/chk-3", "KS-E094", /snapshot folder "chk-3" is a symbolic link/);
});

t.test("(f) a retained shared file that is a symbolic link to another file inside the root: KS-E094 and KS-E093", async (t) => {
  const { root } = chain(t);
  // shared/c becomes a link to shared/a (which chk-3 also references): one file, two names.
  unlinkSync(join(root, "shared", "c"));
  symlinkSync("a", join(root, "shared", "c"));
  await refuses(t, root, "shared/c → a", "KS-E094");
  const v = await validatePath(root);
  t.ok(v.findings.some((f) => f.rule === "KS-E093" && f.location.path === "shared/c"));
  t.ok(existsSync(join(root, "shared", "a")));
});

t.test("(e) user-owned snapshots under the root are never touched, at any depth", async (t) => {
  const { root } = chain(t);
  const places = ["sp-top", "savepoints/a/b/sp-deep", "chk-1/sp-in-subsumed", "shared/sp-in-shared", "chk-9"];
  places.forEach((folder, i) => {
    write(root, savepointSnapshot(100n + BigInt(i), ["data.kg"]), folder);
    put(root, `${folder}/stray-old.bin`, 3, 30 * DAY);
    put(root, `${folder}/.data.kg.0123456789ab.ksnap-tmp`, 3, 30 * DAY);
  });
  const before = snapshotOfTree(root).filter((p) => places.some((f) => p.startsWith(`${f}/`)));
  const r = await run(root, { apply: true, gracePeriod: 0 });
  t.equal(r.status, 0, r.err);
  t.strictSame(snapshotOfTree(root).filter((p) => places.some((f) => p.startsWith(`${f}/`))), before, "every file of every savepoint kept");
  t.notOk(r.report.orphans.some((o) => places.some((f) => o.path.startsWith(`${f}/`))), "not even listed as orphans");
  t.notOk(existsSync(join(root, "chk-1", "h", "p")), "the subsumed checkpoint's own files are gone");
  const v = await validatePath(root);
  t.equal(v.findings.filter((f) => f.rule === "KS-W106").length, places.length, "validate still reports their temporary files");
});

t.test("temporary files of interrupted writes: reported, deleted by gc once older than the grace period", async (t) => {
  const { root } = chain(t);
  put(root, "chk-3/.MANIFEST.0123456789ab.ksnap-tmp", 7, 10 * DAY);
  put(root, "shared/.c.abcdefabcdef.ksnap-tmp", 7, 60_000);
  put(root, ".report.json.00112233aabb.ksnap-tmp", 7, 10 * DAY);
  const v = await validatePath(root);
  t.strictSame(v.findings.filter((f) => f.rule === "KS-W106").map((f) => f.location.path),
    [".report.json.00112233aabb.ksnap-tmp", "chk-3/.MANIFEST.0123456789ab.ksnap-tmp", "shared/.c.abcdefabcdef.ksnap-tmp"]);
  const r = await run(root, { apply: true });
  t.equal(r.status, 0, r.err);
  t.notOk(existsSync(join(root, "chk-3", ".MANIFEST.0123456789ab.ksnap-tmp")), "old: deleted");
  t.notOk(existsSync(join(root, ".report.json.00112233aabb.ksnap-tmp")), "old, at the root: deleted");
  t.ok(existsSync(join(root, "shared", ".c.abcdefabcdef.ksnap-tmp")), "a minute old: maybe a write in progress, kept");
});

t.test("a write killed before its rename leaves a temporary file that validate reports and gc removes", async (t) => {
  const { root } = chain(t);
  // A child process opens an atomic write of chk-3's MANIFEST and is killed before it closes it.
  const script = `import { LOCAL_STORAGE } from ${JSON.stringify(pathToFileURL(packageFile("dist/src/storage/local-storage.js")).href)};
const w = LOCAL_STORAGE.writer(process.argv[1]); w.write(new Uint8Array(64)); process.stdout.write("written\\n"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, [...process.execArgv, "--input-type=module", "-e", script, join(root, "chk-3", "h", "MANIFEST")], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
  const v = await validatePath(root);
  const temps = v.findings.filter((f) => f.rule === "KS-W106").map((f) => f.location.path!);
  t.equal(temps.length, 1, "the killed write left one temporary file, and validate names it");
  t.match(temps[0], /^chk-3\/h\/\.MANIFEST\.[0-9a-f]{12}\.ksnap-tmp$/);
  t.ok(existsSync(join(root, "chk-3", "h", "MANIFEST")), "the file it was replacing is intact");
  const young = await run(root, { apply: true });
  t.ok(existsSync(join(root, ...temps[0]!.split("/"))), "within the grace period: kept (maybe a write in progress)");
  t.equal(young.status, 0, young.err);
  const tenDaysAgo = new Date(Date.now() - 10 * DAY);
  utimesSync(join(root, ...temps[0]!.split("/")), tenDaysAgo, tenDaysAgo);
  const old = await run(root, { apply: true });
  t.equal(old.status, 0, old.err);
  t.notOk(existsSync(join(root, ...temps[0]!.split("/"))), "older than the grace period: deleted");
});

t.test("a stray symbolic link is never an orphan and never followed", async (t) => {
  const { root } = chain(t);
  const out = outside(t);
  symlinkSync(join(out.dir, "victim"), join(root, "shared", "stray-link"));
  symlinkSync(out.dir, join(root, "chk-2", "stray-folder-link"));
  const r = await run(root, { apply: true, gracePeriod: 0 });
  t.equal(r.status, 0, r.err);
  t.notOk(r.report.orphans.some((o) => o.path.includes("stray")));
  t.ok(existsSync(join(root, "shared", "stray-link")));
  out.check();
});

t.test("storage re-resolves each path just before deleting it: a file swapped for a link stops the run", async (t) => {
  const { root } = chain(t);
  const out = outside(t);
  // A storage whose first delete swaps chk-1/h/p for a link to the outside victim, as a racing process could.
  const { LocalStorage } = await import("../src/storage/local-storage.js");
  class Racing extends LocalStorage {
    swapped = false;
    override async deleteFile(realRoot: string, rel: string, expected?: Omit<DeleteRequest, "path">): Promise<boolean> {
      if (!this.swapped) {
        this.swapped = true;
        unlinkSync(join(root, "chk-1", "h", "p"));
        symlinkSync(join(out.dir, "victim"), join(root, "chk-1", "h", "p"));
      }
      return super.deleteFile(realRoot, rel, expected);
    }
  }
  const r = await run(root, { apply: true, gracePeriod: 0 }, new Racing());
  t.equal(r.status, 1);
  t.equal(r.report.outcome?.stopped?.path, "chk-1/h/p");
  t.match(r.report.outcome?.stopped?.reason, /refused to delete "chk-1\/h\/p": "chk-1\/h\/p" is a symbolic link/);
  t.match(r.out, /stopped: storage refused to delete chk-1\/h\/p/);
  t.ok(existsSync(join(root, "shared", "a")), "nothing after the refusal was deleted");
  out.check();
});

t.test("the refusal list in spec/ownership.md is the code's GC_REFUSAL_RULES", async (t) => {
  const { GC_REFUSAL_RULES } = await import("../src/gc/gc-refusals.js");
  const spec = readFileSync(packageFile("spec/ownership.md"), "utf8");
  const table = /<!-- gc-refusal-rules:start -->([\s\S]*?)<!-- gc-refusal-rules:end -->/.exec(spec)?.[1] ?? "";
  const listed = [...table.matchAll(/^\| \[(KS-[EW]\d{3})\]\(validation\.md#(ks-[ew]\d{3})\)/gm)];
  t.strictSame(listed.map((m) => m[1]), [...GC_REFUSAL_RULES], "same rules, same order");
  t.ok(listed.every((m) => m[2] === m[1]!.toLowerCase()), "each links to its anchor");
  const required = ["KS-E001", "KS-E002", "KS-E061", "KS-E070", "KS-E071", "KS-E090", "KS-E091", "KS-E100", "KS-E101", "KS-E104",
    "KS-E110", "KS-E111", "KS-E112", "KS-W072", "KS-E092", "KS-E093", "KS-E094"];
  t.strictSame(required.filter((r) => !GC_REFUSAL_RULES.includes(r as never)), [], "at least the rules the issue requires");
  t.notOk(GC_REFUSAL_RULES.includes("KS-E103" as never), "content hashes are not needed for a decision");
});
