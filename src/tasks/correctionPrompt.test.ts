import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { extractAnswer } from "../verifiers/extract.js";
import { modelChatTemplate, renderPrompt } from "./chatTemplate.js";
import { PAPER_TABLE1_SYSTEM_PROMPT } from "./promptPresets.js";
import {
  INTRINSIC_CORRECTION_INSTRUCTION,
  parseAttempt,
  renderCorrectionCompletion,
  renderCorrectionQuery,
} from "./correctionPrompt.js";

const q = "Compute 47*3-18+205.";
const attempt = "<think>47*3=141\n141-18=133\n133+205=338</think>\\boxed{338}<|im_end|>";
const guide = "Wait, let me double-check that.";

test("continue-think: the guide phrase continues the open reasoning block; the answer is dropped", () => {
  const query = renderCorrectionQuery(q, attempt, guide);
  assert.equal(
    query,
    "<|im_start|>user\nCompute 47*3-18+205.<|im_end|>\n<|im_start|>assistant\n" +
      "<think>47*3=141\n141-18=133\n133+205=338\nWait, let me double-check that.\n",
  );
  assert.ok(query.startsWith(renderPrompt(q)));
  const completion = renderCorrectionCompletion("141-18=123\n123+205=328", "\\boxed{328}", "continue-think");
  assert.equal(completion, "141-18=123\n123+205=328</think>\\boxed{328}<|im_end|>");
  const answer = extractAnswer(completion);
  assert.ok(answer.ok && answer.answer === "328", "the verifier reads the answer after the closing tag");
});

test("new-turn: the attempt is a closed turn, the guide phrase a new user turn", () => {
  const query = renderCorrectionQuery(q, attempt, guide, { rendering: "new-turn" });
  assert.equal(
    query,
    "<|im_start|>user\nCompute 47*3-18+205.<|im_end|>\n" +
      "<|im_start|>assistant\n<think>47*3=141\n141-18=133\n133+205=338</think>\\boxed{338}<|im_end|>\n" +
      "<|im_start|>user\nWait, let me double-check that.<|im_end|>\n<|im_start|>assistant\n",
  );
  assert.equal(
    renderCorrectionCompletion("47*3=141", "\\boxed{1}", "new-turn"),
    "<think>47*3=141</think>\\boxed{1}<|im_end|>",
  );
});

test("truncated and reasoning-less attempts; system prompt; intrinsic instruction", () => {
  const truncated = "<think>47*3=141\n141-1";
  assert.deepEqual(parseAttempt(truncated), { reasoning: "47*3=141\n141-1", answer: "", closed: false });
  assert.ok(
    renderCorrectionQuery(q, truncated, guide, { rendering: "new-turn" }).includes("141-1</think><|im_end|>"),
  );
  assert.ok(
    renderCorrectionQuery(q, truncated, guide).endsWith(
      "<think>47*3=141\n141-1\nWait, let me double-check that.\n",
    ),
  );
  assert.deepEqual(parseAttempt("\\boxed{3}<|im_end|>junk"), { answer: "\\boxed{3}", closed: true });
  assert.ok(
    renderCorrectionQuery(q, "\\boxed{3}", guide, { rendering: "new-turn" }).includes(
      "<|im_start|>assistant\n\\boxed{3}<|im_end|>",
    ),
  );
  const withSystem = renderCorrectionQuery(q, attempt, INTRINSIC_CORRECTION_INSTRUCTION, {
    rendering: "new-turn",
    system: PAPER_TABLE1_SYSTEM_PROMPT,
  });
  assert.ok(withSystem.startsWith("<|im_start|>system\nYou are a helpful AI assistant."));
  assert.ok(
    withSystem.includes(
      "<|im_start|>user\nThe solution above may contain errors due to a misunderstanding of the question. " +
        "Please identify and correct any mistakes, then rewrite the solution clearly and accurately.<|im_end|>",
    ),
  );
  assert.throws(() => renderCorrectionQuery(q, attempt, " "), /guide phrase is empty/);
  assert.throws(
    () => renderCorrectionQuery(q, attempt, guide, { rendering: "x" as "new-turn" }),
    /rendering must be continue-think or new-turn/,
  );
});

test("a model's own template: the attempt cut at its end-of-turn, the query in its format", () => {
  const dir = new URL("../../test-data/tokenizers/", import.meta.url);
  const modelFormat = (name: string, endOfTurn: string[]) => ({
    ...modelChatTemplate(
      JSON.parse(readFileSync(new URL(`${name}/tokenizer_config.json`, dir), "utf8")),
      name,
    ),
    endOfTurn,
  });
  const phi3 = modelFormat("phi-3-mini", ["<|end|>", "<|endoftext|>"]);
  const phiAttempt = "<think>47*3=141</think>\\boxed{338}<|end|><|endoftext|>";
  assert.equal(
    renderCorrectionQuery(q, phiAttempt, guide, { rendering: "new-turn", model: phi3 }),
    `<|user|>\n${q}<|end|>\n<|assistant|>\n<think>47*3=141</think>\\boxed{338}<|end|>\n` +
      `<|user|>\n${guide}<|end|>\n<|assistant|>\n`,
  );
  assert.equal(
    renderCorrectionQuery(q, phiAttempt, guide, { model: phi3 }),
    `<|user|>\n${q}<|end|>\n<|assistant|>\n<think>47*3=141\n${guide}\n`,
  );
  assert.equal(
    renderCorrectionQuery(q, "The answer is 338.<|end|>", guide, { model: phi3 }),
    `<|user|>\n${q}<|end|>\n<|assistant|>\nThe answer is 338.\n${guide}\n`,
  );
  // Qwen2.5's template adds its default system turn; the layer-2 system prompt replaces it
  const qwen = modelFormat("qwen2.5", ["<|im_end|>", "<|endoftext|>"]);
  const qwenSystem =
    "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n";
  assert.equal(
    renderCorrectionQuery(q, "\\boxed{338}<|im_end|>", guide, { rendering: "new-turn", model: qwen }),
    `${qwenSystem}<|im_start|>user\n${q}<|im_end|>\n<|im_start|>assistant\n\\boxed{338}<|im_end|>\n` +
      `<|im_start|>user\n${guide}<|im_end|>\n<|im_start|>assistant\n`,
  );
  assert.ok(
    renderCorrectionQuery(q, attempt, guide, { model: qwen, system: "S" }).startsWith(
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\n",
    ),
  );
});
