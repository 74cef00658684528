import assert from "node:assert/strict";
import { test } from "node:test";
import { decimate } from "./decimate.js";

test("decimate: every finite point when they fit; NaN (missing) points are left out", () => {
  assert.deepEqual(decimate([1, 2, 3, 4], [0.5, Number.NaN, 0.7, 0.8], 10), {
    x: [1, 3, 4],
    y: [0.5, 0.7, 0.8],
  });
});

test("decimate: min and max of each bucket, in step order; a single spike survives", () => {
  const n = 100_000;
  const x = Array.from({ length: n }, (_, i) => i + 1);
  const y = x.map((s) => (s === 54_321 ? 50 : Math.sin(s / 1000)));
  const d = decimate(x, y, 1000);
  assert.ok(d.x.length <= 1000 && d.x.length >= 990, `${d.x.length} points`);
  assert.ok(d.x.includes(54_321) && Math.max(...d.y) === 50);
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1], "steps increase");
  // 8 points into 2 buckets of 4: [3,1,4,1] keeps 1 (first min) and 4; [5,9,2,6] keeps 9 and 2.
  assert.deepEqual(decimate([1, 2, 3, 4, 5, 6, 7, 8], [3, 1, 4, 1, 5, 9, 2, 6], 4), {
    x: [2, 3, 6, 7],
    y: [1, 4, 9, 2],
  });
});
