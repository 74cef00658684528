// MGRPO step with a scripted engine: layer-2 prompts (both renderings, seeded guide phrases), selection
// of hand-built outcomes (all four cases), advantages and weights of the layer-2 datums, metrics, and the
// order of engine calls in the sequential and combined orders.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { SCRIPTED_LOSS_SUM, scriptedEngine } from "../engine/scriptedEngine.js";
import { getTask } from "../tasks/registry.js";
import { renderPrompt } from "../tasks/chatTemplate.js";
import {
  type CorrectionRendering,
  type ModelChatFormat,
  renderCorrectionQuery,
} from "../tasks/correctionPrompt.js";
import type { Problem } from "../tasks/types.js";
import { selectLayer2Group } from "../core/mgrpoSelection.js";
import { type CorrectionGroup, guidePhraseFor } from "./correctionRollouts.js";
import { layer2Datums, type MgrpoOptions, mgrpoStep } from "./mgrpo.js";

const tok = new CharTokenizer();
const A: Problem = { id: "a", question: "Compute 2+3.", gold: "5" };
const B: Problem = { id: "b", question: "Compute 3+4.", gold: "7" };
const RIGHT_A = "<think>2+3=5</think>\\boxed{5}";
const WRONG_A = "<think>2+3=6</think>\\boxed{6}";
const RIGHT_B = "<think>3+4=7</think>\\boxed{7}";
const WRONG_B = "<think>3+4=8</think>\\boxed{8}";
const POOL = ["Check it.", "Look again:"];

/**
 * Layer 1: each problem's 2 attempts are [right, wrong]. Layer 2 (H = 2), by attempt:
 * A right → [R, W] (kept), A wrong → [R, W] (kept), B right → [W, W] (discarded: right-then-all-wrong),
 * B wrong → [W, W] (discarded: wrong-then-all-wrong).
 */
function layer2Answers(prompt: string): [string, string] {
  if (prompt.includes("2+3=")) return ["5", "9"];
  return ["9", "9"];
}

function script(prompt: string, n: number): string[] {
  if (!prompt.includes("<think>")) {
    const [r, w] = prompt.includes("2+3") ? [RIGHT_A, WRONG_A] : [RIGHT_B, WRONG_B];
    return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? r : w));
  }
  const answers = layer2Answers(prompt);
  return Array.from({ length: n }, (_, h) => `ok</think>\\boxed{${answers[h % 2]}}`);
}

function options(order: "sequential" | "combined", rendering: CorrectionRendering): MgrpoOptions {
  return {
    groupSize: 2,
    sampling: { temperature: 1, topK: -1, topP: 1, maxTokens: 40, seed: 11 },
    reward: "binary",
    advantage: { estimator: "grpo", scale: "group", rMinCorrect: 1 },
    loss: {
      policy: "ppo",
      clipLow: 0.2,
      clipHigh: 0.2,
      aggregation: "seq-mean-token-mean",
      kl: { coef: 0, estimator: "k3", mode: "in-loss" },
      entropyCoef: 0,
    },
    updatesPerBatch: 1,
    microBatchSize: 64,
    mgrpo: {
      layer2Group: 2,
      guidePhrases: POOL,
      rendering,
      order,
      discardRightThenAllWrong: true,
      normalization: "paper",
      dropZeroAdvantageGroups: false,
    },
  };
}

async function run(
  order: "sequential" | "combined",
  rendering: CorrectionRendering,
  kl?: MgrpoOptions["loss"]["kl"],
  normalization: MgrpoOptions["mgrpo"]["normalization"] = "paper",
  modelChat?: ModelChatFormat,
) {
  const refCalls: number[][][] = [];
  const reference = scriptedEngine(tok, script).engine;
  // log π_ref = −2 on every token: with sampling log-probs −1, k1 = 1 per token
  reference.computeLogprobs = async (sequences) => {
    refCalls.push(sequences);
    return sequences.map((s) => s.slice(1).map(() => -2));
  };
  const { engine, log } = scriptedEngine(tok, script);
  const o = options(order, rendering);
  if (kl) o.loss = { ...o.loss, kl };
  o.mgrpo.normalization = normalization;
  const ctx = {
    reference,
    engine,
    tokenizer: tok,
    task: getTask("arith"),
    renderPrompt: (p: Problem) => renderPrompt(p.question),
    modelChat,
  };
  const adam = { learningRate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, gradClipNorm: 1 };
  const result = await mgrpoStep(ctx, [A, B], o, adam);
  return { log, result, refCalls };
}

