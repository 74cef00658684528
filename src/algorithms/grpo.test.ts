// GRPO step on a scripted engine: the completions of each prompt are fixed, so rewards, advantages,
// datums (advantages, weights, reference log-probs) and the loss spec the engine receives are all
// hand-computable. Covers KL in the reward, entropy/clip-higher in the LossSpec, the ordinal diagnostics,
// and dynamic sampling's guarantee of a gradient whenever a group has variance.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Tokenizer } from "../engine/tokenizer/types.js";
import { SCRIPTED_LOSS_SUM, SCRIPTED_SAMPLING_LOGPROB, scriptedEngine } from "../engine/scriptedEngine.js";
import type { LossSpec, TrainingEngine } from "../engine/types.js";
import type { Problem, Task } from "../tasks/types.js";
import { type GrpoOptions, grpoStep, roundSamplingSeed } from "./grpo.js";
import { type PolicyLossOptions, policyLossSpec } from "./policyUpdate.js";

const EOS = 0;
/** Characters as ids (code + 1), 0 = end of turn. */
const tokenizer: Tokenizer = {
  vocabSize: 256,
  encode: (text) => [...text].map((c) => c.charCodeAt(0) + 1),
  decode: (ids) => ids.map((i) => (i === EOS ? "<eos>" : String.fromCharCode(i - 1))).join(""),
  eosTokenId: EOS,
  padTokenId: EOS,
  tokenToId: () => undefined,
  specialTokens: [],
};

/** Correct when the completion equals the gold; ordinal partial credit = completion / gold (numbers). */
const task: Task = {
  name: "scripted",
  problems: () => [],
  score: (problem, completion) => {
    const correct = completion === problem.gold;
    return {
      correct,
      reward: correct ? 1 : 0,
      ordinal: correct ? 1 : Math.min(0.9, Number(completion) / Number(problem.gold)),
      reason: "",
    };
  },
};

/** log π_ref of every token: with the scripted sampler's −1, k1 = 0.5 per token. */
const REF_LOGPROB = -1.5;

/** The scripted engine, sampling each question's completions (by question text) from `script`. */
const scripted = (script: Record<string, string[]>) =>
  scriptedEngine(tokenizer, (question) => script[question] ?? [], { referenceLogprob: REF_LOGPROB });

const problem = (question: string, gold: string): Problem => ({ id: question, question, gold });
const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-12, weightDecay: 0, gradClipNorm: 1 };

type OptionOverrides = Partial<Omit<GrpoOptions, "loss">> & { loss?: Partial<PolicyLossOptions> };

/** Elementwise equality within 1e-12. */
function near(xs: readonly number[] | undefined, ys: readonly number[]): void {
  assert.ok(xs?.length === ys.length && xs.every((x, t) => Math.abs(x - ys[t]) < 1e-12), `${xs} vs ${ys}`);
}

/** The KL coefficient of a policy loss spec (0 for other kinds). */
const klCoefOf = (loss: LossSpec) => (loss.kind === "policy" ? loss.klCoef : 0);

function options(over: OptionOverrides = {}): GrpoOptions {
  return {
    groupSize: 3,
    sampling: { maxTokens: 8, temperature: 1, topK: -1, topP: 1, seed: 11 },
    reward: "binary",
    advantage: { estimator: "grpo", scale: "group", rMinCorrect: 1 },
    updatesPerBatch: 1,
    microBatchSize: 32,
    ...over,
    loss: {
      policy: "ppo",
      clipLow: 0.2,
      clipHigh: 0.2,
      aggregation: "seq-mean-token-mean",
      kl: { coef: 0, estimator: "k3", mode: "in-loss" },
      entropyCoef: 0,
      ...over.loss,
    },
  };
}

test("policyLossSpec: relative ε → absolute ratio bounds, clip-higher, entropy bonus, KL only in the loss mode", () => {
  const base: PolicyLossOptions = {
    policy: "ppo",
    clipLow: 0.2,
    clipHigh: 0.28,
    aggregation: "token-mean",
    kl: { coef: 0.01, estimator: "k2", mode: "in-loss" },
    entropyCoef: 0.001,
  };
  assert.deepEqual(policyLossSpec(base), {
    kind: "policy",
    policy: "ppo",
    clipLow: 0.8,
    clipHigh: 1.28,
    klCoef: 0.01,
    klEstimator: "k2",
    entropyCoef: 0.001,
  });
  assert.equal(klCoefOf(policyLossSpec({ ...base, kl: { ...base.kl, mode: "in-reward" } })), 0);
});

