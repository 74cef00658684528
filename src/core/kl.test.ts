import assert from "node:assert/strict";
import { test } from "node:test";
import { klK1, klK2, klK3, klPenaltyIntoRewards, klPerToken } from "./kl.js";

function assertClose(actual: readonly number[], expected: readonly number[], tol = 1e-8): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} ≠ ${expected[i]}`);
  }
}

const logp = [-1, -2, -0.5];
const logpRef = [-1.5, -1.5, -0.5];

test("k1 = logp − logpRef", () => {
  // −1 − (−1.5) = 0.5; −2 − (−1.5) = −0.5; 0
  assert.deepEqual(klK1(logp, logpRef), [0.5, -0.5, 0]);
});

test("k2 = ½ (logp − logpRef)²", () => {
  // ½·0.25 = 0.125 twice, 0
  assert.deepEqual(klK2(logp, logpRef), [0.125, 0.125, 0]);
});

test("k3 = π_ref/π_θ − log(π_ref/π_θ) − 1, non-negative", () => {
  // x = ref − lp = [−0.5, 0.5, 0]: e^−0.5 + 0.5 − 1 = 0.60653066 − 0.5 = 0.10653066;
  // e^0.5 − 0.5 − 1 = 1.64872127 − 1.5 = 0.14872127; e^0 − 0 − 1 = 0
  assertClose(klK3(logp, logpRef), [0.10653066, 0.14872127, 0]);
  // π_θ = 0.5, π_ref = 0.25: ratio 0.5 → 0.5 − ln 0.5 − 1 = 0.5 + 0.69314718 − 1 = 0.19314718
  assertClose(klK3([Math.log(0.5)], [Math.log(0.25)]), [0.19314718]);
  // tiny differences keep precision (expm1): x = 1e-9 → x²/2 = 5e-19
  const tiny = klK3([0], [1e-9])[0];
  assert.ok(tiny >= 0 && Math.abs(tiny - 5e-19) < 1e-24, `${tiny}`);
});

test("formula check: E_{π_θ}[k1] = E_{π_θ}[k3] = KL(π_θ ‖ π_ref) exactly over a full distribution", () => {
  const p = [0.5, 0.3, 0.2];
  const q = [0.2, 0.5, 0.3];
  const lp = p.map(Math.log);
  const lq = q.map(Math.log);
  const kl = p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0);
  const expect = (k: number[]) => k.reduce((s, v, i) => s + p[i] * v, 0);
  assert.ok(Math.abs(expect(klK1(lp, lq)) - kl) < 1e-12);
  assert.ok(Math.abs(expect(klK3(lp, lq)) - kl) < 1e-12);
  // k2 is biased: its expectation differs from the KL
  assert.ok(Math.abs(expect(klK2(lp, lq)) - kl) > 1e-3);
  assert.deepEqual(klPerToken(lp, lq, "k3"), klK3(lp, lq));
});

test("shape mismatch and unknown estimator are errors", () => {
  assert.throws(() => klK1([0, 0], [0]), /logp has 2 tokens, logpRef has 1/);
  assert.throws(() => klPerToken([0], [0], "k4" as "k1"), /unknown estimator "k4"/);
});

test("klPenaltyIntoRewards subtracts coef · Σ_t mask·KL per sequence", () => {
  const rewards = [1, 0];
  const lp = [[-1, -2], [-1]];
  const lref = [[-1.5, -1.5], [-2]];
  // k1 sums: seq 0: 0.5 + (−0.5) = 0 → 1; seq 1: −1 − (−2) = 1 → 0 − 0.1·1 = −0.1
  assertClose(klPenaltyIntoRewards(rewards, lp, lref, { coef: 0.1, estimator: "k1" }), [1, -0.1], 1e-12);
  // mask [1,0] on seq 0: k1 sum = 0.5 → 1 − 0.1·0.5 = 0.95
  assertClose(
    klPenaltyIntoRewards(rewards, lp, lref, { coef: 0.1, estimator: "k1" }, [[1, 0], [1]]),
    [0.95, -0.1],
    1e-12,
  );
  // k2: seq 0: 0.125 + 0.125 = 0.25 → 1 − 0.025 = 0.975; seq 1: ½·1 = 0.5 → −0.05
  assertClose(klPenaltyIntoRewards(rewards, lp, lref, { coef: 0.1, estimator: "k2" }), [0.975, -0.05], 1e-12);
  assert.throws(
    () => klPenaltyIntoRewards([1], lp, lref, { coef: 0.1, estimator: "k1" }),
    /1 rewards but 2 logp rows/,
  );
});
