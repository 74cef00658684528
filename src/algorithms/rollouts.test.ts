import assert from "node:assert/strict";
import { test } from "node:test";
import { rolloutMetrics } from "../core/metrics.js";
import type { Problem, Task } from "../tasks/types.js";
import { scoreCompletion } from "./rollouts.js";

const problem: Problem = { id: "p", question: "1+1", gold: "2" };

/** A verifier that answers "ok" synchronously, "async" after a tick, throws on "throw", never answers "hang". */
const task: Task = {
  name: "faulty",
  problems: () => [problem],
  score: (_p, completion) => {
    if (completion === "throw") throw new Error("parser crashed");
    if (completion === "hang") return new Promise(() => {});
    if (completion === "async") return Promise.resolve({ reward: 1, correct: true, reason: "correct" });
    return { reward: 1, correct: true, reason: "correct" };
  },
};

test("scoreCompletion: sync and async verdicts; a throw or a timeout marks the sample instead of stopping the run", async () => {
  assert.deepEqual(await scoreCompletion(task, problem, "ok", false, "binary"), {
    reward: 1,
    correct: true,
    reason: "correct",
  });
  assert.equal((await scoreCompletion(task, problem, "async", false, "binary")).reward, 1);
  assert.deepEqual(await scoreCompletion(task, problem, "throw", false, "binary"), {
    reward: 0,
    correct: false,
    reason: "verifier error: parser crashed",
    rewardError: "parser crashed",
  });
  const t0 = Date.now();
  const hung = await scoreCompletion(task, problem, "hang", false, "binary", 50);
  assert.ok(Date.now() - t0 < 5000);
  assert.deepEqual(hung, {
    reward: 0,
    correct: false,
    reason: "verifier error: timed out after 0.05 s",
    rewardError: "timed out after 0.05 s",
  });
});

test("rolloutMetrics counts the samples whose verifier failed", () => {
  const s = (rewardError?: string) => ({
    reward: 0,
    correct: false,
    truncated: false,
    completionTokens: [1],
    rewardError,
  });
  const m = rolloutMetrics([s(), s("timed out"), s("crashed")], "rollout");
  assert.equal(m["rollout/reward_errors"], 2);
  assert.equal(m["rollout/samples"], 3);
});
