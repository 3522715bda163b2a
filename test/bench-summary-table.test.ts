/**
 * The bench's summary table (test/bench/summary-table.ts): the README's Performance table is pasted from it, so its
 * Markdown must hold whatever a figure's text holds, and say plainly whether each goal holds.
 */
import t from "tap";
import { renderSummaryTable, type SummaryRow } from "./bench/summary-table.js";

t.test("one line per row, cells escaped, goals stated", async (t) => {
  const rows: SummaryRow[] = [
    { bench: "codec", what: "decode | 1M refs", figure: "597 ms (558–616)", baseline: "Python: 672 ms", ratio: "1.13×", goal: "≥ 1.0× Python", met: true, load: 3.14 },
    { bench: "codec", what: "encode", figure: "104 MB/s", goal: "≥ 150 MB/s", met: false, load: 8 },
    { bench: "codec", what: "decode, no Python", figure: "600 ms", goal: "≥ 1.0× Python", load: 2 },
    { bench: "flink", what: "read", figure: "879 ms" },
  ];
  const lines = renderSummaryTable(rows).split("\n");
  t.equal(lines.length, 2 + rows.length);
  t.equal(lines[0], "| bench | what | figure | baseline (same rounds) | ratio | goal | load |");
  // An escaped pipe keeps the row at seven cells.
  for (const line of lines.slice(2)) t.equal(line.split(/(?<!\\)\|/).length - 2, 7, line);
  t.match(lines[2], /decode \\\| 1M refs/);
  t.match(lines[2], /≥ 1\.0× Python: met \| 3\.1 \|$/);
  t.match(lines[3], /≥ 150 MB\/s: \*\*not met\*\*/);
  t.match(lines[3], /\| — \| — \|/, "no baseline, no ratio: dashes");
  t.match(lines[4], /not measured/);
  t.match(lines[5], /\| — \| — \| — \| — \|$/, "no goal and no load: dashes");
});
