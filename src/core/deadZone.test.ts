import assert from "node:assert/strict";
import { test } from "node:test";
import { DifficultyFilter, isZeroVariance, planDynamicSampling } from "./deadZone.js";

test("isZeroVariance", () => {
  assert.equal(isZeroVariance([1, 1, 1]), true);
  assert.equal(isZeroVariance([0.5]), true);
  assert.equal(isZeroVariance([]), true);
  assert.equal(isZeroVariance([1, 1, 0]), false);
  assert.equal(isZeroVariance([-0.5, -0.5]), true);
});

const groups = [
  [1, 1], // 0: zero variance
  [0, 1], // 1
  [0, 0], // 2: zero variance
  [0.5, 1], // 3
  [1, 0], // 4
];

test("dynamic sampling: trains on the first targetGroups groups with variance", () => {
  const plan = planDynamicSampling(groups, 1, { targetGroups: 2, maxRounds: 3 });
  assert.deepEqual(plan, {
    action: "train",
    keep: [1, 3],
    droppedZeroVariance: 2,
    surplus: 1,
    capReached: false,
    warning: null,
  });
});

test("dynamic sampling: asks for more below target while rounds remain", () => {
  const plan = planDynamicSampling(groups, 2, { targetGroups: 5, maxRounds: 3 });
  // 3 groups with variance of 5 wanted → 2 more
  assert.deepEqual(plan, { action: "sample-more", keep: [1, 3, 4], needed: 2, droppedZeroVariance: 2 });
});

test("dynamic sampling: stops at the cap with a warning, keeping every group with variance", () => {
  const plan = planDynamicSampling(groups, 3, { targetGroups: 5, maxRounds: 3 });
  assert.equal(plan.action, "train");
  if (plan.action !== "train") return;
  assert.deepEqual(plan.keep, [1, 3, 4]);
  assert.equal(plan.capReached, true);
  assert.match(plan.warning ?? "", /cap of 3 rounds with 3 of 5 groups/);
  const empty = planDynamicSampling([[1, 1]], 1, { targetGroups: 1, maxRounds: 1 });
  assert.ok(empty.action === "train" && empty.capReached && /no gradient/.test(empty.warning ?? ""));
  assert.throws(() => planDynamicSampling(groups, 0, { targetGroups: 1, maxRounds: 1 }), /roundsDone/);
});

test("difficulty filter: strict bounds, unseen prompts kept, bounded window", () => {
  const f = new DifficultyFilter({ window: 3 });
  assert.equal(f.keep("new"), true);
  f.record("solved", 1);
  f.record("solved", 1);
  assert.equal(f.keep("solved"), false); // rate 1, not < 1
  f.record("never", 0);
  assert.equal(f.keep("never"), false); // rate 0, not > 0
  // window 3: 1,1,1,0 → remembers [1,1,0] → rate 2/3, kept
  for (const r of [1, 1, 1, 0]) f.record("mixed", r);
  assert.equal(f.rate("mixed"), 2 / 3);
  assert.equal(f.keep("mixed"), true);
  assert.deepEqual(f.toJSON().history["mixed"], [1, 1, 0]);
  const g = new DifficultyFilter({ lo: 0.25, hi: 0.75, window: 2 });
  g.record("edge", 0.25);
  assert.equal(g.keep("edge"), false); // 0.25 is not > 0.25
  g.record("edge", 0.75);
  assert.equal(g.keep("edge"), true); // (0.25 + 0.75)/2 = 0.5
  assert.throws(() => g.record("x", 1.5), /must be in \[0, 1\]/);
  assert.throws(() => new DifficultyFilter({ lo: 1, hi: 0 }), /lo < hi/);
});

test("difficulty filter round-trips through JSON with the same decisions", () => {
  const f = new DifficultyFilter({ lo: 0.1, hi: 0.9, window: 2 });
  f.record("a", 0.5);
  f.record("b", 1);
  f.record("b", 0.875);
  const g = DifficultyFilter.fromJSON(JSON.parse(JSON.stringify(f)));
  assert.deepEqual(g.toJSON(), f.toJSON());
  for (const id of ["a", "b", "unseen"]) assert.equal(g.keep(id), f.keep(id));
  // b: (1 + 0.875)/2 = 0.9375 ≥ 0.9 → dropped
  assert.equal(g.keep("b"), false);
  assert.throws(() => DifficultyFilter.fromJSON({ version: 2 }), /unsupported version 2/);
  assert.throws(
    () => DifficultyFilter.fromJSON({ version: 1, lo: 0, hi: 1, window: 2, history: { a: 3 } }),
    /history\["a"\]/,
  );
});
