/**
 * `ksnap report`'s page in a real browser (headless Chromium): the DOM holds the figures of the data (rows, counts,
 * sums), every chart is drawn by the bundled uPlot, nothing is logged to the console, nothing is fetched, and the
 * tables are there without JavaScript. Writes a screenshot to dist/test-output/report/report.png, and prints how long
 * the browser took to render the page of a 100,000-file root (a figure, not an assertion).
 */
import t from "tap";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { chartData } from "../src/report/chart-data.js";
import { collectReport } from "../src/report/collect-report.js";
import { pageAssets } from "../src/report/page-assets.js";
import { renderHtml } from "../src/report/render-html.js";
import type { ReportData } from "../src/report/report-model.js";
import { packageFile } from "../src/storage/package-files.js";
import { CHROMIUM, launchBrowser, type Browser } from "./report-browser.js";
import { writeHistory, writeOrphan, writeSavepoint } from "./report-fixtures.js";

t.setTimeout(10 * 60_000);
/** The screenshot's fixed place under the test output. */
export const SCREENSHOT = packageFile("dist/test-output/report/report.png");

const work = mkdtempSync(join(tmpdir(), "ksnap-report-browser-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

t.ok(existsSync(CHROMIUM), `${CHROMIUM} is installed (apt-get install chromium; .ci/run does)`);
let browser: Browser;
t.before(async () => {
  browser = await launchBrowser();
});
t.teardown(async () => browser?.close());

/** Writes the page of `data`, opens it, waits for the charts (when `scripts` run); returns the page and what it logged or fetched. */
async function open(data: ReportData, name: string, b: Browser = browser, scripts = true): Promise<{ page: Page; console: string[]; requests: string[]; ms: number }> {
  const file = join(work, `${name}.html`);
  writeFileSync(file, renderHtml(data, await pageAssets()));
  const url = pathToFileURL(file).href;
  const page = await b.context.newPage();
  const logged: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") logged.push(`${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => logged.push(`pageerror: ${e.message}`));
  page.on("request", (r) => { if (r.url() !== url) requests.push(r.url()); });
  const t0 = performance.now();
  await page.goto(url, { waitUntil: "load" });
  if (scripts) {
    await page.waitForSelector("html[data-charts]", { timeout: 120_000 });
    // One frame after the charts are in the DOM: they are painted.
    // (The tests compile without the DOM's types: the browser's globals are reached through globalThis.)
    await page.evaluate(() => new Promise((resolve) =>
      (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame(() => resolve(undefined))));
  }
  return { page, console: logged, requests, ms: performance.now() - t0 };
}

/** The `data-v` numbers of column `col` (0-based) of table `id`. */
async function column(page: Page, id: string, col: number): Promise<number[]> {
  return page.$$eval(`#${id} tbody tr`, (rows, c) => rows.map((r) => Number(r.children[c]!.getAttribute("data-v"))), col);
}

const root = join(work, "small");
writeHistory(root, { checkpoints: 12, parallelism: 4, newFilesPerSubtask: 2, fileLife: 4, fileBytes: 4000 });
await writeSavepoint(root, "savepoint-9");
writeOrphan(root, "shared/orphan.sst", 500);

t.test("a history's page: figures as the data says, every chart drawn, no console error, no fetch", async (t) => {
  const data = await collectReport(root, { retain: 2 });
  const { page, console: logged, requests } = await open(data, "small");
  t.same(logged, [], "no console error or warning");
  t.same(requests, [], "nothing fetched");
  const charts = Object.keys(chartData(data));
  t.equal(await page.getAttribute("html", "data-charts"), String(charts.length), "every chart drawn");
  for (const id of charts) t.equal(await page.locator(`#${id} canvas`).count(), 1, `${id}: a canvas`);
  t.equal(await page.locator("#checkpoints tbody tr").count(), 12, "a row per checkpoint");
  t.same(await column(page, "checkpoints", 1), data.checkpoints.map((c) => c.fullBytes), "full sizes");
  t.same(await column(page, "checkpoints", 2), data.checkpoints.map((c) => c.uploadedBytes), "uploaded");
  t.same(await column(page, "checkpoints", 4), data.checkpoints.map((c) => c.files), "files");
  t.equal(await page.textContent("#summary-checkpoints .value"), "12");
  t.equal(await page.textContent("#summary-errors .value"), "0");
  t.equal(await page.locator("#oldest-living tbody tr").count(), data.files.oldestLiving.length);
  t.equal(await page.locator("#files-all tbody tr").count(), data.files.shared, "few files: a row each");
  t.equal(await page.textContent("#gc-files"), String(data.gc.files));
  t.equal(Number(await page.getAttribute("#gc-bytes", "data-v")), data.gc.bytes);
  t.same(await column(page, "subtasks", 3), data.state!.operators.flatMap((o) => o.subtasks.map((s) => s.bytes)), "bytes per subtask");
  t.same(await column(page, "savepoint-0-0-states", 2), [64, 128], "entries per state");
  const legend = await page.locator("#chart-timeline .u-legend .u-series").count();
  t.equal(legend, 4, "the timeline's legend: checkpoint, full size, uploaded, reused");
  // Hovering a bar shows its checkpoint and figures in the legend (uPlot's live legend).
  const box = (await page.locator("#chart-timeline .u-over").boundingBox())!;
  await page.mouse.move(box.x + box.width - 5, box.y + box.height / 2);
  t.equal(await page.textContent("#chart-timeline .u-legend .u-series:first-child .u-value"), "12", "the last checkpoint under the cursor");
  mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
  if (existsSync(SCREENSHOT)) unlinkSync(SCREENSHOT);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  t.ok(statSync(SCREENSHOT).size > 10_000, `screenshot: ${SCREENSHOT}`);
  t.comment(`screenshot: ${SCREENSHOT}`);
  await page.close();
});

t.test("errors first, in the browser too", async (t) => {
  const broken = join(work, "broken");
  writeHistory(broken, { checkpoints: 3, parallelism: 2, newFilesPerSubtask: 1, fileLife: 3, fileBytes: 100 });
  unlinkSync(join(broken, "shared", "op-keyed-0", "1-0.sst"));
  const data = await collectReport(broken);
  const { page, console: logged } = await open(data, "broken");
  t.same(logged, []);
  const order = await page.$$eval("main > section", (s) => s.map((x) => x.id));
  t.equal(order[0], "findings", `sections: ${order.join(", ")}`);
  t.equal(await page.locator("#findings-list tbody tr").count(), data.findings.listed.length);
  t.equal(await page.locator("#findings-list tbody td.error").count(), data.summary.errors);
  t.equal(await page.textContent("#summary-errors .value"), String(data.summary.errors));
  await page.close();
});

t.test("without JavaScript: the same tables, no chart", async (t) => {
  const data = await collectReport(root, { retain: 2 });
  const plain = await launchBrowser({ javaScript: false });
  try {
    const { page, console: logged } = await open(data, "plain", plain, false);
    t.same(logged, []);
    t.equal(await page.getAttribute("html", "data-charts"), null, "no script ran");
    t.equal(await page.locator("canvas").count(), 0);
    t.equal(await page.locator("#checkpoints tbody tr").count(), 12);
    t.same(await column(page, "checkpoints", 3), data.checkpoints.map((c) => c.reusedBytes));
    t.ok(await page.locator("noscript").count() > 0);
  } finally {
    await plain.close();
  }
});

t.test("100,000 files: the page renders, and how long it took", async (t) => {
  const big = join(work, "big");
  writeHistory(big, { checkpoints: 5, parallelism: 100, newFilesPerSubtask: 200, fileLife: 2, fileBytes: 50 });
  const data = await collectReport(big, { storage: false });
  rmSync(big, { recursive: true, force: true });
  t.equal(data.files.shared, 100_000);
  const { page, console: logged, ms } = await open(data, "big");
  t.same(logged, []);
  t.equal(await page.locator("#largest-files tbody tr").count(), 50);
  t.equal(await page.textContent("#summary-files .value"), data.summary.files.toLocaleString("en-US"));
  t.comment(`render time of the 100,000-file page (${Math.round(statSync(join(work, "big.html")).size / 1024)} KiB): ${Math.round(ms)} ms`);
  await page.close();
});
