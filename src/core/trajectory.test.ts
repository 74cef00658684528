import assert from "node:assert/strict";
import { test } from "node:test";
import { checkTrajectoryGroup, groupCorrect, groupRewards, type TrajectoryGroup } from "./trajectory.js";

const group: TrajectoryGroup = {
  problemId: "p7",
  trajectories_G: [
    {
      promptTokens: [1, 2],
      completionTokens: [5, 6],
      samplingLogprobs_T: [-0.1, -0.2],
      reward: 1,
      correct: true,
      truncated: false,
    },
    {
      promptTokens: [1, 2],
      completionTokens: [9],
      samplingLogprobs_T: [-2],
      reward: 0.25,
      correct: false,
      truncated: true,
    },
  ],
};

test("group accessors", () => {
  assert.deepEqual(groupRewards(group), [1, 0.25]);
  assert.deepEqual(groupCorrect(group), [true, false]);
  checkTrajectoryGroup(group);
});

test("checkTrajectoryGroup names the bad sample", () => {
  const bad: TrajectoryGroup = {
    problemId: "p8",
    trajectories_G: [{ ...group.trajectories_G[0], samplingLogprobs_T: [-0.1] }],
  };
  assert.throws(
    () => checkTrajectoryGroup(bad),
    /trajectory 0 of problem "p8": 2 completion tokens but 1 sampling log-probs/,
  );
  const nan: TrajectoryGroup = {
    problemId: "p9",
    trajectories_G: [{ ...group.trajectories_G[1], reward: Number.NaN }],
  };
  assert.throws(() => checkTrajectoryGroup(nan), /reward is NaN/);
});
