// STaR with rationalisation on a scripted engine: correct traces are kept, failed problems are sampled
// again with the gold as a hint, and the right rationalisations are trained on the prompt without it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { scriptedEngine } from "../engine/scriptedEngine.js";
import { renderPrompt } from "../tasks/chatTemplate.js";
import { getTask } from "../tasks/registry.js";
import type { Problem } from "../tasks/types.js";
import { hintedProblem, starRationalizeStep } from "./starRationalize.js";

const tok = new CharTokenizer();
const A: Problem = { id: "a", question: "Compute 2+3.", gold: "5" };
const B: Problem = { id: "b", question: "Compute 1+1.", gold: "2" };
const HINT = " (The answer is {answer}.)";

/** A: [right, wrong]; B: always wrong unless the hint gives the answer, then right. */
const script = (prompt: string, n: number) =>
  Array.from({ length: n }, (_, i) => {
    if (prompt.includes("The answer is 2")) return "<think>1+1=2</think>\\boxed{2}";
    if (prompt.includes("2+3")) return i === 0 ? "<think>2+3=5</think>\\boxed{5}" : "\\boxed{6}";
    return "\\boxed{3}";
  });

const adam = { learningRate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, gradClipNorm: 1 };
const options = {
  groupSize: 2,
  rationalizationSamples: 3,
  hint: HINT,
  maxTracesPerProblem: 2,
  sftSteps: 2,
  sampling: { temperature: 1, topK: -1, topP: 1, maxTokens: 40, seed: 1 },
  microBatchSize: 8,
};

test("star-rationalize: keep the right traces, rationalise the failures, train without the hint", async () => {
  const { engine, log } = scriptedEngine(tok, script);
  const ctx = {
    engine,
    tokenizer: tok,
    task: getTask("arith"),
    renderPrompt: (p: Problem) => renderPrompt(p.question),
  };
  const r = await starRationalizeStep(ctx, [A, B], options, adam);
  // the second sampling call is B with the hint only
  assert.equal(log.samples.length, 2);
  assert.deepEqual(log.samples[1].prompts, [renderPrompt("Compute 1+1. (The answer is 2.)")]);
  // kept: A's 1 right trace; rationalised: B's 3 right samples capped at 2
  assert.equal(r.metrics["star/kept"], 1);
  assert.equal(r.metrics["star/rationalised"], 2);
  assert.equal(r.metrics["star/failed_problems"], 1);
  assert.equal(r.metrics["star/rationalised_problems_share"], 1);
  assert.equal(r.metrics["rollout/accuracy"], 0.25);
  // 2 SFT steps on the same 3 datums, from the round's starting model
  assert.equal(log.optimSteps, 2);
  assert.equal(log.forwardBackwards.length, 2);
  const datums = log.forwardBackwards[0].datums;
  assert.equal(datums.length, 3);
  const prompts = datums.map((d) => tok.decode(d.inputTokens.filter((_, t) => d.weights[t] === 0)));
  for (const p of prompts) assert.ok(!p.includes("answer is"), `the hint is not trained on: ${p}`);
  const targets = datums.map((d) => tok.decode(d.targetTokens.filter((_, t) => d.weights[t] > 0)));
  assert.deepEqual(targets, [
    "<think>2+3=5</think>\\boxed{5}<|im_end|>",
    "<think>1+1=2</think>\\boxed{2}<|im_end|>",
    "<think>1+1=2</think>\\boxed{2}<|im_end|>",
  ]);
  // the rationalised datums start with B's own prompt, without the hint
  assert.ok(tok.decode(datums[1].inputTokens).startsWith(renderPrompt("Compute 1+1.")));
  assert.equal(r.extraSamples?.(1, 10).length, 3);
});

test("hintedProblem needs {answer} in the hint", () => {
  assert.equal(hintedProblem(A, HINT).question, "Compute 2+3. (The answer is 5.)");
  assert.throws(() => hintedProblem(A, " hint"), /\{answer\}/);
});
