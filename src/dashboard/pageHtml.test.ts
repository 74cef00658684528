// The two pages' HTML: the dashboard links only files the server has; the report inlines everything,
// so that it opens with no server and no network, and its data cannot end its <script> block.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assetText, isAssetName } from "./assets.js";
import { dashboardHtml, jsonForScript, reportHtml } from "./pageHtml.js";

test("dashboardHtml: every file it links is one the server serves", () => {
  const html = dashboardHtml();
  const linked = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(linked.sort(), [
    "charts.js",
    "dashboard.js",
    "page.css",
    "uplot.css",
    "uplot.js",
    "views.js",
  ]);
  for (const name of linked) assert.ok(isAssetName(name) && assetText(name).length > 100, name);
});

test("reportHtml: self-contained (no src, no external href or url()), data escaped out of </script>", () => {
  const data = { title: "T <b>", source: "/x", generated: "now", evil: "</script><script>alert(1)</script>" };
  const html = reportHtml(data);
  assert.doesNotMatch(html, /<script[^>]*\ssrc=/i);
  assert.doesNotMatch(html, /<link[^>]*href="(?!data:)/i);
  assert.doesNotMatch(html, /url\((?!["']?data:)/i);
  assert.doesNotMatch(html, /<iframe|<img/i);
  assert.match(html, /<title>T &lt;b&gt;<\/title>/);
  const block = /<script type="application\/json" id="rlvr-data">(.*?)<\/script>/s.exec(html);
  assert.ok(block);
  assert.deepEqual(JSON.parse(block[1]), data);
  assert.ok(html.includes(assetText("uplot.js").slice(0, 200)), "uPlot inlined");
  assert.equal(jsonForScript("a</script>\u2028"), '"a\\u003c/script>\\u2028"');
});
