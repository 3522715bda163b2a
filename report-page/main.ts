/**
 * The script of `ksnap report`'s page (bundled with uPlot by scripts/build-report-page.mjs and embedded in every
 * page): draws each chart whose element the page has, from the JSON the page embeds (src/report/chart-data.ts).
 * The tables are in the HTML already; this only adds pictures. When every chart is drawn, <html> gets
 * data-charts="N" (the number drawn), which the browser test waits for.
 */
import uPlot from "uplot";

/** The shape src/report/chart-data.ts writes. */
interface BarChart {
  title: string;
  xLabel: string;
  labels: string[];
  series: { label: string; values: number[]; unit: "bytes" | "count"; style: "bar" | "line" }[];
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

/** Whole-number steps for a count axis. */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 1e8, 1e9];

/** Whole-number steps for an x axis whose positions are indexes into the labels. */
const INDEX_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

function draw(target: HTMLElement, chart: BarChart): void {
  const width = Math.max(320, target.clientWidth);
  const units = [...new Set(chart.series.map((s) => s.unit))];
  const n = chart.labels.length;
  const scales: uPlot.Scales = { x: { time: false, range: [-0.5, n - 0.5] } };
  // Bars start at zero: a bar's height is its value, and a bar drawn over another reads as a part of it.
  for (const u of units) scales[u] = { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] };
  const opts: uPlot.Options = {
    width, height: 260, scales,
    axes: [
      { incrs: INDEX_STEPS, space: 50, values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? chart.labels[i] ?? "" : "")) },
      ...units.map((unit, k) => ({
        scale: unit, side: k === 0 ? 3 : 1, size: 70, grid: { show: k === 0 },
        // Counts are whole: no tick between 1 and 2, which would print as a second "1" or "2".
        ...(unit === "count" ? { incrs: WHOLE_STEPS } : {}),
        values: (_u: uPlot, splits: number[]) => splits.map((v) => formatValue(v, unit)),
      })),
    ],
    series: [
      { label: chart.xLabel, value: (_u, i) => (i === null ? "" : chart.labels[Math.round(i)] ?? "") },
      ...chart.series.map((s, k) => {
        const color = COLORS[k % COLORS.length]!;
        const bar = s.style === "bar";
        return {
          label: s.label, scale: s.unit, stroke: color, width: bar ? 1 : 2, points: { show: !bar && n < 60 },
          ...(bar ? { fill: `${color}aa`, paths: uPlot.paths.bars!({ size: [0.8, 80] }) } : {}),
          value: (_u: uPlot, v: number | null) => formatValue(v, s.unit),
        };
      }),
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  const plot = target.querySelector<HTMLElement>(".plot") ?? target;
  new uPlot(opts, [chart.labels.map((_, i) => i), ...chart.series.map((s) => s.values)], plot);
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
