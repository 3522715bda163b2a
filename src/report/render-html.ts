/**
 * The report as one self-contained HTML page: every table is rendered here, so the page reads without JavaScript;
 * the charts are drawn by the bundled script (uPlot) from the series embedded as JSON. A Content-Security-Policy
 * forbids every fetch, so opening the page never reaches the network. When the history has errors, the findings come
 * first.
 */
import { bucketLabel, chartData, MAX_KEY_GROUP_MAPS } from "./chart-data.js";
import { escapeHtml as esc, formatBytes, formatCount, scriptJson } from "./html-text.js";
import type { PageAssets } from "./page-assets.js";
import type { FileLife, GcSection, ReportData, ReportFinding, SavepointSection, StateSection } from "./report-model.js";

/** The page for `report`, with the bundled script and style (`pageAssets()`). */
export function renderHtml(report: ReportData, assets: PageAssets): string {
  const { script, style } = assets;
  const errorsFirst = report.summary.errors > 0;
  const sections = [
    timelineSection(report), filesSection(report), stateSection(report.state), gcSection(report.gc), savepointsSection(report.savepoints),
  ];
  const findings = findingsSection(report);
  const body = errorsFirst ? [findings, ...sections] : [...sections, findings];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ksnap report ${report.reportVersion}">
<title>ksnap report: ${esc(report.path)}</title>
<style>${style}</style></head>
<body>
<header><h1>ksnap report</h1><p class="path"><code>${esc(report.path)}</code> · ${report.layout === "flink" ? "Flink job directory" : "KSNAP"} · made ${esc(report.generatedAt)}</p>
${summary(report)}
<nav>${body.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join(" ")}</nav></header>
<main>
${body.map((s) => `<section id="${s.id}"><h2>${esc(s.title)}</h2>\n${s.html}</section>`).join("\n")}
</main>
<script type="application/json" id="ksnap-chart-data">${scriptJson(chartData(report))}</script>
<script>${script.replace(/<\/script/gi, "<\\/script")}</script>
</body></html>
`;
}

interface Section {
  id: string;
  title: string;
  html: string;
}

function summary(r: ReportData): string {
  const s = r.summary;
  const item = (id: string, label: string, value: string, cls = ""): string =>
    `<div class="figure${cls}" id="summary-${id}"><span class="value">${value}</span><span class="label">${label}</span></div>`;
  return `<div class="summary">${[
    item("checkpoints", "checkpoints", formatCount(s.checkpoints)),
    item("savepoints", "savepoints", formatCount(s.savepoints)),
    item("files", "files referenced", formatCount(s.files)),
    item("bytes", "referenced", formatBytes(s.bytes)),
    item("errors", "errors", formatCount(s.errors), s.errors > 0 ? " bad" : ""),
    item("warnings", "warnings", formatCount(s.warnings), s.warnings > 0 ? " warn" : ""),
  ].join("")}</div>`;
}

/** A table; `rows` are arrays of cells already rendered (see {@link cell}). */
function table(id: string, head: string[], rows: string[][], caption = ""): string {
  return `<div class="table-wrap"><table id="${id}">${caption ? `<caption>${caption}</caption>` : ""}<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.join("")}</tr>`).join("\n")}</tbody></table></div>`;
}

/** A cell of text. */
function cell(text: string): string {
  return `<td>${esc(text)}</td>`;
}

/** A number cell: the exact value in `data-v` (what the page's tests and scripts read), shown formatted. */
function num(n: number, bytes = false): string {
  return `<td class="n" data-v="${n}">${bytes ? formatBytes(n) : formatCount(n)}</td>`;
}

function chart(id: string, caption: string): string {
  return `<figure class="chart" id="${id}"><figcaption>${esc(caption)}</figcaption><div class="plot"></div>` +
    `<noscript><p class="note">The chart needs JavaScript; the table below gives the same figures.</p></noscript></figure>`;
}

function findingsSection(r: ReportData): Section {
  const f = r.findings;
  const title = f.total === 0 ? "Validation: no findings" : `Validation: ${r.summary.errors} error(s), ${r.summary.warnings} warning(s)`;
  if (f.total === 0) return { id: "findings", title, html: `<p>validate found nothing to report.</p>` };
  const more = f.total > f.listed.length ? `<p class="note">${formatCount(f.total - f.listed.length)} more finding(s) are counted per rule above, not listed.</p>` : "";
  return {
    id: "findings", title,
    html: table("findings-by-rule", ["rule", "severity", "count"], f.byRule.map((b) => [cell(b.rule), `<td class="${b.severity}">${b.severity}</td>`, num(b.count)])) +
      table("findings-list", ["severity", "rule", "metadata file", "where", "message"], f.listed.map(findingRow)) + more,
  };
}

