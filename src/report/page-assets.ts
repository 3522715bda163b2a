/**
 * The page's script and style, bundled at build time (scripts/build-report-page.mjs: the page's code with uPlot,
 * minified by esbuild) into dist/src/report/assets/, beside this module's compiled form; read once, embedded in
 * every page so that it opens with no network access.
 */
import { readFileSync } from "node:fs";
import { KsnapError } from "../errors.js";

/** The script and the style sheet of the page. */
export interface PageAssets {
  script: string;
  style: string;
}

let cached: PageAssets | undefined;

/**
 * The bundled script and style.
 * @throws KsnapError IO_ERROR when the build did not produce them (a checkout built with `tsc` alone).
 */
export function pageAssets(): PageAssets {
  if (cached !== undefined) return cached;
  const read = (name: string): string => {
    const url = new URL(`./assets/${name}`, import.meta.url);
    try {
      return readFileSync(url, "utf8");
    } catch {
      throw new KsnapError("IO_ERROR", "the report page's bundled script is missing: run `npm run build`", { file: url.pathname });
    }
  };
  cached = { script: read("report-page.js"), style: read("report-page.css") };
  return cached;
}
