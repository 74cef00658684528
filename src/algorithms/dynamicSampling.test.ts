import assert from "node:assert/strict";
import { test } from "node:test";
import type { Problem } from "../tasks/types.js";
import { dynamicSample, nextRoundSize } from "./dynamicSampling.js";

const problem = (id: string): Problem => ({ id, question: id, gold: "0" });

/** Groups whose rewards are given per problem id; the stream yields s0, s1, … and records its calls. */
function sources(rewardsById: Record<string, number[]>, streamLength = 1000) {
  let cursor = 0;
  const calls: { count: number; round: number }[] = [];
  const sampleRounds: number[] = [];
  return {
    calls,
    sampleRounds,
    sample: async (problems: readonly Problem[], round: number) => {
      sampleRounds.push(round);
      return problems.map((p) => ({ id: p.id, rewards_G: rewardsById[p.id] ?? [0, 0] }));
    },
    rewardsOf: (g: { rewards_G: number[] }) => g.rewards_G,
    moreProblems: (count: number, round: number) => {
      calls.push({ count, round });
      const out: Problem[] = [];
      for (let j = 0; j < count && cursor < streamLength; j++) out.push(problem(`s${cursor++}`));
      return out;
    },
  };
}

test("nextRoundSize: missing groups over the share with variance, between needed and one batch", () => {
  assert.equal(nextRoundSize(1, 4, 3, 4), 2); // ⌈1·4/3⌉ = 2
  assert.equal(nextRoundSize(3, 4, 1, 4), 4); // ⌈3·4/1⌉ = 12, capped at the batch of 4
  assert.equal(nextRoundSize(2, 8, 6, 8), 3); // ⌈2·8/6⌉ = 3
  assert.equal(nextRoundSize(2, 8, 0, 8), 8); // no variance seen yet: a whole batch
});

test("dynamicSample: a full first round trains at once on the first targetGroups groups", async () => {
  const s = sources({ a: [0, 1], b: [1, 0], c: [0, 1] });
  const r = await dynamicSample([problem("a"), problem("b"), problem("c")], s, {
    targetGroups: 2,
    maxRounds: 3,
  });
  assert.deepEqual(
    r.kept.map((g) => g.id),
    ["a", "b"],
  );
  assert.equal(r.rounds, 1);
  assert.equal(r.capped, false);
  assert.equal(r.warning, null);
  assert.deepEqual(s.calls, []);
});

test("dynamicSample: zero-variance groups are dropped and replaced from the stream", async () => {
  // Round 0: a has variance, b and c not (3 sampled, 1 with variance, 2 missing → ⌈2·3/1⌉ = 6 → batch 3).
  // Round 1: s0 zero variance, s1 variance, s2 variance → 3 with variance ≥ 3: train on a, s1, s2.
  const s = sources({ a: [0, 1], b: [1, 1], c: [0, 0], s1: [0.5, 0], s2: [0, 0.2], s3: [1, 0] });
  const r = await dynamicSample([problem("a"), problem("b"), problem("c")], s, {
    targetGroups: 3,
    maxRounds: 5,
  });
  assert.deepEqual(s.calls, [{ count: 3, round: 1 }]);
  assert.deepEqual(s.sampleRounds, [0, 1]);
  assert.deepEqual(
    r.kept.map((g) => g.id),
    ["a", "s1", "s2"],
  );
  assert.deepEqual(
    r.sampled.map((g) => g.id),
    ["a", "b", "c", "s0", "s1", "s2"],
  );
  assert.equal(r.rounds, 2);
  assert.equal(r.droppedZeroVariance, 3);
  assert.equal(r.capped, false);
});

test("dynamicSample: stops at the round cap with a warning, keeping every group with variance", async () => {
  // Only s3 has variance; the cap of 3 rounds stops sampling (rounds: initial, s0–s1, s2–s3).
  const s = sources({ a: [1, 1], b: [0, 0], s3: [0, 1] });
  const r = await dynamicSample([problem("a"), problem("b")], s, { targetGroups: 2, maxRounds: 3 });
  assert.equal(r.rounds, 3);
  assert.equal(r.capped, true);
  assert.match(r.warning ?? "", /cap of 3 rounds with 1 of 2 groups/);
  assert.deepEqual(
    r.kept.map((g) => g.id),
    ["s3"],
    "the one group with variance is trained on: never a step without gradient",
  );
  assert.equal(r.sampled.length, 6);
});

test("dynamicSample: with no group with variance at the cap the warning says the step has no gradient", async () => {
  const s = sources({});
  const r = await dynamicSample([problem("a")], s, { targetGroups: 1, maxRounds: 2 });
  assert.equal(r.kept.length, 0);
  assert.equal(r.rounds, 2);
  assert.match(r.warning ?? "", /no gradient/);
});

test("dynamicSample: an exhausted stream stops sampling with a warning", async () => {
  const s = sources({ a: [0, 1], s0: [0, 1] }, 1);
  const r = await dynamicSample([problem("a"), problem("b")], s, { targetGroups: 3, maxRounds: 10 });
  assert.deepEqual(
    r.kept.map((g) => g.id),
    ["a", "s0"],
  );
  assert.equal(r.capped, true);
  assert.match(r.warning ?? "", /no more problems/);
});