function findingRow(f: ReportFinding): string[] {
  return [`<td class="${f.severity}">${f.severity}</td>`, cell(f.rule), cell(f.file), cell([f.field, f.path].filter((x) => x !== "").join(" ")), cell(f.message)];
}

function timelineSection(r: ReportData): Section {
  const cps = r.checkpoints;
  if (cps.length === 0) return { id: "timeline", title: "Checkpoints", html: "<p>No checkpoint could be read under this path.</p>" };
  const rows = cps.map((c) => [cell(c.id), num(c.fullBytes, true), num(c.uploadedBytes, true), num(c.reusedBytes, true), num(c.files),
    num(c.uploadedFiles), c.errors > 0 ? `<td class="n error" data-v="${c.errors}">${c.errors}</td>` : num(0), cell(c.metadata)]);
  return {
    id: "timeline", title: `Checkpoints (${formatCount(cps.length)})`,
    html: chart("chart-timeline", "Full size of each checkpoint, the bytes it uploaded and the bytes it reused from earlier ones") +
      chart("chart-files", "Files each checkpoint refers to, and those it uploaded") +
      table("checkpoints", ["id", "full size", "uploaded", "reused", "files", "uploaded files", "errors", "metadata file"], rows),
  };
}

function lifeRows(files: readonly FileLife[]): string[][] {
  return files.map((f) => [cell(f.path), num(f.bytes, true), cell(f.uploadedBy), cell(f.lastUsedBy), num(f.usedBy),
    cell(f.pinnedBy.length === 0 ? "none (gc deletes it)" : f.pinnedBy.join(", ")), cell(f.living ? "yes" : "no")]);
}

const LIFE_HEAD = ["file", "size", "uploaded by", "last used by", "used by (checkpoints)", "pinned by (kept checkpoints)", "in the latest"];

function filesSection(r: ReportData): Section {
  const f = r.files;
  const facts = `<p id="files-facts">${formatCount(f.total)} distinct files (${formatBytes(f.totalBytes)}) over the history; ` +
    `${formatCount(f.shared)} shared (${formatBytes(f.sharedBytes)}), of which ${formatCount(f.living)} (${formatBytes(f.livingBytes)}) are used by the latest checkpoint.</p>`;
  if (f.shared === 0) return { id: "files", title: "File lifetimes", html: facts };
  const list = f.all.length > 0
    ? table("files-all", LIFE_HEAD, lifeRows(f.all), "Every shared file, by the checkpoint that uploaded it")
    : `<p class="note">Too many shared files to list each: the top ${f.largest.length} lists and the histograms stand for them.</p>`;
  return {
    id: "files", title: "File lifetimes",
    html: facts + chart("chart-living", "The latest checkpoint's shared bytes, by the checkpoint that uploaded them: old bars are long-lived files") +
      table("living-by-uploader", ["uploaded by", "files", "bytes"], f.livingBytesByUploader.map((u) => [cell(u.id), num(u.files), num(u.bytes, true)])) +
      table("oldest-living", LIFE_HEAD, lifeRows(f.oldestLiving), `The ${f.oldestLiving.length} oldest living files and the checkpoints that pin them`) +
      table("largest-files", LIFE_HEAD, lifeRows(f.largest), `The ${f.largest.length} largest shared files`) +
      chart("chart-lifetimes", "Shared files by the number of checkpoints that use them") +
      table("lifetime-histogram", ["checkpoints using it", "files", "bytes"], f.lifetimeHistogram.map((b) => [cell(b.from === b.to ? `${b.from}` : `${b.from}–${b.to}`), num(b.files), num(b.bytes, true)])) +
      chart("chart-sizes", "Shared files by size") +
      table("size-histogram", ["size (bytes)", "files", "bytes"], f.sizeHistogram.map((b) => [cell(b.from === b.to ? `${b.from}` : `${b.from}–${b.to}`), num(b.files), num(b.bytes, true)])) +
      list,
  };
}

