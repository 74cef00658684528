import assert from "node:assert/strict";
import { test } from "node:test";
import { alignToDatum, microBatches, policyDatum } from "./policyDatums.js";

test("completion token j sits at datum position P−1+j; the prompt carries no weight", () => {
  // prompt [10, 11, 12] (P = 3), completion [20, 21]: sequence 10 11 12 20 21.
  const d = policyDatum(
    {
      promptTokens: [10, 11, 12],
      completionTokens: [20, 21],
      samplingLogprobs_T: [-0.5, -1.5],
      advantage: 2,
      weights_T: [0.25, 0.25],
    },
    [-9, -8, -0.4, -1.4],
  );
  assert.deepEqual(d.inputTokens, [10, 11, 12, 20]);
  assert.deepEqual(d.targetTokens, [11, 12, 20, 21]);
  assert.deepEqual(d.weights, [0, 0, 0.25, 0.25]);
  assert.deepEqual(d.samplingLogprobs, [0, 0, -0.5, -1.5]);
  assert.deepEqual(d.advantages, [0, 0, 2, 2]);
  assert.deepEqual(d.refLogprobs, [-9, -8, -0.4, -1.4]);
});

test("per-token advantages and mismatched lengths", () => {
  const base = { promptTokens: [1], completionTokens: [2, 3], samplingLogprobs_T: [0, 0], weights_T: [1, 1] };
  assert.deepEqual(policyDatum({ ...base, advantage: [1, -1] }).advantages, [1, -1]);
  assert.throws(() => policyDatum({ ...base, advantage: [1] }), /2 completion tokens but 1 advantages/);
  assert.throws(
    () => policyDatum({ ...base, advantage: 0 }, [0]),
    /reference logprobs have length 1, expected 2/,
  );
  assert.deepEqual(alignToDatum(2, [5]), [0, 5]);
  assert.deepEqual(microBatches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});
