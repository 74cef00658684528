// The page's chart helpers (assets/charts.js, plain browser JavaScript) run here in a bare context:
// smoothing, log-scale gaps, and how a panel's series are built from several runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runInNewContext } from "node:vm";
import { assetText } from "./assets.js";

interface Charts {
  ema(ys: (number | null)[], w: number): (number | null)[];
  positiveOnly(ys: (number | null)[]): (number | null)[];
  panelData(
    panel: unknown,
    runs: unknown[],
    options: { smoothing: number; log: boolean },
  ): { data: unknown[][]; series: { label: string; stroke: string; dash: number[] }[] } | null;
}

function load(): Charts {
  const window: Record<string, unknown> = {};
  // uPlot.join, as uPlot does it: the union of x, undefined where a table has no point
  const join = (tables: number[][][]) => {
    const xs = [...new Set(tables.flatMap((t) => t[0]))].sort((a, b) => a - b);
    return [xs, ...tables.map((t) => xs.map((x) => t[1][t[0].indexOf(x)]))];
  };
  runInNewContext(assetText("charts.js"), { window, uPlot: { join } });
  // values made in the other context are copied into this one, so that deepEqual compares them
  const c = window.RlvrCharts as Record<string, (...a: unknown[]) => unknown>;
  const wrap =
    (f: (...a: unknown[]) => unknown) =>
    (...a: unknown[]) =>
      structuredClone(f(...a));
  return { ema: wrap(c.ema), positiveOnly: wrap(c.positiveOnly), panelData: wrap(c.panelData) } as Charts;
}

test("ema: s_t = w·s_{t−1} + (1−w)·y_t debiased by 1 − w^t; nulls stay; w = 0 is the data", () => {
  const { ema } = load();
  // w = 0.5: s1 = 0.5·1 / 0.5 = 1; s2 = (0.25 + 0.5·3) / 0.75 = 7/3; s3 skips null; s4 = (0.875 + 0) / 0.875·…
  const s = ema([1, 3, null, 0], 0.5);
  assert.equal(s[0], 1);
  assert.ok(Math.abs((s[1] ?? 0) - 7 / 3) < 1e-12);
  assert.equal(s[2], null);
  // s3 raw = 0.5·1.75 + 0 = 0.875, debiased by 1 − 0.5³ = 0.875 → 1
  assert.ok(Math.abs((s[3] ?? 0) - 1) < 1e-12);
  assert.deepEqual(ema([1, 2], 0), [1, 2]);
});

test("positiveOnly: values ≤ 0 are gaps on a log scale", () => {
  assert.deepEqual(load().positiveOnly([1, 0, -2, null, 3]), [1, null, null, null, 3]);
});

test("panelData: one series per run and key (run colour, key dash) on the union of steps; null without data", () => {
  const { panelData } = load();
  const panel = {
    id: "reward",
    title: "Reward",
    keys: [
      { key: "rollout/reward_mean", label: "layer 1" },
      { key: "layer2/reward_mean", label: "layer 2" },
    ],
  };
  const runs = [
    { id: "A", name: "A", color: "red", series: { "rollout/reward_mean": { x: [1, 2], y: [0.1, 0.2] } } },
    {
      id: "B",
      name: "B",
      color: "blue",
      series: {
        "rollout/reward_mean": { x: [2, 3], y: [0.3, 0.4] },
        "layer2/reward_mean": { x: [2, 3], y: [0.5, 0.6] },
      },
    },
  ];
  const built = panelData(panel, runs, { smoothing: 0, log: false });
  assert.ok(built);
  assert.deepEqual(
    built.series.map((s) => [s.label, s.stroke, s.dash.length > 0]),
    [
      ["A · layer 1", "red", false],
      ["B · layer 1", "blue", false],
      ["B · layer 2", "blue", true],
    ],
  );
  assert.deepEqual(built.data, [
    [1, 2, 3],
    [0.1, 0.2, undefined],
    [undefined, 0.3, 0.4],
    [undefined, 0.5, 0.6],
  ]);
  assert.equal(
    panelData({ ...panel, keys: [{ key: "optim/kl", label: "kl" }] }, runs, { smoothing: 0, log: false }),
    null,
  );
});
