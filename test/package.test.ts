/**
 * The package works as shipped: `npm pack` of this folder, installed from the
 * tarball into an empty folder, is tried the way a user tries a tool — the CLI
 * through npx, the conformance suite against the Python adapter and the
 * reference backend that ship inside it, the library through import(), the
 * subpath exports, and require() failing with a clear message. Before that,
 * the packed file list itself: what the CLI and library read at run time is
 * in it, tests and generators are not, every source map and every Markdown
 * link resolves inside it.
 *
 * The tarball is packed from the dist/ that `npm test` has just built, with
 * --ignore-scripts: packing runs `prepack` (which deletes dist/) and
 * `prepare` (tsc), and rebuilding dist/ while other test files run it would
 * make them fail at random. A dist/ older than the sources fails here first,
 * with the command to run.
 */
import t, { type Test } from "tap";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { packageRoot } from "../src/storage/package-files.js";

// npm install may reach the registry on a cold cache; the file's own work takes ~10-20 s.
t.setTimeout(10 * 60_000);

const ROOT = packageRoot();
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };

/** Files every install needs at run time (CLI, library, runner, adapters), as paths inside the package. */
const REQUIRED = [
  "package.json", "README.md", "LICENSE", "CHANGELOG.md",
  "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/bin.js", "dist/src/savepoint/compress-worker.js",
  "dist/src/report/assets/report-page.js", "dist/src/report/assets/report-page.css",
  "src/esm-only.cjs",
  "dist/conformance/reference-backend/main.js",
  "conformance/adapters/python/ksnap_adapter.py",
  "conformance/vectors/RELEASED.json", "conformance/vectors/v1.0/valid/empty-checkpoint.ksnap",
  "schemas/ksnap-v1.schema.json", "schemas/ksnap/v1/snapshot.proto",
  "schemas/conformance/v1/protocol.schema.json", "schemas/conformance/v1/scenario.schema.json",
  "spec/format-v1.md",
];

/** What must never ship: tests, benchmarks, generators, build and CI files, Python caches. */
const FORBIDDEN = [
  /^test\//, /^dist\/test\//, /^dist\/conformance\/(?!reference-backend\/|backends\/rocksdb\/)/, /^conformance\/backends\/rocksdb\/build\//,
  /^conformance\/(cases|broken-adapters)\//, /^conformance\/[^/]+\.ts$/, /__pycache__|\.pyc$/, /^\.ci\//,
  /^tsconfig/, /^package-lock\.json$/, /^node_modules\//, /\.tsbuildinfo$/, /^dist\/conformance\/.*\.d\.ts$/,
];

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** One line for a failure message: the command, how it ended, the end of its stderr. */
  summary: string;
}

/**
 * The environment of a user's shell: without tap's coverage hook (NODE_OPTIONS) and variables, and without what
 * `npm test` exports about this package — npm_config_local_prefix would make `npm install` in the temp folder
 * install into this repository.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TAP|_TAPJS_)/i.test(k) || /^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(k) || k === "INIT_CWD") continue;
    env[k] = v;
  }
  const nodeOptions = (env.NODE_OPTIONS ?? "").split(/\s+/).filter((o) => o !== "" && !/@tapjs|tsimp/.test(o)).join(" ");
  if (nodeOptions === "") delete env.NODE_OPTIONS;
  else env.NODE_OPTIONS = nodeOptions;
  return env;
}

/** Runs a command without a shell, collecting its output; never rejects (a timeout kills it and shows in `summary`). */
function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: userEnv(), timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const finish = (status: number | null, how: string): void => {
      const ms = Date.now() - started;
      const tail = stderr.trim().split("\n").slice(-8).join("\n");
      resolve({ status, stdout, stderr, ms, summary: `\`${[command, ...args].join(" ")}\` in ${cwd}: ${how} after ${ms} ms${tail ? `\n${tail}` : ""}` });
    };
    child.on("error", (e) => finish(null, `could not start (${e.message})`));
    child.on("close", (code, signal) => finish(code, signal ? `killed by ${signal}${signal === "SIGTERM" ? ` (timeout ${timeoutMs} ms?)` : ""}` : `exit ${code}`));
  });
}

