/**
 * Key groups against vectors computed independently of this code (a Java
 * re-implementation of Flink's assignment, see the fixture's "source"), plus
 * properties of the ranges for every (maxParallelism, parallelism).
 */
import t from "tap";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import {
  defaultMaxParallelism, keyGroupForKeyHash, keyGroupRangeForOperator, murmurHash32, operatorIndexForKeyGroup,
} from "../src/key-groups.js";
import { packageFile } from "../src/storage/package-files.js";
import { thrown } from "./helpers.js";

interface Fixture {
  source: string;
  maxParallelisms: number[];
  keyHashes: { keyHash: number; murmurHash: number; keyGroups: number[] }[];
  ranges: { maxParallelism: number; parallelism: number; operatorIndex: number; start: number; end: number }[];
  operatorIndexForKeyGroup: { maxParallelism: number; parallelism: number; keyGroup: number; operatorIndex: number }[];
  defaultMaxParallelism: { parallelism: number; maxParallelism: number }[];
}

const fixture = JSON.parse(readFileSync(packageFile("conformance/key-groups.json"), "utf8")) as Fixture;

/** (maxParallelism, parallelism) with 1 ≤ p ≤ maxP ≤ 32768. */
const parallelisms = fc.integer({ min: 1, max: 32768 })
  .chain((maxP) => fc.tuple(fc.constant(maxP), fc.integer({ min: 1, max: maxP })));

t.test("the fixture covers the edge cases it claims", async (t) => {
  const hashes = fixture.keyHashes.map((h) => h.keyHash);
  for (const edge of [0, -1, -2147483648, 2147483647]) t.ok(hashes.includes(edge), `hash ${edge}`);
  t.ok(fixture.keyHashes.some((h) => h.murmurHash === 0 && h.keyHash !== 0), "a hash whose Murmur3 result is MIN_VALUE (mapped to 0)");
  t.ok(hashes.length >= 300);
  t.ok(fixture.ranges.length >= 500);
  t.ok(fixture.defaultMaxParallelism.length >= 200);
});

t.test("murmurHash32 and keyGroupForKeyHash match Flink", async (t) => {
  let mismatches = 0;
  for (const v of fixture.keyHashes) {
    if (murmurHash32(v.keyHash) !== v.murmurHash) mismatches++;
    fixture.maxParallelisms.forEach((maxP, i) => {
      if (keyGroupForKeyHash(v.keyHash, maxP) !== v.keyGroups[i]) mismatches++;
    });
  }
  t.equal(mismatches, 0, `${fixture.keyHashes.length} hashes × ${fixture.maxParallelisms.length} max parallelisms`);
  t.equal(murmurHash32(1), 68075478, "a spot value, so a broken fixture reader cannot hide a wrong hash");
});

t.test("keyGroupRangeForOperator matches Flink (inclusive end → count)", async (t) => {
  const wrong = fixture.ranges.filter((r) => {
    const got = keyGroupRangeForOperator(r.maxParallelism, r.parallelism, r.operatorIndex);
    return got.start !== r.start || got.count !== r.end - r.start + 1;
  });
  t.strictSame(wrong, [], `${fixture.ranges.length} ranges`);
});

t.test("operatorIndexForKeyGroup matches Flink", async (t) => {
  const wrong = fixture.operatorIndexForKeyGroup.filter((v) =>
    operatorIndexForKeyGroup(v.maxParallelism, v.parallelism, v.keyGroup) !== v.operatorIndex);
  t.strictSame(wrong, [], `${fixture.operatorIndexForKeyGroup.length} key groups`);
});

t.test("defaultMaxParallelism matches Flink", async (t) => {
  const wrong = fixture.defaultMaxParallelism.filter((v) => defaultMaxParallelism(v.parallelism) !== v.maxParallelism);
  t.strictSame(wrong, [], `${fixture.defaultMaxParallelism.length} parallelisms`);
});

t.test("the ranges of all subtasks are non-empty, disjoint, contiguous and cover [0, maxP)", async (t) => {
  fc.assert(fc.property(parallelisms, ([maxP, p]) => {
    let next = 0;
    for (let i = 0; i < p; i++) {
      const r = keyGroupRangeForOperator(maxP, p, i);
      if (r.start !== next || r.count < 1) return false;
      next = r.start + r.count;
    }
    return next === maxP;
  }), { numRuns: 200 });
  t.pass("property held");
});

