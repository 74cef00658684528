// STaR with external prompts on a scripted engine: only right revisions are trained on (confirmations
// too unless onlyCorrections), with token-mean cross-entropy on the revision tokens only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { scriptedEngine } from "../engine/scriptedEngine.js";
import { renderPrompt } from "../tasks/chatTemplate.js";
import { getTask } from "../tasks/registry.js";
import type { Problem } from "../tasks/types.js";
import { crossEntropyDatums, starExternalStep } from "./starExternal.js";

const tok = new CharTokenizer();
const A: Problem = { id: "a", question: "Compute 2+3.", gold: "5" };

/** Attempts [right, wrong]; each attempt's H = 2 revisions are [right, wrong]. */
const script = (prompt: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    prompt.includes("<think>")
      ? `r</think>\\boxed{${i % 2 ? 4 : 5}}`
      : `<think>2+3=${5 + (i % 2)}</think>\\boxed{${5 + (i % 2)}}`,
  );

const adam = { learningRate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, gradClipNorm: 1 };

for (const onlyCorrections of [false, true]) {
  test(`star-external: SFT on the right revisions (onlyCorrections ${onlyCorrections})`, async () => {
    const { engine, log } = scriptedEngine(tok, script);
    const ctx = {
      engine,
      tokenizer: tok,
      task: getTask("arith"),
      renderPrompt: (p: Problem) => renderPrompt(p.question),
    };
    const r = await starExternalStep(
      ctx,
      [A],
      {
        groupSize: 2,
        layer2Group: 2,
        sampling: { temperature: 1, topK: -1, topP: 1, maxTokens: 40, seed: 1 },
        guidePhrases: ["Check it."],
        rendering: "continue-think",
        onlyCorrections,
        microBatchSize: 8,
      },
      adam,
    );
    const datums = log.forwardBackwards.flatMap((c) => c.datums);
    assert.equal(datums.length, onlyCorrections ? 1 : 2);
    assert.equal(r.metrics["star/kept"], datums.length);
    assert.equal(r.metrics["star/kept_corrections"], 1);
    assert.equal(r.metrics["rollout/accuracy"], 0.5);
    assert.equal(r.metrics["layer2/accuracy"], 0.5);
    for (const d of datums) {
      const text = tok.decode(d.targetTokens.filter((_, t) => d.weights[t] > 0));
      assert.equal(text, "r</think>\\boxed{5}<|im_end|>", "only the revision's tokens carry loss");
    }
  });
}

test("crossEntropyDatums: token-mean weights over completion tokens only", () => {
  const d = crossEntropyDatums([
    { promptTokens: [1, 2, 3], completionTokens: [4, 5] },
    { promptTokens: [1], completionTokens: [6, 7, 8] },
  ]);
  assert.deepEqual(d[0].weights, [0, 0, 0.2, 0.2]);
  assert.deepEqual(d[1].weights, [0.2, 0.2, 0.2]);
  assert.deepEqual(d[0].targetTokens, [2, 3, 4, 5]);
});
