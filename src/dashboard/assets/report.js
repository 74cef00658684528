// The report page (rlvr report): everything it shows is in the page itself (a JSON block written by
// reportHtml.ts), so it opens from a file with no server and no network. Curves with the dashboard's
// smoothing and log-scale controls, the other metrics, the tables and the samples of the last step.
// With window.RLVR_PNG = {width, height} set before it runs, it lays each curve out in a frame of that
// size instead (the panels' curves, not the other metrics), for the PNG export to screenshot one by one.
(() => {
  const C = window.RlvrCharts;
  const V = window.RlvrViews;
  const { h } = V;
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("rlvr-data").textContent);
  const runs = data.runs.map((r, i) => ({
    id: r.info.id,
    name: r.info.id,
    color: C.PALETTE[i % C.PALETTE.length],
    series: r.series,
    info: r.info,
  }));
  const options = { smoothing: 0, log: false };
  const charts = new Map();
  const inPanels = new Set(data.panels.flatMap((p) => p.keys.map((k) => k.key)));
  const otherPanels = [...new Set(runs.flatMap((r) => Object.keys(r.series)))]
    .filter((k) => !inPanels.has(k))
    .sort()
    .map((key) => ({ id: `other:${key}`, title: key, keys: [{ key, label: key }] }));

  function draw(container, panels) {
    for (const panel of panels) {
      const el = V.panelElement(container, panel);
      const chart = el.querySelector(".chart");
      const width = Math.max(300, chart.clientWidth || 440);
      const holder = C.drawPanel(chart, panel, runs, options, charts.get(panel.id), { width, height: 220 });
      if (holder) charts.set(panel.id, holder);
      else charts.delete(panel.id);
      el.hidden = !holder;
    }
  }

  function drawAll() {
    draw($("panels"), data.panels);
    draw($("other-panels"), otherPanels);
  }

  function summary() {
    const el = $("summary");
    const last = (r, key) => {
      const s = r.series[key];
      return s?.y.length ? s.y[s.y.length - 1] : null;
    };
    el.append(
      h(
        "table",
        { class: "data" },
        h(
          "tr",
          {},
          [
            "",
            "run",
            "algorithm · task · steps",
            "reward (last)",
            "accuracy (last)",
            "layer 2 accuracy (last)",
            "held-out (last)",
          ].map((x) => h("th", {}, x)),
        ),
        runs.map((r) =>
          h(
            "tr",
            {},
            h(
              "td",
              {},
              h("span", {
                class: "swatch",
                style: `display:inline-block;width:12px;height:12px;background:${r.color}`,
              }),
            ),
            h("td", {}, r.id),
            h("td", {}, V.runMeta(r.info)),
            ...["rollout/reward_mean", "rollout/accuracy", "layer2/accuracy", "eval/accuracy"].map((k) =>
              h("td", { class: "num" }, C.fmt(last(r, k))),
            ),
          ),
        ),
      ),
    );
    const notes = runs.flatMap((r) => r.info.notes.map((n) => `${r.id}: ${n}`));
    if (notes.length) el.append(V.notesBox(notes));
  }

  function samples() {
    const el = $("samples");
    for (const s of data.samples) {
      const box = h("div", {});
      el.append(
        h(
          "h3",
          {},
          `${s.run}: step ${s.page.step} (records 1–${Math.min(s.page.total, s.shown)} of ${s.page.total})`,
        ),
        box,
      );
      V.renderSamples(box, s.page, null);
    }
    if (data.samples.length === 0) el.append(h("p", { class: "muted" }, "No samples.jsonl in these runs."));
  }

  function pngMode(size) {
    document.body.textContent = "";
    const holder = h("div", { id: "png" });
    document.body.append(holder);
    const ids = [];
    for (const panel of data.panels) {
      const built = C.panelData(panel, runs, options);
      if (!built) continue;
      const id = panel.id.replace(/[^A-Za-z0-9_-]/g, "_");
      const chart = h("div", {});
      const frame = h(
        "div",
        { class: "png-frame", id: `png-${id}`, style: `width:${size.width}px;height:${size.height}px` },
        h("h3", {}, panel.title),
        h(
          "div",
          { class: "png-legend" },
          built.series.map((s) =>
            h(
              "span",
              {},
              h("i", { style: `border-color:${s.stroke};${s.dash.length ? "border-top-style:dashed" : ""}` }),
              s.label,
            ),
          ),
        ),
        chart,
      );
      holder.append(frame);
      C.drawPanel(chart, panel, runs, options, undefined, {
        width: size.width - 20,
        height: size.height - 48,
        legend: false,
      });
      ids.push(id);
    }
    window.rlvrPng = ids;
  }

  if (window.RLVR_PNG) {
    pngMode(window.RLVR_PNG);
    return;
  }
  $("smoothing").addEventListener("input", (e) => {
    options.smoothing = Number(e.target.value);
    $("smoothing-value").textContent = options.smoothing.toFixed(2);
    drawAll();
  });
  $("logscale").addEventListener("change", (e) => {
    options.log = e.target.checked;
    drawAll();
  });
  summary();
  drawAll();
  V.renderTables($("tables"), data.tables);
  samples();
  window.rlvr = { ready: () => true, points: (panelId) => C.pointCounts(charts.get(panelId)) };
})();
