// PPO on the scripted engine (a constant critic V = 0.5): GAE advantages and value targets by hand, the
// KL in the reward, minibatch epochs (one optimizer step per minibatch, policy and value loss each).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { scriptedEngine } from "../engine/scriptedEngine.js";
import { renderPrompt } from "../tasks/chatTemplate.js";
import { getTask } from "../tasks/registry.js";
import type { Problem } from "../tasks/types.js";
import { clippedValueLossAt, minibatchOrder, type PpoOptions, ppoStep } from "./ppo.js";

const tok = new CharTokenizer();
const A: Problem = { id: "a", question: "Compute 2+3.", gold: "5" };
const B: Problem = { id: "b", question: "Compute 1+3.", gold: "4" };
/** Completion 0 right, 1 wrong, for each prompt. */
const script = (prompt: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    i === 0 ? `\\boxed{${prompt.includes("2+3") ? 5 : 4}}` : "\\boxed{9}",
  );
const adam = { learningRate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, gradClipNorm: 1 };
const options: PpoOptions = {
  groupSize: 2,
  sampling: { temperature: 1, topK: -1, topP: 1, maxTokens: 40, seed: 3 },
  reward: "binary",
  gamma: 1,
  lambda: 1,
  kl: { coef: 0, estimator: "k1" },
  clipLow: 0.2,
  clipHigh: 0.2,
  valueClip: 0.2,
  valueScale: 10,
  valueCoef: 0.1,
  entropyCoef: 0,
  epochs: 2,
  minibatches: 2,
  whitenAdvantages: false,
  aggregation: "token-mean",
  microBatchSize: 8,
};
const ctxOf = (engine: ReturnType<typeof scriptedEngine>["engine"]) => ({
  engine,
  tokenizer: tok,
  task: getTask("arith"),
  renderPrompt: (p: Problem) => renderPrompt(p.question),
});

test("ppo: GAE with γ = λ = 1 against a constant critic, minibatch epochs", async () => {
  const { engine, log } = scriptedEngine(tok, script);
  const r = await ppoStep(ctxOf(engine), [A, B], options, adam);
  // 2 epochs × 2 minibatches: 4 optimizer steps, each after one forwardBackward of policy and critic
  assert.equal(log.optimSteps, 4);
  assert.deepEqual(
    log.kinds.filter((k) => k !== "sample"),
    Array.from({ length: 4 }, () => ["forwardBackward", "optimStep"]).flat(),
  );
  const fbs = log.forwardBackwards;
  assert.deepEqual(fbs[0].loss, {
    kind: "policy",
    policy: "ppo",
    clipLow: 0.8,
    clipHigh: 1.2,
    klCoef: 0,
    klEstimator: "k1",
    entropyCoef: 0,
    valueCoef: 0.1,
    valueClip: 0.2,
    valueScale: 10,
  });
  // V = 0.5 everywhere; R = 1 on the last token of a right completion, 0 otherwise; γ = λ = 1:
  // Â_t = R − V_t = ±0.5 on every token, value targets R_t = Â_t + V_t = 1 or 0
  for (const c of fbs) {
    for (const d of c.datums) {
      const on = d.weights
        .map((w, t) => [w, t] as const)
        .filter(([w]) => w > 0)
        .map(([, t]) => t);
      const a = on.map((t) => d.advantages![t]);
      assert.ok(a.every((x) => x === a[0]) && Math.abs(Math.abs(a[0]) - 0.5) < 1e-12, `${a}`);
      const ret = on.map((t) => d.returns![t]);
      assert.ok(ret.every((x) => x === ret[0]) && (ret[0] === 1 || ret[0] === 0), `${ret}`);
      assert.ok(on.every((t) => d.oldValues![t] === 0.5));
      // a right completion (advantage > 0) has the value target 1
      assert.equal(a[0] > 0, ret[0] === 1);
    }
  }
  // each minibatch holds 2 of the 4 sequences; over an epoch every sequence is trained once
  assert.deepEqual(
    fbs.map((c) => c.datums.length),
    [2, 2, 2, 2],
  );
  // the critic still says 0.5 when it trains: ½·0.25 at every token, in every minibatch
  assert.ok(Math.abs(Number(r.metrics["ppo/value_loss_trained"]) - 0.125) < 1e-12);
  // ½·(0.5 − R)² = 0.125 at every token; R − V = ±0.5 has the variance of R: explained variance 0
  assert.equal(r.metrics["ppo/value_loss"], 0.125);
  assert.equal(r.metrics["ppo/explained_variance"], 0);
  assert.equal(r.metrics["ppo/value_mean"], 0.5);
  assert.equal(r.metrics["rollout/accuracy"], 0.5);
  assert.equal(r.metrics["optim/updates"], 4);
  assert.deepEqual(r.advantages_PG, [
    [0.5, -0.5],
    [0.5, -0.5],
  ]);
});

test("ppo: the KL to the reference is in the per-token reward", async () => {
  // sampler log-prob −1 for every token, reference −1.5: k1 = 0.5 per token, β = 0.2 → r_t = −0.1 (+R at the end)
  const { engine } = scriptedEngine(tok, script, { referenceLogprob: -1.5 });
  const { engine: reference } = scriptedEngine(tok, script, { referenceLogprob: -1.5 });
  const r = await ppoStep(
    { ...ctxOf(engine), reference },
    [A],
    { ...options, kl: { coef: 0.2, estimator: "k1" }, epochs: 1, minibatches: 1 },
    adam,
  );
  assert.ok(Math.abs(Number(r.metrics["ppo/kl_reward"]) + 0.1) < 1e-12);
  await assert.rejects(
    ppoStep(ctxOf(engine), [A], { ...options, kl: { coef: 0.2, estimator: "k1" } }, adam),
    /needs the reference/,
  );
});

test("minibatchOrder: a seeded partition of the batch", () => {
  const mbs = minibatchOrder(5, 2, 7, 0);
  assert.deepEqual(
    mbs.map((m) => m.length),
    [2, 3],
  );
  assert.deepEqual([...mbs.flat()].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(minibatchOrder(5, 2, 7, 0), mbs);
  assert.notDeepEqual(minibatchOrder(5, 2, 7, 1), minibatchOrder(5, 2, 7, 2));
  assert.equal(minibatchOrder(1, 4, 0, 0).length, 1);
});

test("clippedValueLossAt by hand", () => {
  // V = 0.9, R = 1, V_old = 0.5, ε = 0.2: unclipped 0.01, clipped V = 0.7 → 0.09; ½·max = 0.045
  assert.ok(Math.abs(clippedValueLossAt(0.9, 1, 0.5, 0.2) - 0.045) < 1e-12);
  // ε = 0: ½·0.01
  assert.ok(Math.abs(clippedValueLossAt(0.9, 1, 0.5, 0) - 0.005) < 1e-12);
});
