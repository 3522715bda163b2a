/**
 * The script of `ksnap report`'s page (bundled with uPlot by scripts/build-report-page.mjs and embedded in every
 * page): draws each chart whose element the page has, from the JSON the page embeds (src/report/chart-data.ts).
 * The tables are in the HTML already; this only adds pictures. When every chart is drawn, <html> gets
 * data-charts="N" (the number drawn), which the browser test waits for.
 */
import uPlot from "uplot";

interface BarChart {
  title: string;
  labels: string[];
  series: { label: string; values: number[]; unit: "bytes" | "count" }[];
}

const COLORS = ["#3465a4", "#f57900", "#4e9a06", "#75507b"];
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

function formatBytes(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toPrecision(3)} ${UNITS[u]}`;
}

function formatValue(v: number | null, unit: "bytes" | "count"): string {
  if (v === null || v === undefined) return "";
  return unit === "bytes" ? formatBytes(v) : String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Whole-number steps for an x axis whose positions are indexes into the labels. */
const INDEX_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

function draw(target: HTMLElement, chart: BarChart): void {
  const width = Math.max(320, target.clientWidth);
  const units = [...new Set(chart.series.map((s) => s.unit))];
  const xs = chart.labels.map((_, i) => i);
  // The first series of each chart is bars; on the timeline, the others are lines over them.
  const lines = chart.series.length > 1 && units.length === 1;
  const opts: uPlot.Options = {
    width, height: 260,
    scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, ...Object.fromEntries(units.map((u) => [u, { auto: true, range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, max > 0 ? max * 1.05 : 1] }])) },
    axes: [
      { incrs: INDEX_STEPS, space: 60, values: (_u, splits) => splits.map((i) => chart.labels[Math.round(i)] ?? "") },
      ...units.map((unit, k) => ({
        scale: unit, side: k === 0 ? 3 : 1, size: 70, grid: { show: k === 0 },
        values: (_u: uPlot, splits: number[]) => splits.map((v) => formatValue(v, unit)),
      })),
    ],
    series: [
      { label: "", value: (_u, i) => (i === null ? "" : chart.labels[Math.round(i)] ?? "") },
      ...chart.series.map((s, k) => ({
        label: s.label, scale: s.unit, stroke: COLORS[k % COLORS.length]!, width: lines && k > 0 ? 2 : 1,
        fill: lines && k > 0 ? undefined : `${COLORS[k % COLORS.length]!}99`,
        paths: lines && k > 0 ? uPlot.paths.linear!() : uPlot.paths.bars!({ size: [chart.series.length > 1 && !lines ? 0.4 : 0.7, 60], align: units.length > 1 ? (k === 0 ? -1 : 1) : 0 }),
        points: { show: false },
        value: (_u: uPlot, v: number | null) => formatValue(v, s.unit),
      })),
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  const plot = target.querySelector<HTMLElement>(".plot") ?? target;
  new uPlot(opts, [xs, ...chart.series.map((s) => s.values)], plot);
  target.dataset.rendered = "true";
}

function main(): void {
  const source = document.getElementById("ksnap-chart-data");
  if (source === null) return;
  const charts = JSON.parse(source.textContent ?? "{}") as Record<string, BarChart>;
  let drawn = 0;
  for (const [id, chart] of Object.entries(charts)) {
    const target = document.getElementById(id);
    if (target === null) continue;
    draw(target, chart);
    drawn++;
  }
  document.documentElement.dataset.charts = String(drawn);
}

main();
