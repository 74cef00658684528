import assert from "node:assert/strict";
import { test } from "node:test";
import { learningRateAt, warmupStepsOf } from "./schedule.js";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

test("constant, with and without warmup", () => {
  assert.equal(learningRateAt(0, 10, { baseLr: 1e-6 }), 1e-6);
  assert.equal(learningRateAt(9, 10, { baseLr: 1e-6 }), 1e-6);
  // 10-step warmup (CoRPO): step 0 → 1/10, step 4 → 5/10, step 9 → 10/10, then flat
  const o = { baseLr: 1, warmupSteps: 10 };
  assert.deepEqual(
    [0, 4, 9, 10, 50].map((s) => learningRateAt(s, 100, o)),
    [0.1, 0.5, 1, 1, 1],
  );
});

test("warmup ratio: W = ceil(ratio · total), robust to float error", () => {
  // 0.03 · 100 = 3; 0.03 · 50 = 1.5 → 2; 0.07 · 100 = 7.000000000000001 in floats → 7
  assert.equal(warmupStepsOf(100, { baseLr: 1, warmupRatio: 0.03 }), 3);
  assert.equal(warmupStepsOf(50, { baseLr: 1, warmupRatio: 0.03 }), 2);
  assert.equal(warmupStepsOf(100, { baseLr: 1, warmupRatio: 0.07 }), 7);
  // W = 3: steps 0,1,2 → 1/3, 2/3, 1
  const o = { baseLr: 3, schedule: "cosine" as const, warmupRatio: 0.03 };
  assert.deepEqual(
    [0, 1, 2, 3].map((s) => learningRateAt(s, 100, o)),
    [1, 2, 3, 3],
  );
});

test("cosine decay to a min ratio", () => {
  // W = 3, decay over 100 steps (total 103), m = 0.1
  const o = { baseLr: 1, schedule: "cosine" as const, warmupSteps: 3, minLrRatio: 0.1 };
  // p = 0 → 1
  close(learningRateAt(3, 103, o), 1);
  // p = 25/100: ½(1 + cos π/4) = ½(1 + 0.70710678) = 0.85355339; 0.1 + 0.9·0.85355339 = 0.86819805
  close(learningRateAt(28, 103, o), 0.86819805, 1e-8);
  // p = 0.5: ½(1 + 0) = 0.5 → 0.1 + 0.45 = 0.55
  close(learningRateAt(53, 103, o), 0.55);
  // p = 1 at s = total, and clamped beyond
  close(learningRateAt(103, 103, o), 0.1);
  close(learningRateAt(500, 103, o), 0.1);
});

test("linear decay", () => {
  const o = { baseLr: 2, schedule: "linear" as const, warmupSteps: 3, minLrRatio: 0.1 };
  // p = 0.25 → 2 · (0.1 + 0.9·0.75) = 2 · 0.775 = 1.55
  close(learningRateAt(28, 103, o), 1.55);
  close(learningRateAt(103, 103, { ...o, minLrRatio: 0 }), 0);
});

test("formula check: cosine is non-increasing after warmup and stays within [m·base, base]", () => {
  const o = { baseLr: 5e-7, schedule: "cosine" as const, warmupRatio: 0.03, minLrRatio: 0.2 };
  let prev = Number.POSITIVE_INFINITY;
  for (let s = 3; s < 100; s++) {
    const lr = learningRateAt(s, 100, o);
    assert.ok(lr <= prev && lr >= 0.2 * 5e-7 - 1e-20 && lr <= 5e-7);
    prev = lr;
  }
});

test("bad arguments are errors", () => {
  assert.throws(() => learningRateAt(-1, 10, { baseLr: 1 }), /step must be an integer ≥ 0/);
  assert.throws(() => learningRateAt(0, 0, { baseLr: 1 }), /totalSteps/);
  assert.throws(() => learningRateAt(0, 10, { baseLr: 1, warmupSteps: 2, warmupRatio: 0.1 }), /not both/);
  assert.throws(() => learningRateAt(0, 10, { baseLr: 1, warmupSteps: 11 }), /exceed/);
  assert.throws(() => learningRateAt(0, 10, { baseLr: 1, minLrRatio: 2 }), /minLrRatio/);
});
