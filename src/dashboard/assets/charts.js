// The curves of the dashboard and the report, drawn with uPlot: one chart per panel, a series per
// (run, metric) — the run gives the colour, the metric the dash pattern — on the union of the runs'
// steps. Smoothing and log scale are applied here, to what is drawn, never to the data.
(() => {
  const PALETTE = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
  ];
  const DASHES = [[], [7, 4], [2, 3], [9, 3, 2, 3]];

  /** s_t = w·s_{t−1} + (1 − w)·y_t, debiased by 1 − w^t (TensorBoard's smoothing); nulls stay gaps. */
  function ema(ys, w) {
    if (!(w > 0)) return ys.slice();
    let acc = 0;
    let n = 0;
    return ys.map((y) => {
      if (y === null || y === undefined) return y;
      n++;
      acc = w * acc + (1 - w) * y;
      return acc / (1 - w ** n);
    });
  }

  /** On a log scale, values ≤ 0 cannot be drawn: they become gaps. */
  function positiveOnly(ys) {
    return ys.map((y) => (y !== null && y !== undefined && y > 0 ? y : null));
  }

  /**
   * The aligned data of a panel: runs = [{id, name, color, series: {key: {x, y}}}], options =
   * {smoothing, log}. Returns null when no run has any of the panel's keys.
   */
  function panelData(panel, runs, options) {
    const tables = [];
    const series = [];
    for (const run of runs) {
      panel.keys.forEach((k, ki) => {
        const s = run.series[k.key];
        if (!s || s.x.length === 0) return;
        let y = options.smoothing > 0 ? ema(s.y, options.smoothing) : s.y;
        if (options.log) y = positiveOnly(y);
        tables.push([s.x, y]);
        series.push({
          label: panel.keys.length > 1 ? `${run.name} · ${k.label}` : run.name,
          run: run.id,
          key: k.key,
          stroke: run.color,
          dash: DASHES[ki % DASHES.length],
          points: s.x.length,
        });
      });
    }
    if (tables.length === 0) return null;
    const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
    return { data, series };
  }

  /** A value in a legend or a table: 4 significant digits, exponent form for the very small or large. */
  function fmt(v) {
    if (v === null || v === undefined) return "–";
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
    return String(Number(v.toPrecision(4)));
  }

  /** An axis tick: short enough for the axis (1.5e−4, 250k, 1.2M). */
  function tick(v) {
    if (v === null || v === undefined) return "";
    const a = Math.abs(v);
    if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
    if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
    if (a !== 0 && a < 1e-3) return v.toExponential(1).replace(".0e", "e").replace("e-", "e−");
    return String(Number(v.toPrecision(4)));
  }

  /** Tick spacings of the step axis: whole steps only. */
  const STEP_INCRS = [1, 2, 5]
    .flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].map((p) => m * p))
    .sort((a, b) => a - b);

  /** uPlot options for a panel's built data. */
  function chartOptions(panel, built, options, size) {
    return {
      width: size.width,
      height: size.height,
      scales: { x: { time: false }, y: options.log ? { distr: 3, log: 10 } : {} },
      axes: [
        { label: "step", labelSize: 16, size: 36, incrs: STEP_INCRS },
        {
          values: (_u, ticks) => ticks.map(tick),
          // wide enough for the longest tick label (tick 10 px, gaps, about 8 px a character)
          size: (_u, values) => Math.max(40, 24 + 8 * Math.max(0, ...(values || []).map((t) => t.length))),
        },
      ],
      series: [
        { label: "step" },
        ...built.series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          dash: s.dash,
          width: 1.5,
          value: (_u, v) => fmt(v),
          // uPlot draws no line through a single point: show the points of sparse curves
          points: { show: panel.points || s.points <= 2 ? true : undefined, size: 5 },
        })),
      ],
      cursor: { sync: { key: "rlvr" }, drag: { x: true, y: false } },
      legend: { show: size.legend !== false, live: true },
    };
  }

  /** A signature of what a chart is built from: when it changes, the chart is made anew. */
  function signature(built, options) {
    return JSON.stringify([built.series.map((s) => s.label + s.stroke), options.log]);
  }

  /**
   * Draws (or updates in place) the chart of `panel` in `el`; `holder` keeps {u, sig} between calls.
   * Returns the holder, or null when there is nothing to draw (the chart is removed).
   */
  function drawPanel(el, panel, runs, options, holder, size) {
    const built = panelData(panel, runs, options);
    if (!built) {
      if (holder) holder.u.destroy();
      el.textContent = "";
      return null;
    }
    const sig = signature(built, options);
    if (holder && holder.sig === sig) {
      holder.u.setData(built.data);
      holder.series = built.series;
      return holder;
    }
    if (holder) holder.u.destroy();
    el.textContent = "";
    const u = new uPlot(chartOptions(panel, built, options, size), built.data, el);
    return { u, sig, series: built.series };
  }

  /** [{label, run, key, n}]: how many points each series of a chart has (what a test counts). */
  function pointCounts(holder) {
    if (!holder) return [];
    return holder.series.map((s, i) => ({
      label: s.label,
      run: s.run,
      key: s.key,
      n: holder.u.data[i + 1].filter((v) => v !== null && v !== undefined).length,
    }));
  }

  window.RlvrCharts = { PALETTE, ema, positiveOnly, panelData, drawPanel, pointCounts, fmt };
})();