/** Every file under `dir` (relative, '/'-separated) with `ext`; [] if `dir` is missing. */
function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(ext)).map((f) => f.split("\\").join("/"));
}

/** Sources whose compiled .js in dist/ is missing or older: the tarball would ship a stale build. */
function staleBuild(): string[] {
  const stale: string[] = [];
  for (const dir of ["src", "conformance/reference-backend", "conformance/backends/rocksdb"]) {
    for (const f of filesUnder(join(ROOT, dir), ".ts")) {
      if (f.endsWith(".d.ts")) continue;
      const source = join(ROOT, dir, f);
      const built = join(ROOT, "dist", dir, f.replace(/\.ts$/, ".js"));
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) stale.push(`${dir}/${f}`);
    }
  }
  return stale;
}

/** Relative link targets of a Markdown text (inline links and reference definitions), outside fenced code. */
function relativeLinks(markdown: string): string[] {
  const text = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, "");
  const links: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)[^)]*\)|^\[[^\]]+\]:\s*(\S+)/gm)) {
    const link = (m[1] ?? m[2])!;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(link) && !link.startsWith("#")) links.push(link);
  }
  return links;
}

const temps: string[] = [];
t.teardown(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

let packed: Set<string> | undefined;
let tarball: string | undefined;
/** The installed package, node_modules/ksnap inside `userDir`. */
let userDir: string | undefined;
let installed: string | undefined;

t.test("npm pack: the build is fresh, and the tarball holds what runs and nothing else", async (t) => {
  const stale = staleBuild();
  if (stale.length > 0) {
    t.fail(`dist/ is missing or older than its sources (${stale.length} files: ${stale.slice(0, 3).join(", ")}…): ` +
      "run `npx tsc -p .` (npm test does) before this test");
    return;
  }
  const out = tempDir("ksnap-pack-");
  const r = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", out], ROOT);
  if (!exitsZero(t, r, "npm pack")) return;
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[]; size: number; unpackedSize: number }[];
  tarball = join(out, info!.filename);
  packed = new Set(info!.files.map((f) => f.path));
  t.comment(`${info!.filename}: ${packed.size} files, ${(info!.size / 1024).toFixed(0)} KiB packed, ` +
    `${(info!.unpackedSize / 1024).toFixed(0)} KiB unpacked (${r.ms} ms)`);
  t.strictSame(REQUIRED.filter((f) => !packed!.has(f)), [], "every file needed at run time is packed");
  for (const dir of ["conformance/scenarios/", "conformance/vectors/savepoint-data-v1/", "conformance/vectors/v1.0/snapshots/"]) {
    t.ok([...packed].some((f) => f.startsWith(dir)), `${dir} is packed`);
  }
  t.strictSame([...packed].filter((f) => FORBIDDEN.some((re) => re.test(f))), [], "no test, bench, generator, cache or build file");
  // Every compiled module of the library and of the two backends ships (a missing one would fail only when imported).
  const modules = [
    ...filesUnder(join(ROOT, "dist/src"), ".js").map((f) => `dist/src/${f}`),
    ...filesUnder(join(ROOT, "dist/conformance/reference-backend"), ".js").map((f) => `dist/conformance/reference-backend/${f}`),
    ...filesUnder(join(ROOT, "dist/conformance/backends/rocksdb"), ".js").map((f) => `dist/conformance/backends/rocksdb/${f}`),
  ];
  t.strictSame(modules.filter((f) => !packed!.has(f)), [], "every module under dist/src and of the reference and RocksDB backends");
});

