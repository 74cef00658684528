import assert from "node:assert/strict";
import { test } from "node:test";
import { promptRenderer } from "./chatTemplate.js";
import {
  ONE_SHOT_RLVR_SUFFIX,
  PAPER_TABLE1_SYSTEM_PROMPT,
  promptSuffix,
  promptSystem,
} from "./promptPresets.js";
import { getTask } from "./registry.js";

test("a preset gives its suffix or system turn; the config's own system and suffix win", () => {
  assert.equal(promptSuffix({ preset: "one-shot-rlvr" }), ONE_SHOT_RLVR_SUFFIX);
  assert.equal(promptSystem({ preset: "one-shot-rlvr" }), undefined);
  assert.equal(promptSystem({ preset: "mgrpo-table1" }), PAPER_TABLE1_SYSTEM_PROMPT);
  assert.equal(promptSuffix({ preset: "mgrpo-table1" }), undefined);
  assert.equal(promptSuffix({ preset: "one-shot-rlvr", suffix: "!" }), "!");
  assert.equal(promptSystem({ preset: "mgrpo-table1", system: "S" }), "S");
  assert.equal(promptSuffix({ preset: "none" }), undefined);
  assert.equal(promptSystem({}), undefined);
});

test("one-shot-rlvr appends the 1-shot paper's instruction to every question of a task", () => {
  const plain = getTask("arith").problems("test", 2, 0);
  const suffixed = getTask({ name: "arith", prompt: { preset: "one-shot-rlvr" } }).problems("test", 2, 0);
  assert.deepEqual(
    suffixed.map((p) => p.question),
    plain.map((p) => `${p.question} Let's think step by step and output the final answer within \\boxed{}.`),
  );
});

test("mgrpo-table1 renders the MGRPO paper's Table 1 system turn before the question", () => {
  const render = promptRenderer({ template: "chatml-think", preset: "mgrpo-table1" });
  const text = render({ id: "x", question: "Compute 2+3.", gold: "5" });
  assert.equal(
    text,
    `<|im_start|>system\n${PAPER_TABLE1_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\nCompute 2+3.<|im_end|>\n<|im_start|>assistant\n`,
  );
  assert.match(text, /^<\|im_start\|>system\nYou are a helpful AI assistant\./);
});
