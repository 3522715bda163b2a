/**
 * The CLI writes its JSON as it is made and loads each command's code only when it runs (issue 17, part 3): the
 * chunked JSON is byte for byte what JSON.stringify printed before (every vector, the Flink fixtures, validation
 * reports), and every command still answers after lazy loading. No timing here: speed is `npm run bench` (cli part).
 */
import t from "tap";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeFile } from "../src/codec.js";
import { CHUNK_CHARS, jsonTextChunks, jsonTextLineChunks, mappedList } from "../src/json/json-text-chunks.js";
import { snapshotToJsonChunks, snapshotToJsonText } from "../src/json/to-json.js";
import { packageFile } from "../src/storage/package-files.js";
import { renderJson, renderJsonChunks } from "../src/validate/render-report.js";
import { validatePath } from "../src/validate/validate-path.js";
import { VECTORS } from "./helpers.js";
import { runCli } from "./run-cli.js";

const BIN = packageFile("dist/src/cli/bin.js");
const FLINK_FIXTURES = packageFile("test/fixtures/flink");

/** Every `.ksnap` vector of the snapshot format (not the savepoint data files), by path. */
function snapshotVectors(): string[] {
  const out: string[] = [];
  for (const version of readdirSync(VECTORS).filter((d) => /^v\d+\.\d+$/.test(d))) {
    for (const kind of ["valid", "accepted", "invalid"]) {
      let names: string[];
      try { names = readdirSync(join(VECTORS, version, kind)); } catch { continue; }
      for (const n of names.filter((n) => n.endsWith(".ksnap")).sort()) out.push(join(VECTORS, version, kind, n));
    }
  }
  return out;
}

t.test("jsonTextChunks prints what JSON.stringify(v, null, 2) prints", async (t) => {
  const cases: unknown[] = [
    {}, [], "", 0, -0, 1e21, 1.5e-7, NaN, Infinity, null, true, "plain",
    { a: undefined, b: () => 1, c: Symbol("s") }, [undefined, () => 1, null],
    { quote: "\"", backslash: "\\", controls: "\u0000\u0007\n\t\u001f\u007f", lone: "\ud800x\udc00", pair: "😀 é 中", sep: "\u2028\u2029" },
    { nested: { empty: {}, list: [], deep: [[[{ x: [1, { y: [] }] }]]] }, "key \"quoted\"\n": 1, "": "empty key" },
    { date: new Date(0), custom: { toJSON: (key: string) => `key=${key}` }, inList: [{ toJSON: (key: string) => key }] },
    { 2: "b", 1: "a", z: 1, y: 2 },
    Array.from({ length: 3 * CHUNK_CHARS / 16 }, (_, i) => ({ i, s: `item ${i}` })),
    ["x".repeat(CHUNK_CHARS * 2), "y"],
  ];
  for (const [i, value] of cases.entries()) {
    const chunks = [...jsonTextChunks(value)];
    t.equal(chunks.join(""), JSON.stringify(value, null, 2) ?? "", `case ${i}`);
    t.ok(chunks.every((c) => c.length > 0), `case ${i}: no empty chunk`);
  }
  const big = [...jsonTextChunks(cases[cases.length - 2])];
  t.ok(big.length > 1, "a large value is written in several chunks");
  t.ok(big.slice(0, -1).every((c) => c.length < 2 * CHUNK_CHARS), "each about CHUNK_CHARS");
  t.strictSame([...jsonTextLineChunks({ a: [1] })], [`${JSON.stringify({ a: [1] }, null, 2)}\n`], "a small document and its newline: one write");
  t.equal([...jsonTextLineChunks(cases[cases.length - 2])].join(""), `${big.join("")}\n`, "the newline ends the last chunk");
  t.throws(() => [...jsonTextChunks({ n: 1n })], TypeError, "a bigint throws as in JSON.stringify");
  t.equal([...jsonTextChunks({ list: mappedList([1, 2], (n) => ({ n: n * 10 })), empty: mappedList([], String) })].join(""),
    JSON.stringify({ list: [{ n: 10 }, { n: 20 }], empty: [] }, null, 2), "a mapped list prints as the array it stands for");
});