test("grpoStep: rewards [1,0,0] → GRPO advantages on the completion tokens, seq-mean-token-mean weights", async () => {
  const { engine, log } = scripted({ Q: ["7", "12", "3"] });
  const r = await grpoStep(
    { engine, tokenizer, task, renderPrompt: (p) => p.question },
    [problem("Q", "7")],
    options({ loss: { clipHigh: 0.28, entropyCoef: 0.002 } }),
    ADAM,
  );
  // mean 1/3, std (n−1) = √(((2/3)² + 2·(1/3)²)/2) = √(1/3); Â = (R − 1/3)/(√(1/3) + 1e-6)
  const s = Math.sqrt(1 / 3) + 1e-6;
  const expected = [2 / 3 / s, -1 / 3 / s, -1 / 3 / s];
  near(r.advantages_PG[0], expected);
  assert.equal(log.forwardBackwards.length, 1);
  const { datums, loss } = log.forwardBackwards[0];
  assert.deepEqual(loss, {
    kind: "policy",
    policy: "ppo",
    clipLow: 0.8,
    clipHigh: 1.28,
    klCoef: 0,
    klEstimator: "k3",
    entropyCoef: 0.002,
  });
  // Prompt "Q" = 1 token; completion "12"+eos = 3 tokens → datum length 3, every position a completion token.
  // "7"+eos = 2 tokens. Weights 1/(N·|o_i|) with N = 3 sequences.
  assert.deepEqual(datums[1].inputTokens, [tokenizer.encode("Q")[0], ...tokenizer.encode("12")]);
  assert.deepEqual(datums[1].weights, [1 / 9, 1 / 9, 1 / 9]);
  assert.deepEqual(datums[0].weights, [1 / 6, 1 / 6]);
  // Each completion token carries its sequence's advantage.
  near(datums[0].advantages, [expected[0], expected[0]]);
  near(datums[1].advantages, [expected[1], expected[1], expected[1]]);
  assert.deepEqual(datums[0].samplingLogprobs, [SCRIPTED_SAMPLING_LOGPROB, SCRIPTED_SAMPLING_LOGPROB]);
  assert.equal(datums[0].refLogprobs, undefined, "no KL, no reference log-probs");
  assert.equal(log.optimSteps, 1);
  // Diagnostics: the failures have negative advantage; r_count = 1/2; r_loss = (Â₁·⅓)/(2·|Â₂|·⅓) = 1.
  assert.equal(r.metrics["advantage/failed_positive_share"], 0);
  assert.equal(r.metrics["advantage/r_count"], 0.5);
  assert.ok(Math.abs((r.metrics["advantage/r_loss"] ?? 0) - 1) < 1e-12);
  assert.equal(r.metrics["rollout/zero_variance_share"], 0);
  assert.equal(r.metrics["rollout/dynamic_sampling_rounds"], 1);
  assert.equal(r.metrics["optim/loss"], SCRIPTED_LOSS_SUM);
});

test("grpoStep: KL folded into the reward: R' = R − β Σ_t k1, advantages from R', no KL term in the loss", async () => {
  const { engine, log } = scripted({ Q: ["7", "12", "7"] });
  const r = await grpoStep(
    { engine, reference: engine, tokenizer, task, renderPrompt: (p) => p.question },
    [problem("Q", "7")],
    options({
      advantage: { estimator: "mean", scale: "none", rMinCorrect: 1 },
      loss: { kl: { coef: 0.1, estimator: "k1", mode: "in-reward" } },
    }),
    ADAM,
  );
  // k1 per token = log π − log π_ref = −1 − (−1.5) = 0.5; "7"+eos has 2 tokens, "12"+eos 3.
  // R' = [1 − 0.1·1, 0 − 0.1·1.5, 1 − 0.1·1] = [0.9, −0.15, 0.9]; mean 0.55; Â = [0.35, −0.7, 0.35].
  const expected = [0.35, -0.7, 0.35];
  near(r.advantages_PG[0], expected);
  const { datums, loss } = log.forwardBackwards[0];
  assert.equal(klCoefOf(loss), 0);
  assert.equal(datums[0].refLogprobs, undefined);
  // The logged reward is the task's, not the penalised one.
  assert.equal(r.metrics["rollout/reward_mean"], 2 / 3);
});

test("grpoStep: KL in the loss attaches the reference log-probs of the whole sequence", async () => {
  const { engine, log } = scripted({ Q: ["7", "12", "3"] });
  await grpoStep(
    { engine, reference: engine, tokenizer, task, renderPrompt: (p) => p.question },
    [problem("Q", "7")],
    options({ loss: { kl: { coef: 0.05, estimator: "k3", mode: "in-loss" } } }),
    ADAM,
  );
  const { datums, loss } = log.forwardBackwards[0];
  assert.equal(klCoefOf(loss), 0.05);
  assert.deepEqual(datums[1].refLogprobs, [REF_LOGPROB, REF_LOGPROB, REF_LOGPROB]);
});

