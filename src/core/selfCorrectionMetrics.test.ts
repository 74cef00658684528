import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./rng.js";
import { selfCorrectionMetrics, type TwoTurnOutcome } from "./selfCorrectionMetrics.js";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);
const F = false;
const T = true;

test("hand-built table, one sample per problem", () => {
  // p1 ✗→✓ (i→c), p2 ✓→✓, p3 ✓→✗ (c→i), p4 ✗→✗, p5 ✗→✓ (i→c)
  const table: TwoTurnOutcome[] = [
    { t1: F, t2: T },
    { t1: T, t2: T },
    { t1: T, t2: F },
    { t1: F, t2: F },
    { t1: F, t2: T },
  ];
  const m = selfCorrectionMetrics(table);
  assert.equal(m.n, 5);
  // acc_t1 = 2/5 = 0.4; acc_t2 = 3/5 = 0.6; Δ = 0.2; Δi→c = 2/5 = 0.4; Δc→i = 1/5 = 0.2; 0.4 − 0.2 = 0.2
  close(m.acc_t1, 0.4);
  close(m.acc_t2, 0.6);
  close(m.delta, 0.2);
  close(m.delta_i2c, 0.4);
  close(m.delta_c2i, 0.2);
  close(m.delta, m.delta_i2c - m.delta_c2i);
});

test("K samples per problem: per-problem averages of the pairs, then the mean over problems", () => {
  const m = selfCorrectionMetrics([
    // A: t1 ½, t2 1, i→c ½, c→i 0
    [
      { t1: F, t2: T },
      { t1: T, t2: T },
    ],
    // B: t1 ½, t2 0, i→c 0, c→i ½
    [
      { t1: T, t2: F },
      { t1: F, t2: F },
    ],
    // C (one sample): t1 1, t2 1
    { t1: T, t2: T },
  ]);
  // acc_t1 = (½+½+1)/3 = 2/3; acc_t2 = (1+0+1)/3 = 2/3; Δ = 0; Δi→c = (½)/3 = 1/6; Δc→i = 1/6
  assert.equal(m.n, 3);
  close(m.acc_t1, 2 / 3);
  close(m.acc_t2, 2 / 3);
  close(m.delta, 0);
  close(m.delta_i2c, 1 / 6);
  close(m.delta_c2i, 1 / 6);
});

test("formula check: Δ = Δi→c − Δc→i on random tables with varying K", () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 100; trial++) {
    const problems = Array.from({ length: 1 + rng.int(0, 20) }, () =>
      Array.from({ length: 1 + rng.int(0, 4) }, () => ({ t1: rng.next() < 0.5, t2: rng.next() < 0.6 })),
    );
    const m = selfCorrectionMetrics(problems);
    close(m.delta, m.delta_i2c - m.delta_c2i, 1e-12);
    assert.ok(m.acc_t1 >= 0 && m.acc_t1 <= 1 && m.delta_i2c <= 1 - m.acc_t1 + 1e-12);
  }
});

test("empty inputs are errors", () => {
  assert.throws(() => selfCorrectionMetrics([]), /no problems/);
  assert.throws(() => selfCorrectionMetrics([[]]), /problem 0 has no samples/);
});
