/**
 * The page's script and style, bundled at build time (scripts/build-report-page.mjs: the page's code with uPlot,
 * minified by esbuild) into dist/src/report/assets/, beside this module's compiled form; read once (through the
 * storage layer, like every file access of src/), embedded in every page so that it opens with no network access.
 */
import { fileURLToPath } from "node:url";
import { KsnapError } from "../errors.js";
import { LOCAL_STORAGE } from "../storage/local-storage.js";

/** The script and the style sheet of the page. */
export interface PageAssets {
  script: string;
  style: string;
}

/** Far above the bundle's ~55 KB: a limit only against reading something else by mistake. */
const MAX_ASSET_BYTES = 4 * 1024 * 1024;

let cached: PageAssets | undefined;

/**
 * The bundled script and style.
 * @throws KsnapError IO_ERROR when the build did not produce them (a checkout built with `tsc` alone).
 */
export async function pageAssets(): Promise<PageAssets> {
  if (cached !== undefined) return cached;
  const read = async (name: string): Promise<string> => {
    const file = fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
    try {
      return new TextDecoder().decode(await LOCAL_STORAGE.read(file, MAX_ASSET_BYTES, { followLinks: true }));
    } catch (e) {
      if (!(e instanceof KsnapError)) throw e;
      throw new KsnapError("IO_ERROR", "the report page's bundled script is missing: run `npm run build`", { file });
    }
  };
  cached = { script: await read("report-page.js"), style: await read("report-page.css") };
  return cached;
}
