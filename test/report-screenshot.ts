/**
 * Regenerates the README's picture of `ksnap report` (docs/report-screenshot.png): the page of a generated
 * 12-checkpoint history with a savepoint, opened in headless Chromium, the top of the page at 1100 × 1250.
 * Run with `npm run report:screenshot`; not a test (tap's include lists only *.test.js).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { collectReport } from "../src/report/collect-report.js";
import { pageAssets } from "../src/report/page-assets.js";
import { renderHtml } from "../src/report/render-html.js";
import { packageFile } from "../src/storage/package-files.js";
import { launchBrowser } from "./report-browser.js";
import { writeHistory, writeOrphan, writeSavepoint } from "./report-fixtures.js";

const OUT = packageFile("docs/report-screenshot.png");
const work = mkdtempSync(join(tmpdir(), "ksnap-report-screenshot-"));
const browser = await launchBrowser({ width: 1100, height: 1250 });
try {
  const root = join(work, "job");
  writeHistory(root, { checkpoints: 12, parallelism: 4, newFilesPerSubtask: 2, fileLife: 4, fileBytes: 4000 });
  await writeSavepoint(root, "savepoint-9");
  writeOrphan(root, "shared/orphan.sst", 500);
  const data = await collectReport(root, { retain: 2 });
  // The path shown is the one a user would type, not the temporary folder's.
  const page = join(work, "report.html");
  writeFileSync(page, renderHtml({ ...data, path: "/checkpoints/job" }, await pageAssets()));
  const tab = await browser.context.newPage();
  await tab.goto(pathToFileURL(page).href);
  await tab.waitForSelector("html[data-charts]");
  await tab.screenshot({ path: OUT });
  console.log(`${OUT}: ${statSync(OUT).size} bytes`);
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