t.test("every source map in the tarball points at sources the tarball holds", async (t) => {
  if (packed === undefined) return t.fail("not packed: see the first test");
  const maps = [...packed].filter((f) => f.endsWith(".map"));
  t.ok(maps.length > 0, "the build ships source maps");
  const missing: string[] = [];
  for (const map of maps) {
    const { sources, sourceRoot, file } = JSON.parse(readFileSync(join(ROOT, map), "utf8")) as { sources: string[]; sourceRoot?: string; file: string };
    const dir = posix.dirname(map);
    for (const s of [...sources.map((s) => posix.join(dir, sourceRoot ?? "", s)), posix.join(dir, file)]) {
      if (!packed.has(posix.normalize(s))) missing.push(`${map} → ${s}`);
    }
  }
  t.strictSame(missing.slice(0, 10), [], `${maps.length} maps: sources and generated files are packed; ${missing.length} missing ` +
    "(a stale file in dist/? rebuild it from scratch)");
  // The other direction: a module that names a map must ship it, or debuggers and --enable-source-maps warn.
  const unmapped = [...packed].filter((f) => f.endsWith(".js")).filter((f) => {
    const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(ROOT, f), "utf8"));
    return m !== null && !packed!.has(posix.join(posix.dirname(f), m[1]!));
  });
  t.strictSame(unmapped, [], "every sourceMappingURL names a packed map");
});

t.test("every relative link of the shipped Markdown resolves inside the tarball", async (t) => {
  if (packed === undefined) return t.fail("not packed: see the first test");
  const files = [...packed];
  const broken: string[] = [];
  for (const md of files.filter((f) => f.endsWith(".md"))) {
    for (const link of relativeLinks(readFileSync(join(ROOT, md), "utf8"))) {
      const target = posix.normalize(posix.join(posix.dirname(md), decodeURIComponent(link.split("#")[0]!))).replace(/\/$/, "");
      if (!packed.has(target) && !files.some((f) => f.startsWith(target + "/"))) broken.push(`${md}: ${link}`);
    }
  }
  t.strictSame(broken, [], "README.md, spec/, and the other shipped Markdown link only to shipped files");
});

t.test("npm install of the tarball into an empty folder", async (t) => {
  if (tarball === undefined) return t.fail("not packed: see the first test");
  userDir = tempDir("ksnap-user-");
  writeFileSync(join(userDir, "package.json"), JSON.stringify({ name: "try-ksnap", private: true, type: "commonjs" }) + "\n");
  // --ignore-scripts: installed from the registry, ksnap runs no script either (npm 11 lists `prepare` for a local
  // tarball, and its dependencies have none); the cache from `npm ci` usually answers everything (--prefer-offline).
  const r = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", tarball], userDir, 300_000);
  if (!exitsZero(t, r, "npm install")) return;
  installed = join(userDir, "node_modules", PKG.name);
  t.ok(existsSync(join(userDir, "node_modules", ".bin", "ksnap")), "the ksnap bin is linked");
});

/**
 * `npx --no -- ksnap ARGS` in the user's folder. --no never downloads another package called ksnap from the
 * registry; after `--`, npx passes `--version` on to ksnap instead of answering it itself.
 */
function ksnap(args: string[]): Promise<Ran> {
  return run("npx", ["--no", "--", "ksnap", ...args], userDir!, 180_000);
}

/** Passes when `r` exited 0; otherwise fails with its summary and, when given, the end of its stdout. */
function exitsZero(t: Test, r: Ran, what: string, stdoutLines = 0): boolean {
  if (r.status === 0) {
    t.pass(`${what} (${r.ms} ms)`);
    return true;
  }
  const tail = stdoutLines > 0 ? `\n${r.stdout.trim().split("\n").slice(-stdoutLines).join("\n")}` : "";
  t.fail(`${what}: ${r.summary}${tail}`);
  return false;
}

t.test("npx ksnap --version and conformance --list", async (t) => {
  if (installed === undefined) return t.fail("not installed: see the test above");
  const version = await ksnap(["--version"]);
  exitsZero(t, version, "npx ksnap --version");
  t.equal(version.stdout.trim(), PKG.version, "the version of package.json");
  const list = await ksnap(["conformance", "--list"]);
  exitsZero(t, list, "npx ksnap conformance --list");
  const ids = list.stdout.split("\n").filter((l) => l.trim() !== "");
  t.ok(ids.length > 100, `conformance --list prints the catalogue (${ids.length} test ids)`);
  t.ok(ids.some((id) => id.startsWith("checkpoint/")), "scenario tests included: conformance/scenarios shipped");
});

