import assert from "node:assert/strict";
import { test } from "node:test";
import { StepColumns } from "./stepColumns.js";

test("StepColumns: columns per key, NaN where a step has none; non-numbers counted and skipped", () => {
  const c = new StepColumns();
  c.append({ step: 1, a: 0.5, b: null });
  c.append({ step: 2, a: 0.6, c: 3, s: "text" });
  for (let s = 3; s <= 1000; s++) c.append({ step: s, a: s / 1000 });
  assert.equal(c.length, 1000);
  assert.deepEqual(c.keys().sort(), ["a", "b", "c"]);
  assert.deepEqual(c.series("c", 5000), { x: [2], y: [3] });
  assert.deepEqual(c.series("b", 5000), { x: [], y: [] });
  assert.equal(c.series("a", 5000).x.length, 1000);
  assert.equal(c.series("nope", 10).x.length, 0);
  assert.deepEqual([...c.nonNumeric], [["s", 1]]);
  assert.equal(c.lastStep, 1000);
});

test("StepColumns: a record at an earlier step replaces the rows from that step on (a resumed timings.jsonl)", () => {
  const c = new StepColumns();
  for (let s = 1; s <= 10; s++) c.append({ step: s, t: s });
  assert.equal(c.append({ step: 6, t: 60 }), true);
  assert.equal(c.append({ step: 7, t: 70 }), false);
  // steps 1..5 kept, then 6 and 7 from the resumed run: 7 rows, 5 replaced (steps 6..10).
  assert.deepEqual([...c.steps], [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(c.series("t", 100).y, [1, 2, 3, 4, 5, 60, 70]);
  assert.equal(c.replacedRows, 5);
  assert.equal(c.indexOfStep(6), 5);
});
