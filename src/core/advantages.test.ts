import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AdvantageEstimator,
  computeAdvantages,
  computeBatchAdvantages,
  sampleStd,
} from "./advantages.js";
import { Rng } from "./rng.js";

function assertClose(actual: readonly number[], expected: readonly number[], tol = 1e-7): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} ≠ ${expected.length}`);
  actual.forEach((a, i) => {
    assert.ok(Math.abs(a - expected[i]) <= tol, `index ${i}: ${a} ≠ ${expected[i]} (±${tol})`);
  });
}

test("grpo: (R − mean)/(std + 1e-6) with the n−1 std", () => {
  // [1,0,0,1]: mean 0.5, deviations ±0.5, Σdev² = 1, var = 1/3, std = 0.57735027;
  // 0.5 / 0.57735127 = 0.86602390
  assertClose(
    computeAdvantages([1, 0, 0, 1], { estimator: "grpo" }),
    [0.8660239, -0.8660239, -0.8660239, 0.8660239],
  );
  // [0,1,2]: mean 1, var = (1+0+1)/2 = 1, std 1; ±1/1.000001 = ±0.999999
  assertClose(computeAdvantages([0, 1, 2], { estimator: "grpo" }), [-0.999999, 0, 0.999999]);
});

test("mean (Dr. GRPO): R − mean, no std division", () => {
  // mean of [0,1,2,5] = 8/4 = 2
  assert.deepEqual(computeAdvantages([0, 1, 2, 5], { estimator: "mean" }), [-2, -1, 0, 3]);
});

test("rloo: R − mean of the other G−1", () => {
  // R=1: 1 − (0+0+1)/3 = 2/3;  R=0: 0 − (1+0+1)/3 = −2/3
  assertClose(computeAdvantages([1, 0, 0, 1], { estimator: "rloo" }), [2 / 3, -2 / 3, -2 / 3, 2 / 3], 1e-12);
  // [3,0,0]: 3 − 0 = 3;  0 − (3+0)/2 = −1.5
  assertClose(computeAdvantages([3, 0, 0], { estimator: "rloo" }), [3, -1.5, -1.5], 1e-12);
});

test("static: R − R_min_correct", () => {
  // 0.2−0.8 = −0.6; 0.5−0.8 = −0.3; 1.0−0.8 = 0.2
  assertClose(
    computeAdvantages([0.2, 0.5, 1.0], { estimator: "static", rMinCorrect: 0.8 }),
    [-0.6, -0.3, 0.2],
    1e-12,
  );
});

test("corpo: phase 1 (mean below the bar) acts like static, every failure negative", () => {
  // [−1,−0.5,0,1], R_min_correct 1: mean = −0.5/4 = −0.125 < 1 → b = 1 → [−2, −1.5, −1, 0]
  assert.deepEqual(
    computeAdvantages([-1, -0.5, 0, 1], { estimator: "corpo", rMinCorrect: 1 }),
    [-2, -1.5, -1, 0],
  );
});

test("corpo: mean exactly at R_min_correct, and above it (phase 2, like mean)", () => {
  // [1,1,0.5,1.5]: mean = 4/4 = 1 = R_min_correct → b = 1 → [0, 0, −0.5, 0.5]
  assert.deepEqual(
    computeAdvantages([1, 1, 0.5, 1.5], { estimator: "corpo", rMinCorrect: 1 }),
    [0, 0, -0.5, 0.5],
  );
  // [1,2,1.5,1.5]: mean 1.5 > 1 → b = 1.5 → [−0.5, 0.5, 0, 0], the same as `mean`
  const rewards = [1, 2, 1.5, 1.5];
  assert.deepEqual(computeAdvantages(rewards, { estimator: "corpo", rMinCorrect: 1 }), [-0.5, 0.5, 0, 0]);
  assert.deepEqual(computeAdvantages(rewards, { estimator: "mean" }), [-0.5, 0.5, 0, 0]);
});

test("negative rewards: GRPO rewards the less-bad failure, CoRPO does not", () => {
  // [−3,−1]: mean −2, var = (1+1)/1 = 2, std √2 = 1.41421356; ±1/1.41421456 = ±0.70710628
  assertClose(computeAdvantages([-3, -1], { estimator: "grpo" }), [-0.7071063, 0.7071063]);
  // CoRPO with R_min_correct 0: b = max(0, −2) = 0 → [−3, −1], both failures negative
  assert.deepEqual(computeAdvantages([-3, -1], { estimator: "corpo", rMinCorrect: 0 }), [-3, -1]);
  // static: R − 0
  assert.deepEqual(computeAdvantages([-3, -1], { estimator: "static", rMinCorrect: 0 }), [-3, -1]);
});

test("a group of one", () => {
  assert.deepEqual(computeAdvantages([0.7], { estimator: "grpo" }), [0]);
  assert.deepEqual(computeAdvantages([0.7], { estimator: "mean" }), [0]);
  assert.deepEqual(computeAdvantages([0.7], { estimator: "rloo" }), [0]);
  // static: 0.7 − 1 = −0.3; corpo: b = max(1, 0.7) = 1 → −0.3; corpo above the bar: b = 1.3 → 0
  assertClose(computeAdvantages([0.7], { estimator: "static", rMinCorrect: 1 }), [-0.3], 1e-12);
  assertClose(computeAdvantages([0.7], { estimator: "corpo", rMinCorrect: 1 }), [-0.3], 1e-12);
  assert.deepEqual(computeAdvantages([1.3], { estimator: "corpo", rMinCorrect: 1 }), [0]);
  assert.deepEqual(computeAdvantages([], { estimator: "grpo" }), []);
});

test("all-equal rewards: exact zeros, never NaN, for every estimator that centres", () => {
  // 0.1·3 sums to 0.30000000000000004: a naive mean would leave a rounding residue
  for (const estimator of ["grpo", "mean", "rloo"] as const) {
    for (const scale of ["group", "none"] as const) {
      const a = computeAdvantages([0.1, 0.1, 0.1], { estimator, scale });
      assert.deepEqual(a, [0, 0, 0], `${estimator}/${scale}`);
    }
  }
  // corpo, all equal above the bar: b = mean = 0.3 → zeros; below: 0.3 − 0.5 = −0.2 each, not divided by 1e-6
  assert.deepEqual(
    computeAdvantages([0.3, 0.3], { estimator: "corpo", rMinCorrect: 0.2, scale: "group" }),
    [0, 0],
  );
  assertClose(
    computeAdvantages([0.3, 0.3], { estimator: "corpo", rMinCorrect: 0.5, scale: "group" }),
    [-0.2, -0.2],
    1e-12,
  );
});

test("scale option: grpo with none equals mean; static with group divides by the group std", () => {
  const r = [0, 1, 2, 5];
  assert.deepEqual(
    computeAdvantages(r, { estimator: "grpo", scale: "none" }),
    computeAdvantages(r, { estimator: "mean" }),
  );
  assert.deepEqual(
    computeAdvantages(r, { estimator: "mean", scale: "group" }),
    computeAdvantages(r, { estimator: "grpo" }),
  );
  // [0,1], R_min 1: centred [−1, 0]; std = √(0.5) = 0.70710678; −1/0.70710778 = −1.41421156
  assertClose(
    computeAdvantages([0, 1], { estimator: "static", rMinCorrect: 1, scale: "group" }),
    [-1.4142116, 0],
  );
});

test("clear errors: static/corpo without rMinCorrect, non-finite rewards, unknown scale", () => {
  assert.throws(
    () => computeAdvantages([0, 1], { estimator: "static" }),
    /"static" needs options.rMinCorrect/,
  );
  assert.throws(() => computeAdvantages([0, 1], { estimator: "corpo" }), /"corpo" needs options.rMinCorrect/);
  assert.throws(() => computeAdvantages([0, Number.NaN], { estimator: "grpo" }), /reward 1 is NaN/);
  assert.throws(
    () => computeAdvantages([0, 1], { estimator: "grpo", scale: "batch" as "group" }),
    /unknown scale/,
  );
});

test("formula checks on random groups: grpo has mean 0 and std ≈ 1; rloo = G/(G−1)·(R − mean)", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 50; trial++) {
    const G = 2 + rng.int(0, 8);
    const r = Array.from({ length: G }, () => rng.int(0, 3) - 1.5);
    if (r.every((x) => x === r[0])) continue;
    const a = computeAdvantages(r, { estimator: "grpo" });
    assert.ok(Math.abs(a.reduce((s, x) => s + x, 0)) < 1e-9);
    const std = sampleStd(r);
    assert.ok(Math.abs(sampleStd(a) - std / (std + 1e-6)) < 1e-9);
    const m = computeAdvantages(r, { estimator: "mean" });
    assertClose(
      computeAdvantages(r, { estimator: "rloo" }),
      m.map((x) => (G / (G - 1)) * x),
      1e-9,
    );
  }
});

test("batch: 'batch' divides by the std of every reward; 'group' and 'none' match per-group calls", () => {
  const groups = [
    [0, 1],
    [0, 0, 0, 1],
  ];
  // all rewards [0,1,0,0,0,1]: mean 1/3, Σdev² = 4·(1/9) + 2·(4/9) = 4/3, var = (4/3)/5 = 4/15,
  // std = 0.51639778; 0.5/0.51639878 = 0.96824396; 0.25/… = 0.48412198; 0.75/… = 1.45236594
  const batch = computeBatchAdvantages(groups, { estimator: "grpo", scale: "batch" });
  assertClose(batch[0], [-0.968244, 0.968244], 1e-6);
  assertClose(batch[1], [-0.484122, -0.484122, -0.484122, 1.452366], 1e-6);
  const byGroup = computeBatchAdvantages(groups, { estimator: "grpo" });
  assert.deepEqual(
    byGroup,
    groups.map((g) => computeAdvantages(g, { estimator: "grpo" })),
  );
  const none = computeBatchAdvantages(groups, { estimator: "corpo", rMinCorrect: 1 });
  // group 1: mean 0.5 < 1 → b = 1 → [−1, 0]; group 2: mean 0.25 → b = 1 → [−1,−1,−1,0]
  assert.deepEqual(none, [
    [-1, 0],
    [-1, -1, -1, 0],
  ]);
  const estimators: AdvantageEstimator[] = ["grpo", "mean", "rloo"];
  for (const estimator of estimators) {
    const flat = computeBatchAdvantages(
      [
        [1, 1],
        [1, 1, 1],
      ],
      { estimator, scale: "batch" },
    );
    assert.deepEqual(flat, [
      [0, 0],
      [0, 0, 0],
    ]);
  }
});
