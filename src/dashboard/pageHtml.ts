// The two pages: the live dashboard, whose files the server serves (/assets/…), and the report, a single
// HTML file with uPlot, the page's scripts and stylesheet and all its data inlined, so that it opens from
// disk with no server and no network.
import { type AssetName, assetText } from "./assets.js";

/** The text of JSON inside <script type="application/json">: "<" escaped, so no "</script>" ends it. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const CURVE_CONTROLS = `<div class="controls">
  <label>smoothing <input type="range" id="smoothing" min="0" max="0.99" step="0.01" value="0"></label>
  <output id="smoothing-value">0.00</output>
  <label><input type="checkbox" id="logscale"> log scale</label>
</div>`;

const OUTCOMES = `<select id="s-outcome" title="filter by outcome">
  <option value="">any outcome</option><option value="correct">correct</option><option value="wrong">wrong</option>
  <option value="i2c">i→c (corrected)</option><option value="c2i">c→i (broken)</option>
  <option value="c2c">c→c (confirmed)</option><option value="i2i">i→i (still wrong)</option>
</select>`;

export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>rlvr dashboard</title>
<link rel="stylesheet" href="/assets/uplot.css">
<link rel="stylesheet" href="/assets/page.css">
</head>
<body class="dashboard">
<header><h1>rlvr dashboard</h1><span class="root" id="root"></span><span id="error" class="no"></span><span id="live" class="live off">connecting…</span></header>
<div class="layout">
<aside><h2>Runs</h2><div id="runs"></div></aside>
<main>
<nav class="tabs"><button data-tab="curves" class="active">Curves</button><button data-tab="samples">Samples</button><button data-tab="tables">Tables</button></nav>
<section id="tab-curves">
${CURVE_CONTROLS}
<div id="panels" class="panels"></div>
<p id="empty-panels" class="empty-panels"></p>
<details id="other" class="other"><summary>Other metrics</summary><div id="other-panels" class="panels"></div></details>
</section>
<section id="tab-samples" hidden>
<div class="controls">
  <label>run <select id="s-run"></select></label>
  <button id="s-prev" title="previous step">‹</button>
  <label>step <input type="number" id="s-step" style="width:7em"></label>
  <button id="s-next" title="next step">›</button>
  <span id="s-count" class="muted"></span>
  <input type="search" id="s-q" placeholder="text in question, completion, reason…">
  ${OUTCOMES}
  <button id="s-search">search all steps</button>
</div>
<div id="s-status" class="muted"></div>
<div id="s-results" class="results" hidden></div>
<div id="s-pager" class="pager"></div>
<div id="s-view"></div>
</section>
<section id="tab-tables" hidden><div id="tables"></div></section>
</main>
</div>
<script src="/assets/uplot.js"></script>
<script src="/assets/charts.js"></script>
<script src="/assets/views.js"></script>
<script src="/assets/dashboard.js"></script>
</body>
</html>
`;
}

const inlineScript = (name: AssetName) =>
  `<script>\n${assetText(name).replace(/<\/script/gi, "<\\/script")}\n</script>`;
const inlineStyle = (name: AssetName) => `<style>\n${assetText(name)}\n</style>`;

/** The self-contained report page of `data` (reportData.ts). */
export function reportHtml(data: { title: string; source: string; generated: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>${escapeHtml(data.title)}</title>
${inlineStyle("uplot.css")}
${inlineStyle("page.css")}
</head>
<body class="report">
<header><h1>${escapeHtml(data.title)}</h1><span class="root">${escapeHtml(data.source)} · ${escapeHtml(data.generated)}</span></header>
<main>
<section><h2>Runs</h2><div id="summary"></div></section>
<section><h2>Curves</h2>
${CURVE_CONTROLS}
<div id="panels" class="panels"></div></section>
<section><details class="other"><summary>Other metrics</summary><div id="other-panels" class="panels"></div></details></section>
<section><div id="tables"></div></section>
<section><h2>Samples</h2><div id="samples"></div></section>
</main>
<script type="application/json" id="rlvr-data">${jsonForScript(data)}</script>
${inlineScript("uplot.js")}
${inlineScript("charts.js")}
${inlineScript("views.js")}
${inlineScript("report.js")}
</body>
</html>
`;
}
