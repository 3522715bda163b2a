/**
 * The one table of `npm run bench` (issue 17, part 6): every bench records its headline figures here as it prints
 * them, and run.ts prints them at the end as one Markdown table — figure, baseline, ratio, goal, load — so that the
 * README's Performance table is pasted from one run, not assembled from runs at different moments.
 */
import { loadAverage } from "./measure.js";

/** One row: what was measured, ours, the baseline of the same rounds, their ratio, the goal and whether it holds. */
export interface SummaryRow {
  bench: string;
  what: string;
  figure: string;
  baseline?: string;
  ratio?: string;
  goal?: string;
  /** Whether the goal holds; undefined when the row has no goal (or its baseline was not available). */
  met?: boolean;
  /** The 1-minute load average when the row was recorded (filled in by recordRow). */
  load?: number;
}

const rows: SummaryRow[] = [];

/** Adds a row to the table printed at the end of `npm run bench`. */
export function recordRow(row: SummaryRow): void {
  rows.push({ ...row, load: row.load ?? loadAverage()[0] });
}

/** The rows recorded so far, in order. */
export function summaryRows(): readonly SummaryRow[] {
  return rows;
}

const cell = (s: string | undefined): string => (s === undefined || s === "" ? "—" : s.replace(/\|/g, "\\|"));

/** The rows as a Markdown table, one line each. */
export function renderSummaryTable(list: readonly SummaryRow[] = rows): string {
  const lines = [
    "| bench | what | figure | baseline (same rounds) | ratio | goal | load |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of list) {
    const goal = r.goal === undefined ? undefined : `${r.goal}: ${r.met === undefined ? "not measured" : r.met ? "met" : "**not met**"}`;
    lines.push(`| ${[r.bench, r.what, r.figure, r.baseline, r.ratio, goal, r.load?.toFixed(1)].map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}