for (const rendering of ["continue-think", "new-turn"] as const) {
  test(`mgrpo: layer-2 prompts are the ${rendering} correction queries with seeded guide phrases`, async () => {
    const samples = (await run("sequential", rendering)).log.samples;
    assert.equal(samples.length, 2, "one sampling call per layer");
    const attempts = [
      [A, RIGHT_A],
      [A, WRONG_A],
      [B, RIGHT_B],
      [B, WRONG_B],
    ] as const;
    const expected = attempts.map(([p, text], k) =>
      renderCorrectionQuery(p.question, text, guidePhraseFor(11, Math.floor(k / 2), k % 2, POOL), {
        rendering,
      }),
    );
    assert.deepEqual(samples[1].prompts, expected);
    if (rendering === "continue-think") {
      assert.ok(expected[0].endsWith("2+3=5\nCheck it.\n") || expected[0].endsWith("2+3=5\nLook again:\n"));
    } else {
      assert.ok(expected[0].endsWith("<|im_start|>assistant\n"));
      assert.ok(expected[0].includes("\\boxed{5}<|im_end|>"));
    }
  });
}

test("mgrpo: with the model's own chat template, layer-2 queries are rendered in it", async () => {
  const modelChat = {
    template:
      "{% for m in messages %}[{{ m.role }}]{{ m.content }}<end>{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}",
    variables: {},
    endOfTurn: ["<end>"],
  };
  const samples = (await run("sequential", "new-turn", undefined, "paper", modelChat)).log.samples;
  const phrase = guidePhraseFor(11, 0, 0, POOL);
  assert.equal(
    samples[1].prompts[0],
    `[user]Compute 2+3.<end>[assistant]${RIGHT_A}<end>[user]${phrase}<end>[assistant]`,
  );
});

test("mgrpo: guide phrases are a pure function of (seed, prompt, attempt) and cover the pool", () => {
  const draws = Array.from({ length: 40 }, (_, i) => guidePhraseFor(5, i, 0, POOL));
  assert.deepEqual(
    draws,
    Array.from({ length: 40 }, (_, i) => guidePhraseFor(5, i, 0, POOL)),
  );
  assert.deepEqual(new Set(draws), new Set(POOL));
});

test("mgrpo: selection of the four cases, layer-2 advantages, weights and metrics", async () => {
  const { log, result } = await run("sequential", "continue-think");
  assert.deepEqual(
    result.selection.map((s) => (s.kept ? "kept" : s.reason)),
    ["kept", "kept", "right-then-all-wrong", "wrong-then-all-wrong"],
  );
  // Kept groups [R, W]: GRPO advantages ±1/√2 (std with n−1 of {1, 0}); discarded groups 0.
  const a = 0.5 / (Math.SQRT1_2 + 1e-6);
  assert.ok(Math.abs(result.layer2Advantages_JH[0][0] - a) < 1e-9);
  assert.ok(Math.abs(result.layer2Advantages_JH[1][1] + a) < 1e-9);
  assert.deepEqual(result.layer2Advantages_JH.slice(2), [
    [0, 0],
    [0, 0],
  ]);
  const l2 = log.forwardBackwards[1].datums;
  assert.equal(l2.length, 4, "datums only for the 2 kept groups × H = 2");
  for (const d of l2) {
    // Σ_t w = 1/(B·H) = 1/4: eq. 6 per query, mean over B = 2 queries.
    const sum = d.weights.reduce((s, w) => s + w, 0);
    assert.ok(Math.abs(sum - 0.25) < 1e-12, `weights sum ${sum}`);
  }
  const m = result.metrics;
  assert.equal(m["rollout/accuracy"], 0.5);
  assert.equal(m["layer2/accuracy"], 2 / 8);
  assert.equal(m["layer2/samples"], 8);
  assert.equal(m["layer2/corrections"], 1);
  assert.equal(m["layer2/confirmations"], 1);
  assert.equal(m["layer2/failures"], 6);
  assert.equal(m["layer2/discarded_groups"], 2);
  assert.equal(m["layer2/kept_groups"], 2);
  assert.equal(m["layer2/i2c_rate"], 1 / 8);
  assert.equal(m["layer2/c2i_rate"], 3 / 8);
  assert.equal(m["layer2/datums"], 4);
  // Tokens are counted where they are sampled: the scripted completions of both layers, end-of-turn included.
  const tokens = (ts: readonly { completionTokens: readonly number[] }[]) =>
    ts.reduce((s, t) => s + t.completionTokens.length, 0);
  assert.equal(m["rollout/sampled_tokens"], tokens(result.groups.flatMap((g) => g.trajectories_G)));
  assert.equal(m["layer2/sampled_tokens"], tokens(result.layer2.flatMap((g) => g.trajectories_H)));
  assert.equal(m["layer2/loss"], 0.5);
});

