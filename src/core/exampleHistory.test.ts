import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ExampleVisit,
  randomExamples,
  rankByVariance,
  variance,
  visitsOfStep,
} from "./exampleHistory.js";

const visit = (step: number, id: string, accuracy: number): ExampleVisit => ({
  step,
  id,
  question: `q${id}`,
  gold: `g${id}`,
  accuracy,
  samples: 8,
});

test("visitsOfStep merges duplicates of one example in a batch", () => {
  const v = visitsOfStep(3, [
    { id: "a", question: "qa", gold: "1", correct_G: [true, false] },
    { id: "b", question: "qb", gold: "2", correct_G: [false, false] },
    { id: "a", question: "qa", gold: "1", correct_G: [true, true] },
  ]);
  // a: 3 right of 4 = 0.75; b: 0 of 2
  assert.deepEqual(v, [
    { step: 3, id: "a", question: "qa", gold: "1", accuracy: 0.75, samples: 4 },
    { step: 3, id: "b", question: "qb", gold: "2", accuracy: 0, samples: 2 },
  ]);
});

test("variance is the population variance", () => {
  // mean 0.5; deviations ±0.5 → 0.25
  assert.equal(variance([0, 1, 0, 1]), 0.25);
  assert.equal(variance([]), 0);
});

test("rankByVariance on a hand-built history", () => {
  const history = [
    // a: 0, 0.5, 1 → mean 0.5, Var = (0.25 + 0 + 0.25)/3 = 1/6
    visit(1, "a", 0),
    visit(2, "a", 0.5),
    visit(3, "a", 1),
    // b: 1, 1, 1 → 0 (always solved)
    visit(1, "b", 1),
    visit(2, "b", 1),
    visit(3, "b", 1),
    // c: 0, 1 → 0.25
    visit(2, "c", 0),
    visit(4, "c", 1),
    // d: one visit only → left out
    visit(4, "d", 0.5),
  ];
  const ranked = rankByVariance(history, 3);
  assert.deepEqual(
    ranked.map((e) => e.id),
    ["c", "a", "b"],
  );
  assert.equal(ranked[0].score, 0.25);
  assert.ok(Math.abs(ranked[1].score - 1 / 6) < 1e-12);
  assert.deepEqual(ranked[0], { id: "c", prompt: "qc", answer: "gc", score: 0.25 });
  assert.deepEqual(
    rankByVariance(history, 1).map((e) => e.id),
    ["c"],
  );
  // steps out of order in the file do not change the history
  assert.deepEqual(rankByVariance([...history].reverse(), 3), ranked);
});

test("randomExamples is seeded and draws distinct examples", () => {
  const history = ["a", "b", "c", "d", "e"].map((id, i) => visit(i, id, 0.5));
  const one = randomExamples(history, 3, 7);
  assert.deepEqual(one, randomExamples([...history].reverse(), 3, 7));
  assert.equal(new Set(one.map((e) => e.id)).size, 3);
  assert.notDeepEqual(
    [0, 1, 2, 3, 4, 5].map((s) => randomExamples(history, 1, s)[0].id),
    ["a", "a", "a", "a", "a", "a"],
  );
});
