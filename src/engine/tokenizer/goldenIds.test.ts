// Real tokenizers against transformers: for Qwen2.5 (vocab.json + merges.txt, the form transformers'
// Qwen2Tokenizer builds from) and Phi-3 (tokenizer.json), the ids of 14 strings and of two conversations
// rendered with each model's own chat template equal what transformers 5.18 gives
// (test-data/tokenizers/golden_ids.json).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { modelChatTemplate, renderChat, type ChatMessage } from "../../tasks/chatTemplate.js";
import { loadTokenizer } from "./loadTokenizer.js";

const DIR = fileURLToPath(new URL("../../../test-data/tokenizers/", import.meta.url));
const golden = JSON.parse(readFileSync(`${DIR}golden_ids.json`, "utf8")) as Record<
  string,
  { text: string; ids: number[]; messages?: ChatMessage[]; add_generation_prompt?: boolean }[]
>;

for (const model of ["qwen2.5", "phi-3-mini"]) {
  test(`${model}: encode gives transformers' ids for every golden string, and decode gives the string back`, () => {
    const tok = loadTokenizer(`${DIR}${model}`);
    for (const { text, ids } of golden[model]) {
      assert.deepEqual(tok.encode(text), ids, JSON.stringify(text));
      if (model === "qwen2.5") assert.equal(tok.decode(ids), text.normalize("NFC"), JSON.stringify(text));
    }
  });

  test(`${model}: conversations rendered with the model's chat template encode to transformers' ids`, () => {
    const tok = loadTokenizer(`${DIR}${model}`);
    const config = JSON.parse(readFileSync(`${DIR}${model}/tokenizer_config.json`, "utf8"));
    const { template, variables } = modelChatTemplate(config, model);
    for (const c of golden[`${model}:chat`]) {
      const text = renderChat(c.messages ?? [], {
        template,
        variables,
        addGenerationPrompt: c.add_generation_prompt,
      });
      assert.equal(text, c.text);
      assert.deepEqual(tok.encode(text), c.ids);
    }
  });
}
