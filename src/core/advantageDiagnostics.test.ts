import assert from "node:assert/strict";
import { test } from "node:test";
import { advantageDiagnostics, tokenMass } from "./advantageDiagnostics.js";
import { computeAdvantages } from "./advantages.js";

const close = (a: number | null, b: number, tol = 1e-9) =>
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

// An ordinal group in CoRPO's phase 1 (R_min_correct = 1, only the last is correct), and a dead group.
const rewards = [-1, -0.5, 0, 1];
const correct = [false, false, false, true];

test("GRPO-style (mean) baseline: a failed rollout gets a positive advantage", () => {
  const adv = computeAdvantages(rewards, { estimator: "mean" });
  // mean = −0.5/4 = −0.125 → A = [−0.875, −0.375, 0.125, 1.125]
  assert.deepEqual(adv, [-0.875, -0.375, 0.125, 1.125]);
  const d = advantageDiagnostics([
    { rewards_G: rewards, advantages_G: adv, correct_G: correct, tokenMass_G: [2, 1, 4, 1] },
    { rewards_G: [0, 0], advantages_G: [0, 0], correct_G: [false, false] },
  ]);
  assert.equal(d.numRollouts, 6);
  // the R=0 rollout failed with A = 0.125 > 0: 1 of 6 rollouts, 1 of 5 failures
  close(d.failedPositiveShare, 1 / 6);
  close(d.failedPositiveShareOfFailed, 1 / 5);
  // 2 positive, 2 negative, 2 zero
  assert.deepEqual([d.numPositive, d.numNegative, d.numZero], [2, 2, 2]);
  close(d.rCount, 1);
  // positive mass 0.125·4 + 1.125·1 = 1.625; negative 0.875·2 + 0.375·1 = 2.125; 1.625/2.125 = 13/17
  close(d.rLoss, 13 / 17);
  close(d.zeroVarianceGroupShare, 0.5);
  // Σ A = 0 → mean 0; Σ A² = 0.765625 + 0.140625 + 0.015625 + 1.265625 = 2.1875; √(2.1875/6) = 0.60380736
  close(d.advantageMean, 0);
  close(d.advantageStd, 0.60380736, 1e-8);
  assert.equal(d.advantageMin, -0.875);
  assert.equal(d.advantageMax, 1.125);
});

test("CoRPO: no failed rollout with positive advantage; r_count 0", () => {
  const adv = computeAdvantages(rewards, { estimator: "corpo", rMinCorrect: 1 });
  // b = max(1, −0.125) = 1 → [−2, −1.5, −1, 0]
  const d = advantageDiagnostics([{ rewards_G: rewards, advantages_G: adv, correct_G: correct }]);
  assert.equal(d.failedPositiveShare, 0);
  assert.equal(d.rCount, 0);
  assert.equal(d.rLoss, 0);
});

test("no negative advantages: r_count and r_loss are null, not Infinity", () => {
  // static, R_min_correct 0: rewards [0, 1] → A = [0, 1]
  const d = advantageDiagnostics([{ rewards_G: [0, 1], advantages_G: [0, 1], correct_G: [false, true] }]);
  assert.equal(d.rCount, null);
  assert.equal(d.rLoss, null);
  assert.equal(d.failedPositiveShare, 0);
  const allRight = advantageDiagnostics([
    { rewards_G: [1, 1], advantages_G: [0, 0], correct_G: [true, true] },
  ]);
  assert.equal(allRight.failedPositiveShareOfFailed, null);
});

test("token mass from weights; shape errors and empty input", () => {
  assert.deepEqual(
    tokenMass([
      [0.25, 0.25, 0],
      [0.5, 0],
    ]),
    [0.5, 0.5],
  );
  assert.throws(() => advantageDiagnostics([]), /no rollouts/);
  assert.throws(
    () => advantageDiagnostics([{ rewards_G: [0, 1], advantages_G: [0], correct_G: [true] }]),
    /group 0 has 1 advantages, 2 rewards/,
  );
});