t.test("operatorIndexForKeyGroup inverts the ranges", async (t) => {
  fc.assert(fc.property(parallelisms.chain(([maxP, p]) => fc.tuple(fc.constant(maxP), fc.constant(p), fc.integer({ min: 0, max: p - 1 }))),
    ([maxP, p, i]) => {
      const r = keyGroupRangeForOperator(maxP, p, i);
      for (const kg of [r.start, r.start + Math.floor(r.count / 2), r.start + r.count - 1]) {
        if (operatorIndexForKeyGroup(maxP, p, kg) !== i) return false;
      }
      return (r.start === 0 || operatorIndexForKeyGroup(maxP, p, r.start - 1) === i - 1)
        && (r.start + r.count === maxP || operatorIndexForKeyGroup(maxP, p, r.start + r.count) === i + 1);
    }), { numRuns: 500 });
  t.pass("property held");
});

t.test("the largest products stay exact (no precision loss at 2^30)", async (t) => {
  t.strictSame(keyGroupRangeForOperator(32768, 32768, 32767), { start: 32767, count: 1 });
  t.strictSame(keyGroupRangeForOperator(32768, 3, 2), { start: 21846, count: 10922 });
  t.equal(operatorIndexForKeyGroup(32768, 32768, 32767), 32767);
  t.equal(defaultMaxParallelism(32768), 32768);
});

t.test("invalid arguments: INVALID_FIELD naming the argument and its value", async (t) => {
  const cases: [() => unknown, string, RegExp][] = [
    [() => murmurHash32(2 ** 31), "keyHash", /keyHash 2147483648 is not a 32-bit signed integer/],
    [() => murmurHash32(1.5), "keyHash", /keyHash 1.5 /],
    [() => keyGroupForKeyHash(1, 0), "maxParallelism", /maxParallelism 0 is out of range: .*1\.\.32768/],
    [() => keyGroupForKeyHash(1, 32769), "maxParallelism", /maxParallelism 32769 /],
    [() => keyGroupRangeForOperator(128, 129, 0), "parallelism", /parallelism 129 is out of range: .*1\.\.maxParallelism \(128\)/],
    [() => keyGroupRangeForOperator(128, 0, 0), "parallelism", /parallelism 0 /],
    [() => keyGroupRangeForOperator(128, 4, 4), "operatorIndex", /operatorIndex 4 is out of range: .*0\.\.parallelism - 1 \(3\)/],
    [() => keyGroupRangeForOperator(128, 4, -1), "operatorIndex", /operatorIndex -1 /],
    [() => operatorIndexForKeyGroup(128, 4, 128), "keyGroup", /keyGroup 128 is out of range: .*\(127\)/],
    [() => operatorIndexForKeyGroup(Number.NaN, 4, 1), "maxParallelism", /maxParallelism NaN /],
    [() => defaultMaxParallelism(0), "parallelism", /parallelism 0 /],
    [() => defaultMaxParallelism(32769), "parallelism", /parallelism 32769 /],
  ];
  for (const [call, field, message] of cases) {
    const e = thrown(call);
    t.equal(e.code, "INVALID_FIELD", field);
    t.equal(e.field, field);
    t.match(e.message, message);
  }
});

t.test("the spec points at the shipped table, and nothing shipped names the old test/fixtures path", async (t) => {
  const spec = readFileSync(packageFile("spec/key-groups.md"), "utf8");
  t.match(spec, /\]\(\.\.\/conformance\/key-groups\.json\)/, "spec/key-groups.md links conformance/key-groups.json");
  const pkg = JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { files: string[] };
  t.ok(pkg.files.includes("conformance/key-groups.json"), "the table is in the package");
  const shipped = ["spec", "schemas", "conformance/vectors"].flatMap((dir) => readdirSync(packageFile(dir), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(md|json)$/.test(f)).map((f) => `${dir}/${f}`));
  const stale = shipped.filter((f) => readFileSync(packageFile(f), "utf8").includes("test/fixtures/key-groups"));
  t.strictSame(stale, [], `${shipped.length} shipped documents`);
});
