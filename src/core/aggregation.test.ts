import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregationWeights, mgrpoLayer2Weights } from "./aggregation.js";

const masks = [
  [1, 1, 0, 0],
  [1, 1, 1, 1],
];
const losses = [
  [1, 3, 9, 9],
  [2, 2, 2, 6],
];
const dot = (w: number[][], l: number[][]) =>
  w.reduce((s, row, i) => s + row.reduce((a, x, t) => a + x * l[i][t], 0), 0);
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

test("seq-mean-token-mean: mask / (N_seq · |o_i|)", () => {
  const w = aggregationWeights(masks, "seq-mean-token-mean");
  // row 0: 1/(2·2) = 0.25; row 1: 1/(2·4) = 0.125
  assert.deepEqual(w, [
    [0.25, 0.25, 0, 0],
    [0.125, 0.125, 0.125, 0.125],
  ]);
  // ½ (mean(1,3) + mean(2,2,2,6)) = ½ (2 + 3) = 2.5; masked-out 9s do not count
  close(dot(w, losses), 2.5);
});

test("token-mean: mask / Σ mask", () => {
  const w = aggregationWeights(masks, "token-mean");
  // 6 tokens: (1+3+2+2+2+6)/6 = 16/6
  close(dot(w, losses), 16 / 6);
  assert.equal(w[0][2], 0);
});

test("seq-mean-token-sum-norm: mask / (N_seq · maxTokens)", () => {
  const w = aggregationWeights(masks, "seq-mean-token-sum-norm", { maxTokens: 8 });
  // 1/(2·8) = 0.0625 on every kept token; (4 + 12)/16 = 1
  assert.deepEqual(w[1], [0.0625, 0.0625, 0.0625, 0.0625]);
  close(dot(w, losses), 1);
  assert.throws(() => aggregationWeights(masks, "seq-mean-token-sum-norm"), /needs opts.maxTokens/);
});

test("micro-batches with numSequences / numTokens add up to the whole batch", () => {
  for (const mode of ["seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"] as const) {
    const whole = aggregationWeights(masks, mode, { maxTokens: 8 });
    const parts = [
      aggregationWeights([masks[0]], mode, { maxTokens: 8, numSequences: 2, numTokens: 6 }),
      aggregationWeights([masks[1]], mode, { maxTokens: 8, numSequences: 2, numTokens: 6 }),
    ].flat();
    assert.deepEqual(parts, whole, mode);
  }
  assert.throws(
    () => aggregationWeights(masks, "seq-mean-token-mean", { numSequences: 1 }),
    /less than the 2/,
  );
});

test("empty sequences and empty batches give zeros, not NaN", () => {
  assert.deepEqual(aggregationWeights([[0, 0], [1]], "seq-mean-token-mean"), [[0, 0], [0.5]]);
  assert.deepEqual(aggregationWeights([[0, 0]], "token-mean"), [[0, 0]]);
  assert.deepEqual(aggregationWeights([], "seq-mean-token-mean"), []);
});

test("MGRPO layer 2: mask / (H · |õ|), summed over groups (eq. 6), optionally averaged", () => {
  const m = [
    [
      [1, 1],
      [1, 1, 1, 1],
    ],
    [
      [1, 0, 0],
      [1, 1, 1],
    ],
  ];
  const w = mgrpoLayer2Weights(m);
  // group 0: 1/(2·2) = 0.25, 1/(2·4) = 0.125; group 1: 1/(2·1) = 0.5 (one kept token), 1/(2·3) = 1/6
  assert.deepEqual(w[0], [
    [0.25, 0.25],
    [0.125, 0.125, 0.125, 0.125],
  ]);
  assert.deepEqual(w[1][0], [0.5, 0, 0]);
  close(w[1][1][2], 1 / 6);
  // every group's weights sum to 1 (H sequences × 1/H): total = G' = 2; averaged over Q = 4, 2/4
  const total = (x: number[][][]) => x.flat(2).reduce((s, v) => s + v, 0);
  close(total(w), 2);
  close(total(mgrpoLayer2Weights(m, 4)), 0.5);
  assert.throws(() => mgrpoLayer2Weights(m, 0), /Q must be > 0/);
});
