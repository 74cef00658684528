// Two-turn evaluation with a scripted engine: the (turn 1, turn 2) pairs of K samples per problem give
// the metrics of a hand-built table; the turn-2 prompts are the correction queries (guide pool or the
// intrinsic-correction instruction, new-turn), and the settings are recorded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CharTokenizer } from "../engine/tokenizer/charTokenizer.js";
import { scriptedEngine } from "../engine/scriptedEngine.js";
import { renderPrompt } from "../tasks/chatTemplate.js";
import { INTRINSIC_CORRECTION_INSTRUCTION, renderCorrectionQuery } from "../tasks/correctionPrompt.js";
import { getTask } from "../tasks/registry.js";
import type { Problem } from "../tasks/types.js";
import { evaluateTwoTurn } from "./twoTurn.js";

const tok = new CharTokenizer();
const A: Problem = { id: "a", question: "Compute 2+3.", gold: "5" };
const B: Problem = { id: "b", question: "Compute 3+4.", gold: "7" };

/** Turn 1: samples [right, wrong]. Turn 2: A's two attempts → right (one i→c), B's → wrong (one c→i). */
const TURN1: Record<string, [string, string]> = {
  "2+3": ["<think>2+3=5</think>\\boxed{5}", "<think>2+3=6</think>\\boxed{6}"],
  "3+4": ["<think>3+4=7</think>\\boxed{7}", "<think>3+4=8</think>\\boxed{8}"],
};

/** The scripted engine and the turn-2 prompts it was asked (those that carry an attempt). */
function scripted() {
  const { engine, log } = scriptedEngine(tok, (text, n) => {
    const key = text.includes("2+3") ? "2+3" : "3+4";
    if (!text.includes("<think>")) return Array.from({ length: n }, (_, k) => TURN1[key][k % 2]);
    return Array.from({ length: n }, () => `<think>redo</think>\\boxed{${key === "2+3" ? 5 : 9}}`);
  });
  const turn2Prompts = () => log.samples.flatMap((c) => c.prompts).filter((p) => p.includes("<think>"));
  return { engine, turn2Prompts };
}

const sampling = { temperature: 0.7, topK: -1, topP: 1, maxTokens: 64, seed: 3 };

test("two-turn: metrics over the K pairs of each problem (hand-built table) and recorded settings", async () => {
  const { engine, turn2Prompts } = scripted();
  const r = await evaluateTwoTurn(engine, tok, getTask("arith"), [A, B], {
    renderPrompt: (p) => renderPrompt(p.question),
    sampling,
    samplesPerProblem: 2,
    guide: { kind: "pool", name: "custom", phrases: ["Check it."] },
    rendering: "continue-think",
  });
  // pairs: A (1,1) (0,1); B (1,0) (0,0)
  assert.deepEqual(r.metrics, { n: 2, acc_t1: 0.5, acc_t2: 0.5, delta: 0, delta_i2c: 0.25, delta_c2i: 0.25 });
  const prompts = turn2Prompts();
  assert.equal(prompts.length, 4);
  assert.equal(
    prompts[0],
    renderCorrectionQuery(A.question, TURN1["2+3"][0], "Check it.", { rendering: "continue-think" }),
  );
  assert.deepEqual(r.settings, {
    samples_per_problem: 2,
    guide: "custom",
    rendering: "continue-think",
    temperature: 0.7,
    top_k: -1,
    top_p: 1,
    max_tokens: 64,
    turn2_max_tokens: 64,
    seed: 3,
    guide_phrases: { "Check it.": 4 },
  });
});

test("two-turn: the intrinsic baseline asks with the correction instruction in a new turn", async () => {
  const { engine, turn2Prompts } = scripted();
  const r = await evaluateTwoTurn(engine, tok, getTask("arith"), [A], {
    renderPrompt: (p) => renderPrompt(p.question),
    sampling,
    samplesPerProblem: 1,
    guide: { kind: "intrinsic" },
    rendering: "continue-think",
  });
  const prompts = turn2Prompts();
  assert.equal(r.settings.rendering, "new-turn");
  assert.equal(r.settings.guide, "intrinsic");
  assert.equal(
    prompts[0],
    renderCorrectionQuery(A.question, TURN1["2+3"][0], INTRINSIC_CORRECTION_INSTRUCTION, {
      rendering: "new-turn",
    }),
  );
  assert.ok(prompts[0].endsWith("<|im_start|>assistant\n"));
  assert.deepEqual(r.metrics, { n: 1, acc_t1: 1, acc_t2: 1, delta: 0, delta_i2c: 0, delta_c2i: 0 });
});
