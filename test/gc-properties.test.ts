/**
 * The safety property of `ksnap gc --apply`, over random checkpoint roots on
 * disk with random defects (test/gc-random-root.ts): gc refuses if and only if
 * validation reports a rule of GC_REFUSAL_RULES; when it refuses, nothing in the
 * root changes; when it does not, every file a retained checkpoint or a
 * user-owned snapshot refers to is still there with its content; and nothing
 * outside the root is ever touched.
 */
import t from "tap";
import fc from "fast-check";
import { KsnapError } from "../src/errors.js";
import { GC_REFUSAL_RULES } from "../src/gc/gc-refusals.js";
import { runGc } from "../src/gc/gc-run.js";
import { referencedPaths } from "../src/snapshot-walk.js";
import { validatePath } from "../src/validate/validate-path.js";
import { materialize, recipeArbitrary, treeContents, type RandomRoot, type Recipe } from "./gc-random-root.js";

const RUNS = Number(process.env.KSNAP_GC_PROPERTY_RUNS ?? 150);
const refusing = new Set<string>(GC_REFUSAL_RULES);

/** The checkpoints gc retains: the latest `retain` of those whose metadata is a regular file before gc. */
function retainedCheckpoints(r: RandomRoot, retain: number, before: Map<string, string>): RandomRoot["checkpoints"] {
  const present = r.checkpoints.filter((s) => {
    const metadata = before.get(`${s.snapshotDir}/_metadata.ksnap`);
    return metadata !== undefined && metadata !== "special" && !metadata.startsWith("link:");
  });
  return present.slice(Math.max(0, present.length - retain));
}

/**
 * What must survive a gc that did not refuse: the metadata of the checkpoints it retains and every path they
 * refer to: whole files, and the physical files of their segments (1.1), which survive while any retained
 * checkpoint holds a segment of them. A defect may have deleted a checkpoint's metadata (it then is no checkpoint,
 * and its files are orphans), so only those whose metadata is a regular file before gc count.
 */
function mustSurvive(r: RandomRoot, retain: number, before: Map<string, string>): string[] {
  return retainedCheckpoints(r, retain, before).flatMap((s) => [`${s.snapshotDir}/_metadata.ksnap`, ...referencedPaths(s)]);
}

async function check(recipe: Recipe): Promise<void> {
  const r = materialize(recipe);
  try {
    const rootBeforeAll = treeContents(r.root);
    const validation = await validatePath(r.root).catch((e: unknown) => e as KsnapError);
    if (validation instanceof KsnapError) {
      // Defects took every metadata file away: nothing to validate, so gc must stop before anything too.
      const gcError = await runGc(r.root, { retain: recipe.retain, apply: true, graceMs: 0 }).then(() => undefined, (e: unknown) => e);
      if (!(gcError instanceof KsnapError) || gcError.code !== validation.code) throw new Error(`validate failed with ${validation.code}, gc did not`);
      if (!sameMap(rootBeforeAll, treeContents(r.root))) throw new Error("gc changed a root it could not read");
      return;
    }
    const expectRefusal = validation.findings.some((f) => refusing.has(f.rule));
    const rootBefore = treeContents(r.root);
    const outsideBefore = treeContents(r.outside);
    const report = await runGc(r.root, { retain: recipe.retain, apply: true, graceMs: 60 * 60 * 1000 });
    const refused = report.problems.length > 0;
    const where = `refusing rules: ${[...new Set(validation.findings.filter((f) => refusing.has(f.rule)).map((f) => f.rule))].join(", ")}; ` +
      `problems: ${report.problems.map((p) => p.rule).join(", ")}`;
    if (refused !== expectRefusal) throw new Error(`gc refused: ${refused}, validate reports a refusing rule: ${expectRefusal} (${where})`);
    const unknown = report.problems.filter((p) => !refusing.has(p.rule));
    if (unknown.length > 0) throw new Error(`the registry refused what validation accepted: ${unknown.map((p) => `${p.rule} ${p.message}`).join("; ")}`);
    const outsideAfter = treeContents(r.outside);
    if (!sameMap(outsideBefore, outsideAfter)) throw new Error("something outside the root changed");
    const rootAfter = treeContents(r.root);
    if (refused) {
      if (!sameMap(rootBefore, rootAfter)) throw new Error(`gc refused but changed the root (${where})`);
      return;
    }
    for (const path of mustSurvive(r, recipe.retain, rootBefore)) {
      if (rootAfter.get(path) !== rootBefore.get(path)) throw new Error(`${path}, which a retained checkpoint refers to, is gone or changed`);
    }
    for (const folder of r.savepointFolders) {
      for (const [path, content] of rootBefore) {
        if (path.startsWith(`${folder}/`) && rootAfter.get(path) !== content) throw new Error(`${path}, in a savepoint's folder, is gone or changed`);
      }
    }
    if (report.outcome?.stopped !== undefined) throw new Error(`storage refused a delete on a validated tree: ${report.outcome.stopped.reason}`);
  } finally {
    r.dispose();
  }
}

function sameMap(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

t.test(`property: gc --apply on ${RUNS} random roots with random defects refuses iff validate does, and loses nothing`, async (t) => {
  await fc.assert(fc.asyncProperty(recipeArbitrary(3), check), { numRuns: RUNS });
  t.pass(`held for ${RUNS} roots`);
});

t.test("property: on valid roots gc never refuses, and a second run has nothing left to subsume", async (t) => {
  await fc.assert(fc.asyncProperty(recipeArbitrary(0), async (recipe) => {
    const r = materialize(recipe);
    try {
      const before = treeContents(r.root);
      const first = await runGc(r.root, { retain: recipe.retain, apply: true, graceMs: 60 * 60 * 1000 });
      if (first.problems.length > 0) throw new Error(`refused a valid root: ${first.problems.map((p) => `${p.rule} ${p.message}`).join("; ")}`);
      // A physical file of segments stays exactly while a retained checkpoint holds a segment of it; all are old.
      const held = new Set(retainedCheckpoints(r, recipe.retain, before).flatMap((s) => [...referencedPaths(s)]));
      const after = treeContents(r.root);
      for (const path of r.packs.keys()) {
        if (held.has(path) !== after.has(path)) throw new Error(`${path}: held by a retained checkpoint: ${held.has(path)}, still there: ${after.has(path)}`);
      }
      const second = await runGc(r.root, { retain: recipe.retain, apply: true, graceMs: 60 * 60 * 1000 });
      if (second.problems.length > 0 || (second.plan?.subsumed.length ?? 0) > 0 || (second.plan?.files.length ?? 0) > 0) {
        throw new Error("a second run found more to do");
      }
    } finally {
      r.dispose();
    }
  }), { numRuns: 40 });
  t.pass("held");
});