t.test("the shipped Python adapter passes the decode level", async (t) => {
  if (installed === undefined) return t.fail("not installed: see the test above");
  if (spawnSync("python3", ["--version"]).status !== 0) return t.fail("python3 is not installed (.ci/run installs it)");
  const adapter = `python3 ${JSON.stringify(join(installed, "conformance/adapters/python/ksnap_adapter.py"))}`;
  const r = await ksnap(["conformance", "--adapter", adapter, "--level", "decode"]);
  exitsZero(t, r, "npx ksnap conformance --adapter <python adapter> --level decode", 6);
  t.match(r.stdout, /\d+ tests: \d+ passed, 0 failed/, "its summary line");
});

t.test("the shipped reference backend passes the whole suite", async (t) => {
  if (installed === undefined) return t.fail("not installed: see the test above");
  const adapter = `node ${JSON.stringify(join(installed, "dist/conformance/reference-backend/main.js"))}`;
  const r = await ksnap(["conformance", "--adapter", adapter]);
  exitsZero(t, r, "npx ksnap conformance --adapter <reference backend>", 12);
  t.match(r.stdout, /(\d+) tests: \1 passed/, "every test passed");
});

t.test("the library: import(), the subpath exports, and require() refused with a clear message", async (t) => {
  if (userDir === undefined) return t.fail("not installed: see the test above");
  const imported = await run("node", ["-e", 'import("ksnap").then((m) => console.log(typeof m.decodeSnapshot, typeof m.KsnapError))'], userDir);
  exitsZero(t, imported, "node -e 'import(\"ksnap\")…'");
  t.equal(imported.stdout.trim(), "function function", "import() from CommonJS gives the API");

  // An ES module of the user's: the API, a vector and a schema through the subpath exports, package.json.
  writeFileSync(join(userDir, "check.mjs"), `
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { decodeSnapshot, snapshotToJson } from "ksnap";
import schema from "ksnap/schemas/ksnap-v1.schema.json" with { type: "json" };
const require = createRequire(import.meta.url);
const vector = new URL(import.meta.resolve("ksnap/vectors/v1.0/valid/empty-checkpoint.ksnap"));
const expected = JSON.parse(readFileSync(new URL(import.meta.resolve("ksnap/vectors/v1.0/valid/empty-checkpoint.json")), "utf8"));
console.log(JSON.stringify({
  decodes: JSON.stringify(snapshotToJson(decodeSnapshot(readFileSync(vector)))) === JSON.stringify(expected),
  vector: vector.pathname,
  schemaId: schema.$id,
  protocolSchema: require.resolve("ksnap/schemas/conformance/v1/protocol.schema.json"),
  version: require("ksnap/package.json").version,
}));
`);
  const checked = await run("node", ["check.mjs"], userDir);
  if (exitsZero(t, checked, "an ES module importing ksnap, ksnap/schemas/*, ksnap/vectors/*")) {
    const got = JSON.parse(checked.stdout) as { decodes: boolean; vector: string; schemaId: unknown; protocolSchema: string; version: string };
    t.ok(got.decodes, "a vector loaded through ksnap/vectors/* decodes to its JSON");
    t.ok(got.vector.endsWith("/node_modules/ksnap/conformance/vectors/v1.0/valid/empty-checkpoint.ksnap"), "ksnap/vectors/* is conformance/vectors/*");
    t.equal(typeof got.schemaId, "string", "ksnap/schemas/* imports a schema as JSON");
    t.ok(existsSync(got.protocolSchema), "require.resolve of a nested schema");
    t.equal(got.version, PKG.version, "ksnap/package.json");
  }

  const required = await run("node", ["-e", 'require("ksnap")'], userDir);
  t.not(required.status, 0, "require(\"ksnap\") fails");
  t.match(required.stderr, /ksnap is an ES module only/, "with a message that names the cause");
  t.match(required.stderr, /import\("ksnap"\)/, "and the fix");
});
