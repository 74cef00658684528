// What the dashboard and the report show beside the curves, built as DOM nodes (never from HTML text:
// completions are model output): the samples of a step grouped by prompt, with MGRPO's correction
// groups; the evaluation and compare tables; the runs with what was skipped in them.
(() => {
  /** h("td", {class: "num"}, "text", node, …): an element with attributes and children. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const num = (v, digits = 3) => (typeof v === "number" ? v.toFixed(digits) : "–");
  const pct = (v) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : "–");
  const mark = (c) =>
    c === true ? h("span", { class: "ok" }, "✓") : c === false ? h("span", { class: "no" }, "✗") : "–";
  const OUTCOME_CLASS = { "i→c": "i2c", "c→i": "c2i", "c→c": "c2c", "i→i": "i2i" };

  function extraction(e) {
    if (!e) return "–";
    return e.answer !== null
      ? h("span", {}, h("code", {}, e.answer), h("span", { class: "muted" }, ` (${e.how})`))
      : h("span", { class: "muted" }, e.how);
  }

  /** Whether a shown sample passes the filter {text, outcome} (outcome: correct, wrong, i2c, …). */
  function passes(sample, prompt, group, filter) {
    if (!filter) return true;
    const o = filter.outcome;
    if (o === "correct" && sample.correct !== true) return false;
    if (o === "wrong" && sample.correct !== false) return false;
    if (["i2c", "c2i", "c2c", "i2i"].includes(o) && OUTCOME_CLASS[sample.outcome] !== o) return false;
    const t = (filter.text || "").toLowerCase();
    if (!t) return true;
    const fields = [sample.completion, sample.reason, prompt.question, prompt.gold, prompt.problemId];
    if (group) fields.push(group.attempt, group.guidePhrase);
    return fields.some((f) => typeof f === "string" && f.toLowerCase().includes(t));
  }

  function sampleRow(s, highlight, withOutcome) {
    return h(
      "tr",
      { class: highlight === s.index ? "highlight" : null, "data-index": s.index },
      h("td", { class: "num" }, s.index + 1),
      withOutcome
        ? h("td", {}, s.outcome ? h("span", { class: `badge ${OUTCOME_CLASS[s.outcome]}` }, s.outcome) : "–")
        : null,
      h("td", { class: "num" }, num(s.reward)),
      h("td", { class: "num" }, num(s.advantage)),
      h("td", {}, mark(s.correct), s.truncated ? h("span", { class: "muted" }, " truncated") : null),
      h("td", {}, extraction(s.extraction)),
      h("td", {}, s.reason),
      h("td", {}, h("pre", { class: "text" }, s.completion)),
    );
  }

  function sampleTable(samples, highlight, withOutcome) {
    return h(
      "table",
      { class: "data samples" },
      h(
        "tr",
        {},
        [
          "#",
          withOutcome ? "outcome" : null,
          "reward",
          "advantage",
          "correct",
          "extracted",
          "verifier",
          "completion",
        ]
          .filter((x) => x)
          .map((x) => h("th", {}, x)),
      ),
      samples.map((s) => sampleRow(s, highlight, withOutcome)),
    );
  }

  /**
   * Renders a page of a step's samples ({step, total, offset, prompts}) into `el`. `filter` = {text,
   * outcome} hides what does not pass; `highlight` is a record index to mark. Returns how many samples
   * were shown.
   */
  function renderSamples(el, page, filter, highlight) {
    el.textContent = "";
    let shown = 0;
    for (const p of page.prompts) {
      const completions = p.completions.filter((s) => passes(s, p, null, filter));
      const groups = p.correctionGroups
        .map((g) => ({ ...g, corrections: g.corrections.filter((s) => passes(s, p, g, filter)) }))
        .filter((g) => g.corrections.length > 0);
      if (completions.length === 0 && groups.length === 0) continue;
      shown += completions.length + groups.reduce((n, g) => n + g.corrections.length, 0);
      const rewards = p.completions.map((s) => s.reward).filter((r) => typeof r === "number");
      const mean = rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : null;
      el.append(
        h(
          "div",
          { class: "prompt", "data-problem": p.problemId },
          h(
            "div",
            {},
            h("span", { class: "q" }, p.question || p.problemId),
            h("span", { class: "gold" }, `  gold ${p.gold}  ·  ${p.problemId}`),
          ),
          p.completions.length > 0
            ? h(
                "div",
                { class: "muted" },
                `layer 1: ${p.completions.length} completion(s)`,
                mean !== null ? `, mean reward ${num(mean)}` : "",
              )
            : null,
          completions.length > 0 ? sampleTable(completions, highlight, false) : null,
          groups.map((g) =>
            h(
              "div",
              { class: "correction-group" },
              h(
                "div",
                {},
                h("b", {}, "correction of the attempt "),
                mark(g.attemptCorrect),
                g.kept === null ? "" : g.kept ? "  · kept" : "  · discarded",
              ),
              h("pre", { class: "text" }, g.attempt),
              h("div", { class: "guide" }, `guide: ${g.guidePhrase}`),
              sampleTable(g.corrections, highlight, true),
            ),
          ),
        ),
      );
    }
    if (shown === 0) el.append(h("p", { class: "muted" }, "No sample of this page passes the filter."));
    return shown;
  }

  function table(header, rows, numeric) {
    return h(
      "table",
      { class: "data" },
      h(
        "tr",
        {},
        header.map((x) => h("th", {}, x)),
      ),
      rows.map((r) =>
        h(
          "tr",
          {},
          r.map((c, i) => h("td", { class: numeric?.[i] ? "num" : null }, c)),
        ),
      ),
    );
  }

  /** The two-turn, other evaluation and compare tables ({twoTurn, other, compare, notes}). */
  function renderTables(el, t) {
    el.textContent = "";
    if (t.twoTurn.length > 0) {
      el.append(h("h2", {}, "Two-turn evaluation"));
      el.append(
        table(
          ["run", "evaluation", "n", "Acc@t1", "Acc@t2", "Δ(t1,t2)", "Δi→c", "Δc→i"],
          t.twoTurn.map((r) => [
            r.run,
            r.eval,
            r.n ?? "–",
            pct(r.acc_t1),
            pct(r.acc_t2),
            pct(r.delta),
            pct(r.delta_i2c),
            pct(r.delta_c2i),
          ]),
          [false, false, true, true, true, true, true, true],
        ),
      );
    }
    for (const c of t.compare) {
      el.append(h("h2", {}, "Comparison"), h("p", {}, c.title), table(c.header, c.rows));
      el.append(h("p", { class: "muted" }, c.path));
    }
    if (t.other.length > 0) {
      el.append(h("h2", {}, "Other evaluations"));
      el.append(
        table(
          ["run", "evaluation", "values"],
          t.other.map((o) => [o.run, o.eval, o.values.map(([k, v]) => `${k} ${num(v, 4)}`).join(", ")]),
        ),
      );
    }
    if (t.notes.length > 0) el.append(notesBox(t.notes));
    if (el.childNodes.length === 0)
      el.append(
        h(
          "p",
          { class: "muted" },
          "No evaluation in eval/*.json and no compare table (compare-table.json) in these runs.",
        ),
      );
  }

  function notesBox(notes) {
    return h(
      "div",
      { class: "notes" },
      "Not shown:",
      h(
        "ul",
        {},
        notes.map((n) => h("li", {}, n)),
      ),
    );
  }

  /** One line about a run: algorithm, task, steps read of steps planned, G, H. */
  function runMeta(info) {
    const c = info.config;
    const parts = [c.algo ?? "?", c.task ?? null];
    parts.push(`step ${info.lastStep ?? 0}${c.steps ? ` / ${c.steps}` : ""}`);
    if (c.promptsPerStep) parts.push(`${c.promptsPerStep}×G=${c.groupSize}`);
    if (c.layer2Group) parts.push(`H=${c.layer2Group}`);
    return parts.filter((p) => p).join(" · ");
  }

  /** The panel's element in `container` (a title and a chart box), created on first use. */
  function panelElement(container, panel) {
    let el = container.querySelector(`[data-panel="${CSS.escape(panel.id)}"]`);
    if (!el) {
      el = h(
        "div",
        { class: "panel", "data-panel": panel.id },
        h("h3", {}, panel.title),
        h("div", { class: "chart" }),
      );
      container.append(el);
    }
    return el;
  }

  window.RlvrViews = { h, panelElement, renderSamples, renderTables, notesBox, runMeta, fmtNum: num, pct };
})();