function stateSection(s: StateSection | undefined): Section {
  if (s === undefined) return { id: "state", title: "State", html: "<p>No snapshot could be read.</p>" };
  const ops = s.operators;
  const operators = table("operators", ["operator", "id", "uid", "parallelism", "key groups", "bytes", "files", "key-group skew (max / mean)"],
    ops.map((o) => [cell(o.name), cell(o.operatorId), cell(o.uid), num(o.parallelism), num(o.maxParallelism), num(o.bytes, true), num(o.files),
      `<td class="n${o.skew >= 2 ? " warning" : ""}" data-v="${o.skew}">${o.keyGroupBytes.length === 0 ? "no keyed state" : o.skew.toFixed(2)}</td>`]));
  const subtasks = table("subtasks", ["operator", "subtask", "key groups", "bytes", "files"], ops.flatMap((o) => o.subtasks.map((t) => [
    cell(o.name || o.operatorId), num(t.index), cell(t.keyGroupCount === 0 ? "" : `${t.keyGroupStart}–${t.keyGroupStart + t.keyGroupCount - 1}`),
    num(t.bytes, true), num(t.files)])));
  const maps = ops.map((o, i) => ({ o, i })).filter(({ o }) => o.keyGroupBytes.length > 0).sort((a, b) => b.o.bytes - a.o.bytes);
  const mapHtml = maps.map(({ o, i }, n) => {
    const hot = o.keyGroupBytes.map((v, b) => ({ v, b })).sort((a, b) => b.v - a.v).slice(0, 5);
    const drawn = n < MAX_KEY_GROUP_MAPS ? chart(`chart-kg-${i}`, `${o.name || o.operatorId}: bytes per key group${o.bucketSize > 1 ? ` (buckets of ${o.bucketSize})` : ""}, skew ${o.skew.toFixed(2)}`) : "";
    return drawn + `<p class="note">${esc(o.name || o.operatorId)}: largest key groups ${hot.map((h) => `${bucketLabel(h.b, o.bucketSize)} (${formatBytes(h.v)})`).join(", ")}.</p>`;
  }).join("");
  return {
    id: "state", title: `State of ${s.kind} ${s.snapshotId}, per operator and subtask`,
    html: operators + subtasks + (maps.length > 0
      ? `<h3>Key-group map</h3><p class="note">Exact for savepoint and key-groups-stream handles; an incremental handle's bytes are spread evenly over its key groups, since its files are not split by key group.</p>${mapHtml}`
      : ""),
  };
}

function gcSection(g: GcSection): Section {
  const title = `Garbage collection (dry run, --retain ${g.retain})`;
  if (!g.applicable) return { id: "gc", title, html: `<p id="gc-reason">${esc(g.reason)}</p>` };
  if (g.refusals.length > 0) {
    return { id: "gc", title, html: `<p id="gc-reason" class="error">${esc(g.reason)}</p>` +
      table("gc-refusals", ["severity", "rule", "metadata file", "where", "message"], g.refusals.map(findingRow)) };
  }
  return {
    id: "gc", title,
    html: `<p id="gc-facts">gc would subsume ${formatCount(g.subsumed.length)} checkpoint(s), keep ${formatCount(g.retained.length)} ` +
      `(${esc(g.retained.join(", "))}), and delete <span id="gc-files">${formatCount(g.files)}</span> file(s) (<span id="gc-bytes" data-v="${g.bytes}">${formatBytes(g.bytes)}</span>) ` +
      `and <span id="gc-orphans">${formatCount(g.orphans)}</span> orphan(s) older than the grace period (${formatBytes(g.orphanBytes)}): ` +
      `<strong>${formatBytes(g.bytes + g.orphanBytes)} freed</strong>.</p>` +
      (g.subsumed.length > 0 ? `<p>Subsumed: ${esc(g.subsumed.length > 50 ? `${g.subsumed.slice(0, 50).join(", ")} and ${g.subsumed.length - 50} more` : g.subsumed.join(", "))}.</p>` : "") +
      (g.largest.length > 0 ? table("gc-largest", ["file", "size"], g.largest.map((f) => [cell(f.path), num(f.bytes, true)]), `The ${g.largest.length} largest files gc would delete`) : ""),
  };
}

function savepointsSection(sps: readonly SavepointSection[]): Section {
  if (sps.length === 0) return { id: "savepoints", title: "Savepoints", html: "<p>No savepoint under this path.</p>" };
  const html = sps.map((sp, s) => `<h3>Savepoint ${esc(sp.id)} <small>${esc(sp.metadata)}</small></h3>` + sp.operators.map((o, i) => {
    const problems = o.problems.map((p) => `<p class="error">${esc(p)}</p>`).join("");
    if (o.states.length === 0) return `<p>${esc(o.name || o.operatorId)}: no KSNAP savepoint data file to read.</p>${problems}`;
    return `<h4>${esc(o.name || o.operatorId)}</h4>` + problems +
      table(`savepoint-${s}-${i}-states`, ["state", "kind", "entries", "bytes"], o.states.map((st) => [cell(st.name), cell(st.kind), num(st.entries), num(st.bytes, true)])) +
      chart(`chart-sp-${s}-${i}`, `Entries and bytes per key group${o.bucketSize > 1 ? ` (buckets of ${o.bucketSize})` : ""}`) +
      table(`savepoint-${s}-${i}-key-groups`, ["key groups", "entries", "bytes"], o.keyGroupEntries.flatMap((e, b) =>
        e === 0 ? [] : [[cell(bucketLabel(b, o.bucketSize)), num(e), num(o.keyGroupBytes[b]!, true)]]));
  }).join("")).join("");
  return { id: "savepoints", title: `Savepoints (${sps.length})`, html };
}
