import assert from "node:assert/strict";
import { test } from "node:test";
import { extractionOf, groupSamples, lineMayMatch, outcomeShort, recordMatches } from "./sampleView.js";

const l1 = (i: number, correct: boolean) => ({
  step: 3,
  problem_id: "arith:1+1",
  question: "Compute 1+1.",
  gold: "2",
  completion: correct ? "<think>1+1=2</think>\\boxed{2}" : "\\boxed{3}",
  reward: correct ? 1 : 0,
  correct,
  truncated: false,
  advantage: correct ? 0.5 : -0.5,
  reason: correct ? "correct" : `wrong: 3 ≠ 2 (${i})`,
});
const l2 = (attempt: string, outcome: string, correct: boolean) => ({
  step: 3,
  layer: 2,
  problem_id: "arith:1+1",
  question: "Compute 1+1.",
  gold: "2",
  attempt,
  attempt_correct: attempt.includes("{2}"),
  guide_phrase: "Let me check.",
  completion: correct ? "\\boxed{2}" : "no answer",
  reward: correct ? 1 : 0,
  correct,
  truncated: false,
  outcome,
  kept: true,
  advantage: 0.25,
  reason: "r",
});

test("groupSamples: a prompt's G completions and its correction groups with their H corrections", () => {
  const records = [
    l1(0, true),
    l1(1, false),
    l2("\\boxed{3}", "successful-correction", true),
    l2("\\boxed{3}", "failed-correction", false),
    l2("\\boxed{2}", "failed-confirmation", false),
  ];
  const [p, ...rest] = groupSamples(records, "arith");
  assert.equal(rest.length, 0);
  assert.equal(p.question, "Compute 1+1.");
  assert.equal(p.completions.length, 2);
  assert.deepEqual(p.completions[0].extraction, { answer: "2", how: "boxed" });
  assert.equal(p.completions[1].advantage, -0.5);
  assert.deepEqual(
    p.correctionGroups.map((g) => [g.attempt, g.attemptCorrect, g.corrections.map((c) => c.outcome)]),
    [
      ["\\boxed{3}", false, ["i→c", "i→i"]],
      ["\\boxed{2}", true, ["c→i"]],
    ],
  );
  assert.deepEqual(
    p.correctionGroups[1].corrections.map((c) => c.index),
    [4],
  );
});

test("extractionOf: arithmetic takes only \\boxed; math tasks every method", () => {
  assert.deepEqual(extractionOf("so it is 42", "arith"), { answer: null, how: "no answer found" });
  assert.deepEqual(extractionOf("so it is 42", "math500"), { answer: "42", how: "last-number" });
  assert.equal(extractionOf(undefined, "arith"), null);
});

test("recordMatches and lineMayMatch: text in a text field (any case), outcome filter", () => {
  const r = l2("\\boxed{3}", "successful-correction", true);
  assert.equal(recordMatches(r, "LET ME", ""), true);
  assert.equal(recordMatches(r, "\\boxed{3}", "i2c"), true);
  assert.equal(recordMatches(r, "", "c2i"), false);
  assert.equal(recordMatches(r, "", "correct"), true);
  assert.equal(recordMatches(l1(0, false), "", "wrong"), true);
  assert.equal(recordMatches(l1(0, false), "", "i2c"), false);
  assert.equal(recordMatches(r, "step", ""), false, "keys are not searched");
  const line = JSON.stringify(r).toLowerCase();
  assert.equal(lineMayMatch(line, "\\boxed{3}", "i2c"), true);
  assert.equal(lineMayMatch(line, "absent", ""), false);
  assert.equal(lineMayMatch(line, "", "c2i"), false);
  assert.equal(outcomeShort("failed-confirmation"), "c→i");
  assert.equal(outcomeShort("other"), null);
});
