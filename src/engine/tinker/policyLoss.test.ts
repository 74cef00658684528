import assert from "node:assert/strict";
import { test } from "node:test";
import type { Datum, LossSpec } from "../types.js";
import { tokenLoss } from "./policyLoss.js";

const datum: Datum = {
  inputTokens: [1, 2, 3, 4],
  targetTokens: [2, 3, 4, 5],
  weights: [0, 0.5, 0.25, 1],
  samplingLogprobs: [0, -1.2, -0.4, -2.0],
  advantages: [0, 1.5, -0.8, 0.6],
  refLogprobs: [0, -1.0, -0.7, -1.5],
};
const lp = [-3, -1.0, -0.5, -2.5];

const specs: LossSpec[] = [
  { kind: "cross_entropy" },
  { kind: "importance_sampling" },
  { kind: "ppo", clipLow: 0.8, clipHigh: 1.2 },
  { kind: "cispo", clipLow: 0.8, clipHigh: 1.2 },
  {
    kind: "policy",
    policy: "ppo",
    clipLow: 0.8,
    clipHigh: 1.2,
    klCoef: 0.1,
    klEstimator: "k3",
    entropyCoef: 0,
  },
  {
    kind: "policy",
    policy: "importance_sampling",
    clipLow: 0.8,
    clipHigh: 1.2,
    klCoef: 0.3,
    klEstimator: "k2",
    entropyCoef: 0,
  },
  {
    kind: "policy",
    policy: "cispo",
    clipLow: 0.5,
    clipHigh: 2,
    klCoef: 0.2,
    klEstimator: "k1",
    entropyCoef: 0,
  },
];

test("cross_entropy by hand: L = −Σ w·lp, g = −w", () => {
  const r = tokenLoss({ kind: "cross_entropy" }, datum, lp);
  // −(0.5·−1 + 0.25·−0.5 + 1·−2.5) = 0.5 + 0.125 + 2.5
  assert.ok(Math.abs(r.loss - 3.125) < 1e-12);
  assert.deepEqual(r.grad_T, [0, -0.5, -0.25, -1]);
});

test("ppo by hand: the clipped token has no gradient", () => {
  const r = tokenLoss({ kind: "ppo", clipLow: 0.8, clipHigh: 1.2 }, datum, lp);
  // t=1: r = e^0.2 = 1.2214 > 1.2, A > 0 → clipped: ℓ = −1.2·1.5 = −1.8, g = 0
  // t=2: r = e^−0.1 = 0.9048, A < 0 → unclipped: ℓ = −r·A = 0.7239, g = 0.7239
  // t=3: r = e^−0.5 = 0.6065 < 0.8, A > 0 → unclipped min: ℓ = −0.3639, g = −0.3639
  const r2 = Math.exp(-0.1);
  const r3 = Math.exp(-0.5);
  const expected = 0.5 * -1.8 + 0.25 * (r2 * 0.8) + 1 * -(r3 * 0.6);
  assert.ok(Math.abs(r.loss - expected) < 1e-12);
  assert.equal(r.grad_T[1], 0);
  assert.ok(Math.abs(r.grad_T[2] - 0.25 * r2 * 0.8) < 1e-12);
});

test("cispo by hand: the clipped ratio is a constant, g = −w·clip(r)·A (+ KL)", () => {
  const r = tokenLoss({ kind: "cispo", clipLow: 0.8, clipHigh: 1.2 }, datum, lp);
  // r = e^0.2 → 1.2 (clipped), e^−0.1 = 0.9048, e^−0.5 → 0.8 (clipped)
  const c = [0, 1.2, Math.exp(-0.1), 0.8];
  [1, 2, 3].forEach((t) => {
    assert.ok(Math.abs(r.grad_T[t] - datum.weights[t] * -c[t] * datum.advantages![t]) < 1e-12);
  });
});

test("every loss without a stop-gradient: the gradient matches central finite differences of the loss", () => {
  for (const spec of specs.filter(
    (s) => s.kind !== "cispo" && !(s.kind === "policy" && s.policy === "cispo"),
  )) {
    const { grad_T } = tokenLoss(spec, datum, lp);
    for (let t = 0; t < lp.length; t++) {
      const h = 1e-6;
      const up = lp.map((x, i) => (i === t ? x + h : x));
      const down = lp.map((x, i) => (i === t ? x - h : x));
      const fd = (tokenLoss(spec, datum, up).loss - tokenLoss(spec, datum, down).loss) / (2 * h);
      assert.ok(
        Math.abs(fd - grad_T[t]) < 1e-6,
        `${JSON.stringify(spec)} token ${t}: fd ${fd} vs ${grad_T[t]}`,
      );
    }
  }
});

test("an entropy bonus is refused with a message", () => {
  assert.throws(
    () =>
      tokenLoss(
        {
          kind: "policy",
          policy: "ppo",
          clipLow: 0.8,
          clipHigh: 1.2,
          klCoef: 0,
          klEstimator: "k3",
          entropyCoef: 0.01,
        },
        datum,
        lp,
      ),
    /entropy/,
  );
});
