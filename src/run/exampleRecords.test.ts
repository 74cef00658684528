import assert from "node:assert/strict";
import { test } from "node:test";
import type { RolloutGroup } from "../algorithms/rollouts.js";
import { exampleHistoryRecords, labelAuditRecords, reflectionMetrics } from "./exampleRecords.js";

const problem = { id: "pi1", question: "cube root of 2048?", gold: "12.8" };
const sample = (text: string, correct: boolean, lp: number) => ({
  promptTokens: [1],
  completionTokens: [2, 3],
  samplingLogprobs_T: [lp, lp],
  completionText: text,
  reason: correct ? "correct" : "wrong",
  reward: correct ? 1 : 0,
  correct,
  truncated: false,
});
const group = (texts: [string, boolean, number][]): RolloutGroup => ({
  problem,
  problemId: problem.id,
  trajectories_G: texts.map(([t, c, lp]) => sample(t, c, lp)),
});

test("label audit flags a constructed group whose confident samples agree against the gold", () => {
  const confident = Math.log(0.95);
  const g = group([
    ["Wait, recheck: \\boxed{12.70}", false, confident],
    ["\\boxed{12.70}", false, confident],
    ["\\boxed{12.70}", false, confident],
    ["\\boxed{12.8}", true, confident],
    ["\\boxed{9}", false, Math.log(0.2)],
  ]);
  const opts = { minConfidence: 0.9, minAgreement: 0.75, minConfident: 4 };
  // confident: 4, of which 3 say 12.70 (0.75 ≥ 0.75), marked wrong
  assert.deepEqual(labelAuditRecords(5, [g], opts), [
    {
      step: 5,
      id: "pi1",
      question: problem.question,
      gold: "12.8",
      answer: "12.70",
      agreement: 0.75,
      confident: 4,
    },
  ]);
  assert.deepEqual(labelAuditRecords(5, [g], { ...opts, minAgreement: 0.8 }), []);
  // duplicates of the example in one batch are audited together (8 confident, 6 agree)
  assert.equal(labelAuditRecords(5, [g, g], opts)[0].confident, 8);
  // history: 1 right of 5 per group
  assert.deepEqual(
    exampleHistoryRecords(5, [g, g]).map((v) => [v.id, v.accuracy, v.samples]),
    [["pi1", 0.2, 10]],
  );
  // reflection words: "Wait" and "recheck" in 1 of 5 samples
  assert.deepEqual(reflectionMetrics([g], ["wait", "recheck"]), {
    "rollout/reflection_words": 2 / 5,
    "rollout/reflection_share": 1 / 5,
  });
});