test("mgrpo: attempt-mean normalisation divides layer 2's weights by the G' = 2 attempts per question", async () => {
  const { log } = await run("sequential", "continue-think", undefined, "attempt-mean");
  const l2 = log.forwardBackwards[1].datums;
  assert.equal(l2.length, 4);
  for (const d of l2) {
    // Σ_t w = 1/(B·G'·H) = 1/8, against the paper's 1/(B·H) = 1/4 in the test above
    const sum = d.weights.reduce((s, w) => s + w, 0);
    assert.ok(Math.abs(sum - 0.125) < 1e-12, `weights sum ${sum}`);
  }
});

test("mgrpo: sequential updates after each layer; combined samples both, then one update over both", async () => {
  const seq = await run("sequential", "new-turn");
  assert.deepEqual(seq.log.kinds, [
    "sample",
    "forwardBackward",
    "optimStep",
    "sample",
    "forwardBackward",
    "optimStep",
  ]);
  const comb = await run("combined", "new-turn");
  assert.deepEqual(comb.log.kinds, ["sample", "sample", "forwardBackward", "optimStep"]);
  const [layer1, layer2] = seq.log.forwardBackwards;
  assert.equal(comb.log.forwardBackwards[0].datums.length, layer1.datums.length + layer2.datums.length);
  assert.equal(
    comb.result.metrics["optim/loss"],
    SCRIPTED_LOSS_SUM,
    "the combined update's metrics are reported",
  );
  assert.equal(comb.result.metrics["layer2/accuracy"], seq.result.metrics["layer2/accuracy"]);
});

test("mgrpo: KL in the loss gives the kept layer-2 datums reference log-probs; in the reward it shifts advantages", async () => {
  const inLoss = await run("sequential", "continue-think", { coef: 0.1, estimator: "k1", mode: "in-loss" });
  const l2 = inLoss.log.forwardBackwards[1].datums;
  assert.equal(l2.length, 4);
  for (const d of l2) assert.equal(d.refLogprobs?.length, d.inputTokens.length);
  assert.equal(inLoss.refCalls[1].length, 4, "reference log-probs only for the kept groups' corrections");
  const inReward = await run("sequential", "continue-think", {
    coef: 0.1,
    estimator: "k1",
    mode: "in-reward",
  });
  const l2r = inReward.log.forwardBackwards[1].datums;
  assert.ok(l2r.every((d) => d.refLogprobs === undefined));
  // Right and wrong corrections have equal lengths, so equal KL penalties: the advantages do not move.
  assert.deepEqual(inReward.result.layer2Advantages_JH, inLoss.result.layer2Advantages_JH);
});

test("mgrpo: dropZeroAdvantageGroups leaves out only the kept groups whose advantages are all 0, keeping the others' weights", async () => {
  // Three right attempts with H = 2: [R, R] (kept, advantages 0), [R, W] (kept), [W, W] (discarded).
  const correction = (correct: boolean) => ({
    promptTokens: [1, 2, 3],
    completionTokens: correct ? [4, 5] : [6, 7, 8, 9],
    samplingLogprobs_T: correct ? [-1, -1] : [-1, -1, -1, -1],
    reward: correct ? 1 : 0,
    correct,
    truncated: false,
    completionText: "",
    reason: "",
  });
  const groups: CorrectionGroup[] = [
    [true, true],
    [true, false],
    [false, false],
  ].map((c_H) => ({
    problem: A,
    attemptText: RIGHT_A,
    attemptCorrect: true,
    guidePhrase: POOL[0],
    queryText: "",
    trajectories_H: c_H.map(correction),
  }));
  const selection = groups.map((g) =>
    selectLayer2Group(
      true,
      g.trajectories_H.map((t) => t.correct),
    ),
  );
  const o = options("sequential", "continue-think");
  const refCalls: number[][][] = [];
  const reference = scriptedEngine(tok, script).engine;
  reference.computeLogprobs = async (sequences) => {
    refCalls.push(sequences);
    return sequences.map((s) => s.slice(1).map(() => -2));
  };
  const loss = { ...o.loss, kl: { coef: 0.1, estimator: "k3" as const, mode: "in-loss" as const } };
  const build = (drop: boolean) =>
    layer2Datums(reference, groups, selection, o.advantage, loss, 1, "paper", drop);
  const all = await build(false);
  const dropped = await build(true);
  assert.equal(all.zeroAdvantageGroups, 1);
  assert.equal(dropped.zeroAdvantageGroups, 1);
  assert.equal(all.datums.length, 4, "both kept groups × H = 2");
  assert.equal(dropped.datums.length, 2, "only the [R, W] group");
  assert.deepEqual(dropped.datums, all.datums.slice(2), "same datums, weights and reference log-probs");
  assert.deepEqual(dropped.advantages_JH, all.advantages_JH);
  assert.deepEqual(all.advantages_JH[0], [0, 0]);
  assert.equal(refCalls[1].length, 2, "reference log-probs only for the datums trained on");
});
