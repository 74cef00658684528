// The live dashboard page: the runs of the served folder with their curves, a sample browser and the
// tables. It subscribes to the server's events (/api/events) before it loads anything, so that no step
// appended meanwhile is missed, and then follows the runs without reloading: new steps are appended to
// the curves in place; a run whose files were replaced (a resume) is fetched again.
(() => {
  const C = window.RlvrCharts;
  const V = window.RlvrViews;
  const { h } = V;
  const $ = (id) => document.getElementById(id);

  const S = {
    panels: [],
    panelKeys: new Set(),
    runs: new Map(), // id → info
    order: [],
    selected: new Set(),
    colors: new Map(),
    series: new Map(), // id → {key: {x, y}}
    other: new Map(), // id → {key: {x, y}}, loaded when "Other metrics" is open
    charts: new Map(), // panel id → holder
    options: { smoothing: 0, log: false },
    ready: false,
    drawQueued: false,
    samples: { run: null, steps: [], step: null, offset: 0, limit: 100, page: null, follow: true },
  };

  async function getJson(path) {
    const r = await fetch(path);
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }
  const q = (params) => new URLSearchParams(params).toString();

  function colorOf(id) {
    if (!S.colors.has(id)) S.colors.set(id, C.PALETTE[S.colors.size % C.PALETTE.length]);
    return S.colors.get(id);
  }

  // ---- runs --------------------------------------------------------------------------------------

  function setRuns(infos) {
    const before = new Set(S.runs.keys());
    S.runs = new Map(infos.map((i) => [i.id, i]));
    S.order = infos.map((i) => i.id);
    for (const id of S.order) {
      colorOf(id);
      if (!before.has(id)) S.selected.add(id);
    }
    for (const id of [...S.selected]) if (!S.runs.has(id)) S.selected.delete(id);
    renderRuns();
    renderSampleRuns();
    return S.order.filter((id) => !before.has(id));
  }

  function renderRuns() {
    const el = $("runs");
    el.textContent = "";
    if (S.order.length === 0) el.append(h("p", { class: "muted" }, "No run here yet: waiting for one."));
    for (const id of S.order) {
      const info = S.runs.get(id);
      el.append(
        h(
          "label",
          { class: "run", "data-run": id },
          h("input", {
            type: "checkbox",
            checked: S.selected.has(id),
            onchange: (e) => {
              if (e.target.checked) S.selected.add(id);
              else S.selected.delete(id);
              queueDraw();
            },
          }),
          h("span", { class: "swatch", style: `background:${colorOf(id)}` }),
          h("span", {}, h("div", { class: "name" }, id), h("div", { class: "meta" }, V.runMeta(info))),
        ),
      );
      if (info.notes.length > 0) el.append(V.notesBox(info.notes));
    }
  }

  async function loadSeries(id) {
    const r = await getJson(`/api/series?${q({ run: id, which: "panels" })}`);
    S.series.set(id, r.series);
    if ($("other").open)
      S.other.set(id, (await getJson(`/api/series?${q({ run: id, which: "other" })}`)).series);
    else S.other.delete(id);
  }

  async function refreshRun(id, info) {
    if (info) S.runs.set(id, info);
    await loadSeries(id);
    renderRuns();
    queueDraw();
  }

  /**
   * Appends new records to a run's curves. A step not past a curve's last one was already loaded (an
   * event queued while the curves were fetched); a rewritten file comes as a "reset" event instead.
   */
  function appendRecords(id, records) {
    const store = S.series.get(id);
    if (!store) return;
    const other = S.other.get(id);
    for (const rec of records) {
      for (const [key, v] of Object.entries(rec)) {
        if (key === "step") continue;
        const target = S.panelKeys.has(key) ? store : other;
        if (!target) continue;
        if (!target[key]) target[key] = { x: [], y: [] };
        const s = target[key];
        if (s.x.length === 0 || rec.step > s.x[s.x.length - 1]) {
          s.x.push(rec.step);
          s.y.push(v);
        }
      }
    }
  }

  // ---- curves ------------------------------------------------------------------------------------

  function selectedRuns(source) {
    return S.order
      .filter((id) => S.selected.has(id) && source.has(id))
      .map((id) => ({ id, name: id, color: colorOf(id), series: source.get(id) }));
  }

  function queueDraw() {
    if (S.drawQueued) return;
    S.drawQueued = true;
    requestAnimationFrame(() => {
      S.drawQueued = false;
      drawAll();
    });
  }

  function drawPanels(container, panels, source, emptyEl) {
    const runs = selectedRuns(source);
    const empty = [];
    for (const panel of panels) {
      const el = V.panelElement(container, panel);
      const chart = el.querySelector(".chart");
      const width = Math.max(300, chart.clientWidth || el.clientWidth - 20);
      const holder = C.drawPanel(chart, panel, runs, S.options, S.charts.get(panel.id), {
        width,
        height: 220,
      });
      if (holder) S.charts.set(panel.id, holder);
      else S.charts.delete(panel.id);
      el.hidden = !holder;
      if (!holder) empty.push(panel.title);
    }
    if (emptyEl)
      emptyEl.textContent = empty.length ? `No data in the selected runs: ${empty.join(", ")}.` : "";
  }

  function otherPanels() {
    const keys = new Set();
    for (const id of S.selected) for (const k of Object.keys(S.other.get(id) || {})) keys.add(k);
    return [...keys].sort().map((key) => ({ id: `other:${key}`, title: key, keys: [{ key, label: key }] }));
  }

  function drawAll() {
    if (!S.ready) return;
    drawPanels($("panels"), S.panels, S.series, $("empty-panels"));
    if ($("other").open) drawPanels($("other-panels"), otherPanels(), S.other, null);
  }

  // ---- samples -----------------------------------------------------------------------------------

  function renderSampleRuns() {
    const sel = $("s-run");
    const current = sel.value;
    sel.textContent = "";
    for (const id of S.order) if (S.runs.get(id).hasSamples) sel.append(h("option", { value: id }, id));
    if (current && S.runs.get(current)?.hasSamples) sel.value = current;
    // samples.jsonl is indexed only once the Samples tab is opened (it may be a large file)
    if (!S.samples.run && sel.value && !$("tab-samples").hidden) selectSampleRun(sel.value);
  }

  async function selectSampleRun(id) {
    S.samples.run = id;
    S.samples.follow = true;
    S.samples.step = null;
    $("s-results").textContent = "";
    await refreshSteps();
  }

  async function refreshSteps() {
    const s = S.samples;
    if (!s.run) return;
    const r = await getJson(`/api/steps?${q({ run: s.run })}`);
    if (r.run !== s.run) return;
    s.steps = r.steps.map(([step]) => step);
    const status = [];
    if (r.indexing) {
      status.push(`indexing samples.jsonl: ${((100 * r.indexedBytes) / Math.max(1, r.size)).toFixed(0)}%`);
      setTimeout(refreshSteps, 1000);
    }
    if (r.skippedLines > 0) status.push(`${r.skippedLines} unreadable line(s) of samples.jsonl skipped`);
    $("s-status").textContent = status.join(" · ");
    const input = $("s-step");
    input.min = s.steps[0] ?? 0;
    input.max = s.steps[s.steps.length - 1] ?? 0;
    $("s-count").textContent = s.steps.length ? `${s.steps.length} steps with samples` : "no samples yet";
    if (s.steps.length && (s.follow || s.step === null)) await showStep(s.steps[s.steps.length - 1], 0);
  }

  async function showStep(step, offset, highlight) {
    const s = S.samples;
    if (!s.steps.includes(step)) {
      // the nearest step with samples
      step = s.steps.reduce((best, x) => (Math.abs(x - step) < Math.abs(best - step) ? x : best), s.steps[0]);
    }
    if (step === undefined) return;
    s.step = step;
    s.offset = offset;
    $("s-step").value = step;
    const page = await getJson(`/api/samples?${q({ run: s.run, step, offset, limit: s.limit })}`);
    if (page.run !== s.run) return; // another run was chosen meanwhile
    s.page = page;
    renderStep(highlight);
  }

  function currentFilter() {
    return { text: $("s-q").value.trim(), outcome: $("s-outcome").value };
  }

  function renderStep(highlight) {
    const s = S.samples;
    const page = s.page;
    if (!page) return;
    const el = $("s-view");
    const shown = V.renderSamples(el, page, currentFilter(), highlight);
    const to = Math.min(page.total, page.offset + s.limit);
    const pager = $("s-pager");
    pager.textContent = "";
    pager.append(`step ${page.step}: records ${page.offset + 1}–${to} of ${page.total}, ${shown} shown`);
    if (page.offset > 0)
      pager.append(
        h("button", { onclick: () => showStep(page.step, Math.max(0, page.offset - s.limit)) }, "‹ previous"),
      );
    if (to < page.total)
      pager.append(h("button", { onclick: () => showStep(page.step, page.offset + s.limit) }, "next ›"));
    if (highlight !== undefined)
      el.querySelector(`tr[data-index="${highlight}"]`)?.scrollIntoView({ block: "center" });
  }

  function moveStep(delta) {
    const s = S.samples;
    const i = s.steps.indexOf(s.step);
    const j = Math.min(s.steps.length - 1, Math.max(0, i + delta));
    s.follow = j === s.steps.length - 1;
    if (s.steps[j] !== undefined) showStep(s.steps[j], 0);
  }

  /**
   * Searches the run's samples from byte `from`: the server scans a bounded part of the file per call,
   * so calls go on (with the share searched shown) until some match is found or the file is done;
   * "more matches" continues from there. A new search stops the one before.
   */
  async function searchAll(from) {
    const s = S.samples;
    const f = currentFilter();
    const results = $("s-results");
    const token = {};
    S.search = token;
    if (!from) results.textContent = "";
    results.querySelector(".more")?.remove();
    results.hidden = false;
    let r;
    for (let cursor = from || 0; ; cursor = r.next) {
      r = await getJson(`/api/search?${q({ run: s.run, q: f.text, outcome: f.outcome, from: cursor })}`);
      if (S.search !== token) return;
      const searched = r.next === null ? 100 : (100 * r.next) / Math.max(1, r.indexedBytes);
      $("s-status").textContent = `searched ${searched.toFixed(0)}% of samples.jsonl`;
      if (r.matches.length > 0 || r.next === null) break;
    }
    for (const m of r.matches) {
      const rec = m.record;
      const text = [rec.completion, rec.question].find((t) => typeof t === "string") || "";
      results.append(
        h(
          "div",
          {
            class: "hit",
            onclick: () => {
              s.follow = false;
              showStep(m.step, Math.floor(m.index / s.limit) * s.limit, m.index);
            },
          },
          h("b", {}, `step ${m.step} #${m.index + 1}`),
          rec.layer === 2 ? ` layer 2 ${rec.outcome ?? ""} ` : " ",
          rec.correct === true ? "✓ " : rec.correct === false ? "✗ " : "",
          text.slice(0, 160),
        ),
      );
    }
    if (r.next !== null)
      results.append(h("div", { class: "hit more", onclick: () => searchAll(r.next) }, "more matches…"));
    else if (results.childNodes.length === 0) results.append(h("div", { class: "hit" }, "no match"));
  }

  // ---- tables ------------------------------------------------------------------------------------

  async function loadTables() {
    V.renderTables($("tables"), await getJson("/api/tables"));
  }

  // ---- events ------------------------------------------------------------------------------------

  const handlers = {
    async runs(d) {
      for (const id of setRuns(d.runs)) await loadSeries(id);
      queueDraw();
    },
    metrics(d) {
      const info = S.runs.get(d.run);
      if (!info) return;
      info.rows = d.rows;
      info.lastStep = d.lastStep;
      appendRecords(d.run, d.metrics);
      appendRecords(d.run, d.timings);
      renderRuns();
      queueDraw();
    },
    reset(d) {
      return refreshRun(d.run, d.info);
    },
    notes(d) {
      const info = S.runs.get(d.run);
      if (info) info.notes = d.notes;
      renderRuns();
    },
    tables() {
      return loadTables();
    },
    samples(d) {
      if (d.run === S.samples.run) return refreshSteps();
    },
  };

  let queue = Promise.resolve();
  function subscribe() {
    const es = new EventSource("/api/events");
    const live = $("live");
    es.addEventListener("hello", () => {
      live.textContent = "live";
      live.classList.remove("off");
      // (re)connected: load everything, then apply the events that follow in order
      queue = queue.then(loadAll).catch(showError);
    });
    for (const type of Object.keys(handlers))
      es.addEventListener(type, (e) => {
        const data = JSON.parse(e.data);
        queue = queue.then(() => (S.ready ? handlers[type](data) : undefined)).catch(showError);
      });
    es.onerror = () => {
      live.textContent = "reconnecting…";
      live.classList.add("off");
    };
  }

  function showError(err) {
    $("error").textContent = `error: ${err.message}`;
  }

  async function loadAll() {
    const o = await getJson("/api/overview");
    $("root").textContent = o.root;
    S.panels = o.panels;
    S.panelKeys = new Set(o.panels.flatMap((p) => p.keys.map((k) => k.key)));
    setRuns(o.runs);
    await Promise.all(S.order.map(loadSeries));
    S.ready = true;
    drawAll();
    await loadTables();
    if (S.samples.run) await refreshSteps();
  }

  function wire() {
    for (const b of document.querySelectorAll(".tabs button"))
      b.addEventListener("click", () => {
        for (const o of document.querySelectorAll(".tabs button")) o.classList.toggle("active", o === b);
        for (const t of ["curves", "samples", "tables"]) $(`tab-${t}`).hidden = t !== b.dataset.tab;
        if (b.dataset.tab === "curves") queueDraw();
        if (b.dataset.tab === "samples" && !S.samples.run && $("s-run").value)
          selectSampleRun($("s-run").value);
      });
    $("smoothing").addEventListener("input", (e) => {
      S.options.smoothing = Number(e.target.value);
      $("smoothing-value").textContent = S.options.smoothing.toFixed(2);
      queueDraw();
    });
    $("logscale").addEventListener("change", (e) => {
      S.options.log = e.target.checked;
      queueDraw();
    });
    $("other").addEventListener("toggle", async () => {
      if (!$("other").open) return;
      await Promise.all([...S.selected].map(loadSeries));
      queueDraw();
    });
    $("s-run").addEventListener("change", (e) => selectSampleRun(e.target.value));
    $("s-prev").addEventListener("click", () => moveStep(-1));
    $("s-next").addEventListener("click", () => moveStep(1));
    $("s-step").addEventListener("change", (e) => {
      S.samples.follow = false;
      showStep(Number(e.target.value), 0);
    });
    $("s-q").addEventListener("input", () => renderStep());
    $("s-outcome").addEventListener("change", () => renderStep());
    $("s-search").addEventListener("click", () => searchAll(0));
    let resize;
    window.addEventListener("resize", () => {
      clearTimeout(resize);
      resize = setTimeout(() => {
        for (const holder of S.charts.values()) holder.u.destroy();
        S.charts.clear();
        for (const c of document.querySelectorAll(".panel .chart")) c.textContent = "";
        drawAll();
      }, 200);
    });
  }

  // What the end-to-end tests read: the points of each chart, and whether the first load is done.
  window.rlvr = {
    ready: () => S.ready,
    points: (panelId) => C.pointCounts(S.charts.get(panelId)),
  };

  wire();
  subscribe();
})();
