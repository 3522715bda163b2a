/**
 * The series the page's charts draw, taken from the report: compact arrays only (no paths, no messages), embedded
 * once as JSON beside the tables that say the same in text. The page's script (report-page/) reads this shape.
 */
import type { ReportData } from "./report-model.js";

/** How many operators get a key-group map (the largest by bytes); the others are in the table. */
export const MAX_KEY_GROUP_MAPS = 12;

/** One series of a chart: bars (later bars are drawn over earlier ones, at the same place) or a line. */
export interface ChartSeries {
  label: string;
  values: number[];
  unit: "bytes" | "count";
  style: "bar" | "line";
}

/** One chart: a label per position on x (what the positions are: `xLabel`), one or more series. */
export interface BarChart {
  title: string;
  xLabel: string;
  labels: string[];
  series: ChartSeries[];
}

/** Everything the charts draw, by the id of the element each is drawn in. */
export type ChartData = Record<string, BarChart>;

/** The charts of `report`. */
export function chartData(report: ReportData): ChartData {
  const charts: ChartData = {};
  const cps = report.checkpoints;
  if (cps.length > 0) {
    const ids = cps.map((c) => c.id);
    charts["chart-timeline"] = {
      title: "Checkpoint sizes", xLabel: "checkpoint", labels: ids, series: [
        { label: "full size", values: cps.map((c) => c.fullBytes), unit: "bytes", style: "bar" },
        { label: "uploaded", values: cps.map((c) => c.uploadedBytes), unit: "bytes", style: "bar" },
        { label: "reused", values: cps.map((c) => c.reusedBytes), unit: "bytes", style: "line" },
      ],
    };
    charts["chart-files"] = {
      title: "Files per checkpoint", xLabel: "checkpoint", labels: ids, series: [
        { label: "files", values: cps.map((c) => c.files), unit: "count", style: "bar" },
        { label: "uploaded files", values: cps.map((c) => c.uploadedFiles), unit: "count", style: "bar" },
      ],
    };
  }
  const f = report.files;
  if (f.livingBytesByUploader.length > 0) {
    charts["chart-living"] = {
      title: "Bytes of the latest checkpoint, by the checkpoint that uploaded them", xLabel: "uploaded by", labels: f.livingBytesByUploader.map((u) => u.id),
      series: [{ label: "bytes", values: f.livingBytesByUploader.map((u) => u.bytes), unit: "bytes", style: "bar" }],
    };
  }
  if (f.lifetimeHistogram.length > 0) {
    charts["chart-lifetimes"] = {
      title: "Shared files by the number of checkpoints using them", xLabel: "checkpoints using it", labels: f.lifetimeHistogram.map(binLabel),
      series: [{ label: "files", values: f.lifetimeHistogram.map((b) => b.files), unit: "count", style: "bar" }],
    };
  }
  if (f.sizeHistogram.length > 0) {
    charts["chart-sizes"] = {
      title: "Shared files by size (bytes)", xLabel: "size (bytes)", labels: f.sizeHistogram.map(binLabel),
      series: [{ label: "files", values: f.sizeHistogram.map((b) => b.files), unit: "count", style: "bar" }],
    };
  }
  const keyed = (report.state?.operators ?? []).map((o, i) => ({ o, i })).filter(({ o }) => o.keyGroupBytes.length > 0)
    .sort((a, b) => b.o.bytes - a.o.bytes).slice(0, MAX_KEY_GROUP_MAPS);
  for (const { o, i } of keyed) {
    charts[`chart-kg-${i}`] = {
      title: `Key groups of ${o.name || o.operatorId}`, xLabel: "key group", labels: o.keyGroupBytes.map((_, b) => bucketLabel(b, o.bucketSize)),
      series: [{ label: "bytes", values: o.keyGroupBytes, unit: "bytes", style: "bar" }],
    };
  }
  for (const [s, sp] of report.savepoints.entries()) {
    for (const [i, o] of sp.operators.entries()) {
      if (o.states.length === 0) continue;
      charts[`chart-sp-${s}-${i}`] = {
        title: `Savepoint ${sp.id}: ${o.name || o.operatorId} per key group`, xLabel: "key group", labels: o.keyGroupEntries.map((_, b) => bucketLabel(b, o.bucketSize)),
        series: [
          { label: "entries", values: o.keyGroupEntries, unit: "count", style: "bar" },
          { label: "bytes", values: o.keyGroupBytes, unit: "bytes", style: "line" },
        ],
      };
    }
  }
  return charts;
}

function binLabel(b: { from: number; to: number }): string {
  return b.from === b.to ? String(b.from) : `${b.from}–${b.to}`;
}

/** `12` for a bucket of one key group, `256–511` for a wider one. */
export function bucketLabel(bucket: number, size: number): string {
  return size === 1 ? String(bucket) : `${bucket * size}–${bucket * size + size - 1}`;
}