t.test("every vector: the streamed JSON form is byte for byte the one rendered at once", async (t) => {
  const vectors = snapshotVectors();
  t.ok(vectors.length > 50, `${vectors.length} vectors`);
  let decoded = 0;
  for (const file of vectors) {
    let d;
    try { d = decodeFile(readFileSync(file)); } catch { continue; }
    decoded++;
    t.equal([...snapshotToJsonChunks(d.snapshot, d.version)].join(""), snapshotToJsonText(d.snapshot, d.version), file);
  }
  t.ok(decoded >= 25, `${decoded} vectors decode`);
});

t.test("ksnap inspect --json prints the rendered JSON form, KSNAP and Flink", async (t) => {
  for (const file of snapshotVectors().filter((f) => f.includes("/valid/"))) {
    const d = decodeFile(readFileSync(file));
    const r = await runCli("inspect", "--json", file);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout, snapshotToJsonText(d.snapshot, d.version), file);
  }
  const flink = readdirSync(FLINK_FIXTURES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  t.ok(flink.length > 10, `${flink.length} Flink fixtures`);
  for (const name of flink) {
    const dir = join(FLINK_FIXTURES, name);
    const r = await runCli("inspect", "--json", dir);
    if (r.status !== 0) continue; // a fixture the converter refuses is the Flink tests' business
    // `convert` writes what `inspect` prints (through the codec): its file, decoded and rendered at once, is the reference.
    const out = join(t.testdir(), "converted.ksnap");
    const c = await runCli("convert", dir, "-o", out);
    t.equal(c.status, 0, c.stderr);
    const d = decodeFile(readFileSync(out));
    t.equal(r.stdout, snapshotToJsonText(d.snapshot, d.version), name);
  }
});

t.test("validate --json: the streamed report is the one rendered at once", async (t) => {
  for (const file of snapshotVectors()) {
    const result = await validatePath(file, { storage: false });
    t.equal([...renderJsonChunks(result)].join(""), renderJson(result), file);
  }
  const file = join(VECTORS, "v1.0", "valid", "incremental-chain-head.ksnap");
  const r = await runCli("validate", "--json", "--no-storage", file);
  t.equal(r.stdout, renderJson(await validatePath(file, { storage: false })), "through the CLI");
});

t.test("each command still answers once its code is loaded on demand", async (t) => {
  const commands = ["inspect", "validate", "encode", "convert", "plan-restore", "diff", "gc", "report", "savepoint", "conformance"];
  const help = await runCli("--help");
  t.equal(help.status, 0);
  for (const name of commands) {
    t.match(help.stdout, new RegExp(`\\n  ${name} `), `--help lists ${name}`);
    const r = await runCli(name, "--help");
    t.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    t.match(r.stdout, new RegExp(`^Usage: ksnap ${name} `), `${name} --help prints its usage`);
  }
  const sp = join(VECTORS, "v1.0", "valid", "savepoint-two-operators.ksnap");
  t.equal((await runCli("inspect", sp)).status, 0, "inspect runs");
  t.equal((await runCli("validate", "--no-storage", sp)).status, 0, "validate runs");
  t.equal((await runCli("plan-restore", sp, "-p", "2")).status, 0, "plan-restore runs");
  t.equal((await runCli("diff", sp, sp)).status, 0, "diff runs");
  t.equal((await runCli("conformance", "--list")).status, 0, "conformance --list runs");
  t.equal((await runCli("savepoint", "dump", "--help")).status, 0, "a subcommand's help");
  const unknown = await runCli("frobnicate");
  t.equal(unknown.status, 2, "an unknown command is a usage error");
  t.match(unknown.stderr, /unknown command 'frobnicate'/);
  // The executable, as a process: --version loads no command; a command loads its own.
  const version = spawnSync(process.execPath, [BIN, "--version"], { encoding: "utf8" });
  t.equal(version.status, 0);
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const inspect = spawnSync(process.execPath, [BIN, "inspect", sp], { encoding: "utf8" });
  t.equal(inspect.status, 0, inspect.stderr);
  t.match(inspect.stdout, /savepoint/);
});