test("grpoStep: ordinal rewards — GRPO gives failed rollouts positive advantage, CoRPO and static never", async () => {
  // Gold 10: "10" correct (1), "6" → 0.6, "0" → 0. Rewards [0, 0.6, 0.6, 1], mean 0.55.
  const script = { Q: ["0", "6", "6", "10"] };
  const ctx = (engine: TrainingEngine) => ({
    engine,
    tokenizer,
    task,
    renderPrompt: (p: Problem) => p.question,
  });
  const run = async (estimator: "grpo" | "corpo" | "static") =>
    grpoStep(
      ctx(scripted(script).engine),
      [problem("Q", "10")],
      options({
        groupSize: 4,
        reward: "ordinal",
        advantage: { estimator, scale: estimator === "grpo" ? "group" : "none", rMinCorrect: 1 },
      }),
      ADAM,
    );
  const grpo = await run("grpo");
  assert.equal(
    grpo.metrics["advantage/failed_positive_share"],
    0.5,
    "the two 0.6 failures are above the mean",
  );
  const corpo = await run("corpo");
  // Baseline max(1, 0.55) = 1: Â = [−1, −0.4, −0.4, 0].
  assert.deepEqual(
    corpo.advantages_PG[0].map((a) => Math.round(a * 1e12) / 1e12),
    [-1, -0.4, -0.4, 0],
  );
  assert.equal(corpo.metrics["advantage/failed_positive_share"], 0);
  assert.equal(corpo.metrics["advantage/r_count"], 0);
  assert.equal((await run("static")).metrics["advantage/failed_positive_share"], 0);
});

test("dynamic sampling: zero-variance groups are replaced from the stream and the step has a gradient", async () => {
  // A and B: all correct (zero variance); C mixed; D all wrong.
  const script = { A: ["1", "1", "1"], B: ["2", "2", "2"], C: ["3", "0", "0"], D: ["0", "0", "0"] };
  const { engine, log } = scripted(script);
  const stream = [problem("D", "4"), problem("C", "3")];
  const asked: { count: number; round: number }[] = [];
  const r = await grpoStep(
    { engine, tokenizer, task, renderPrompt: (p) => p.question },
    [problem("A", "1"), problem("B", "2")],
    options({ deadZone: { mode: "dynamic-sampling", maxRounds: 2 } }),
    ADAM,
    (count, round) => {
      asked.push({ count, round });
      return stream.splice(0, count);
    },
  );
  // Round 0: no variance → a whole batch (2) more: D (zero variance) and C (variance). Cap of 2 rounds reached
  // with 1 of 2 groups: train on C with a warning.
  assert.deepEqual(asked, [{ count: 2, round: 1 }]);
  assert.deepEqual(
    log.samples.map((c) => c.seed),
    [11, roundSamplingSeed(11, 1)],
  );
  assert.notEqual(roundSamplingSeed(11, 1), 11);
  assert.deepEqual(
    r.groups.map((g) => g.problem.id),
    ["C"],
  );
  assert.equal(r.sampledGroups.length, 4);
  assert.equal(log.forwardBackwards.length, 1, "a group has variance: the step has a gradient");
  assert.equal(log.forwardBackwards[0].datums.length, 3);
  assert.equal(log.optimSteps, 1);
  assert.equal(r.metrics["rollout/zero_variance_share"], 0.75);
  assert.equal(r.metrics["rollout/accuracy"], 7 / 12);
  assert.equal(r.metrics["rollout/dynamic_sampling_rounds"], 2);
  assert.equal(r.metrics["rollout/dynamic_sampling_capped"], 1);
  assert.equal(r.metrics["rollout/trained_groups"], 1);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /cap of 2 rounds with 1 of 2 groups/);
});

test("dynamic sampling: with no group with variance at the cap there is no update, and a warning", async () => {
  const { engine, log } = scripted({ A: ["1", "1", "1"], D: ["0", "0", "0"] });
  const r = await grpoStep(
    { engine, tokenizer, task, renderPrompt: (p) => p.question },
    [problem("A", "1")],
    options({ deadZone: { mode: "dynamic-sampling", maxRounds: 2 } }),
    ADAM,
    () => [problem("D", "4")],
  );
  assert.equal(log.forwardBackwards.length, 0);
  assert.equal(log.optimSteps, 0);
  assert.equal(r.metrics["rollout/trained_groups"], 0);
  assert.equal(r.metrics["advantage/mean"], null);
  assert.match(r.warnings[0], /no gradient/);
});

test("keep mode: zero-variance groups are trained on as GRPO writes it (zero advantage) and counted", async () => {
  const { engine, log } = scripted({ A: ["1", "1", "1"], C: ["3", "0", "0"] });
  const r = await grpoStep(
    { engine, tokenizer, task, renderPrompt: (p) => p.question },
    [problem("A", "1"), problem("C", "3")],
    options(),
    ADAM,
  );
  assert.equal(r.metrics["rollout/zero_variance_share"], 0.5);
  assert.deepEqual(r.advantages_PG[0], [0, 0, 0]);
  assert.equal(log.forwardBackwards[0].datums.length, 6);
  assert.equal(r.metrics["rollout/dynamic_sampling_capped"], 0);
});
