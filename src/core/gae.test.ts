import assert from "node:assert/strict";
import { test } from "node:test";
import { explainedVariance, gae, tokenRewards, whiten } from "./gae.js";

const close = (a: readonly number[], b: readonly number[]) => {
  assert.equal(a.length, b.length);
  for (const [i, x] of a.entries()) assert.ok(Math.abs(x - b[i]) < 1e-12, `[${i}] ${x} ≠ ${b[i]}`);
};

test("GAE on a hand-computed trajectory (γ = 1, λ = 0.9)", () => {
  // r = [0, 0, 1], V = [0.5, 0.6, 0.8], V_3 = 0
  // δ2 = 1 − 0.8 = 0.2                 Â2 = 0.2
  // δ1 = 0 + 0.8 − 0.6 = 0.2           Â1 = 0.2 + 0.9·0.2 = 0.38
  // δ0 = 0 + 0.6 − 0.5 = 0.1           Â0 = 0.1 + 0.9·0.38 = 0.442
  const { advantages_T, returns_T } = gae([0, 0, 1], [0.5, 0.6, 0.8], 1, 0.9);
  close(advantages_T, [0.442, 0.38, 0.2]);
  // R_t = Â_t + V_t
  close(returns_T, [0.942, 0.98, 1.0]);
});

test("GAE with discounting (γ = 0.9, λ = 0.5)", () => {
  // δ2 = 1 − 0.8 = 0.2                    Â2 = 0.2
  // δ1 = 0.9·0.8 − 0.6 = 0.12             Â1 = 0.12 + 0.45·0.2 = 0.21
  // δ0 = 0.9·0.6 − 0.5 = 0.04             Â0 = 0.04 + 0.45·0.21 = 0.1345
  const { advantages_T, returns_T } = gae([0, 0, 1], [0.5, 0.6, 0.8], 0.9, 0.5);
  close(advantages_T, [0.1345, 0.21, 0.2]);
  close(returns_T, [0.6345, 0.81, 1.0]);
});

test("GAE with γ = λ = 1 is the Monte Carlo return minus the value", () => {
  // R_t = 1 for every t: Â = 1 − V
  close(gae([0, 0, 1], [0.5, 0.6, 0.8], 1, 1).advantages_T, [0.5, 0.4, 0.2]);
  assert.deepEqual(gae([], [], 1, 1), { advantages_T: [], returns_T: [] });
  assert.throws(() => gae([1], [], 1, 1), /1 rewards but 0 values/);
});

test("tokenRewards: −β·KL per token, the outcome on the last token", () => {
  // k1 = log q − log ref = [0.5, 0]; β = 0.1 → [−0.05, 0 + 1]
  close(tokenRewards(1, [-1, -2], [-1.5, -2], { coef: 0.1, estimator: "k1" }), [-0.05, 1]);
  // no reference: the outcome alone
  close(tokenRewards(1, [-1, -2], null, { coef: 0.1, estimator: "k1" }), [0, 1]);
});

test("whiten and explained variance", () => {
  // mean 2, std 1
  const w = whiten([[1], [3]]);
  assert.ok(Math.abs(w[0][0] + 1) < 1e-7 && Math.abs(w[1][0] - 1) < 1e-7);
  // Var R = 1 (R = 0, 2); R − V = 0, 1: variance 0.25 → 1 − 0.25 = 0.75
  assert.equal(explainedVariance([[0, 1]], [[0, 2]]), 0.75);
  assert.equal(explainedVariance([[0, 1]], [[1, 1]]), null);
});
