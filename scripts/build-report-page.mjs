// Bundles the script and style of `ksnap report`'s page (report-page/: the page's code with uPlot) into
// dist/src/report/assets/, where src/report/page-assets.ts reads them; run by `npm run build`, `build:test` and
// `prepare`, after tsc. Type-checks the page's code first (report-page/tsconfig.json: DOM, no Node).
// Minified, no source map: every page embeds the bundle, and the 1 MB page budget counts it.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "src", "report", "assets");
execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "report-page")], { stdio: "inherit" });
mkdirSync(out, { recursive: true });
// uPlot's copyright comment is not a @license one, which esbuild would keep: the banner carries it.
const uplot = JSON.parse(readFileSync(join(root, "node_modules", "uplot", "package.json"), "utf8"));
const banner = `/*! uPlot ${uplot.version}, copyright (c) Leon Sorokin, MIT License */`;
const common = { bundle: true, minify: true, write: false, absWorkingDir: root, logLevel: "warning", legalComments: "inline" };
const [script, style] = await Promise.all([
  build({ ...common, entryPoints: ["report-page/main.ts"], format: "iife", target: "es2020", platform: "browser", banner: { js: banner } }),
  build({ ...common, entryPoints: ["report-page/page.css"], loader: { ".css": "css" }, banner: { css: banner } }),
]);
// Written beside and renamed: a test reading the assets while a build runs sees the old or the new, never half.
for (const [name, result] of [["report-page.js", script], ["report-page.css", style]]) {
  const tmp = join(out, `${name}.tmp-${process.pid}`);
  writeFileSync(tmp, result.outputFiles[0].text);
  renameSync(tmp, join(out, name));
}
