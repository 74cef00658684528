import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  type ChatMessage,
  modelChatTemplate,
  promptRenderer,
  renderChat,
  renderCompletion,
  renderPrompt,
  splitPromptCompletion,
} from "./chatTemplate.js";
import { PAPER_TABLE1_SYSTEM_PROMPT } from "./promptPresets.js";

test("compact prompt: user turn and the open assistant turn", () => {
  assert.equal(
    renderPrompt("Compute 47*3-18+205."),
    "<|im_start|>user\nCompute 47*3-18+205.<|im_end|>\n<|im_start|>assistant\n",
  );
});

test("Table 1 preset: system turn with the paper's instructions", () => {
  const p = renderPrompt("Compute 2+3.", { system: PAPER_TABLE1_SYSTEM_PROMPT });
  assert.ok(
    p.startsWith(
      "<|im_start|>system\nYou are a helpful AI assistant. A conversation between User and Assistant.\n",
    ),
  );
  assert.ok(
    p.includes("enclosed within\n<think></think> tags. After the </think> tag, the Assistant must provide"),
  );
  assert.ok(
    p.endsWith(
      "based on the reasoning.<|im_end|>\n<|im_start|>user\nCompute 2+3.<|im_end|>\n<|im_start|>assistant\n",
    ),
  );
});

test("assistant turn with reasoning; completion ends at <|im_end|>", () => {
  const messages = [
    { role: "user" as const, content: "Compute 2+3*4." },
    { role: "assistant" as const, reasoning: "3*4=12\n2+12=14", content: "\\boxed{14}" },
  ];
  assert.equal(
    renderChat(messages),
    "<|im_start|>user\nCompute 2+3*4.<|im_end|>\n<|im_start|>assistant\n<think>3*4=12\n2+12=14</think>\\boxed{14}<|im_end|>\n",
  );
  const { prompt, completion } = splitPromptCompletion(messages);
  assert.equal(prompt, renderPrompt("Compute 2+3*4."));
  assert.equal(completion, "<think>3*4=12\n2+12=14</think>\\boxed{14}<|im_end|>");
  assert.equal(renderCompletion("a", "b"), "<think>a</think>b<|im_end|>");
});

test("continueFinalMessage leaves the reasoning block open, or the turn open", () => {
  const user = { role: "user" as const, content: "Q" };
  assert.equal(
    renderChat([user, { role: "assistant", reasoning: "r" }], { continueFinalMessage: true }),
    "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>r",
  );
  assert.equal(
    renderChat([user, { role: "assistant", reasoning: "r", content: "a" }], { continueFinalMessage: true }),
    "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>r</think>a",
  );
  assert.equal(
    renderChat([user, { role: "assistant", content: "raw" }]),
    "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nraw<|im_end|>\n",
  );
  assert.throws(() => renderChat([user], { continueFinalMessage: true }), /assistant turn last/);
});

test("bad messages and templates are clear errors; a custom template is used", () => {
  assert.throws(() => renderChat([{ role: "tool" as "user", content: "x" }]), /messages\[0\]\.role/);
  assert.throws(() => renderChat([{ role: "user", reasoning: "x" }]), /messages\[0\]\.reasoning/);
  assert.throws(() => renderChat([], { template: "{% for %}" }), /chat template: cannot parse/);
  const t =
    "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";
  assert.equal(renderPrompt("hi", { template: t }), "[user]hi[assistant]");
});

test("a model's own chat template renders what transformers' apply_chat_template renders (Qwen2.5, Phi-3)", () => {
  const dir = new URL("../../test-data/tokenizers/", import.meta.url);
  const golden = JSON.parse(readFileSync(new URL("golden_ids.json", dir), "utf8")) as Record<
    string,
    { messages: ChatMessage[]; add_generation_prompt: boolean; text: string }[]
  >;
  for (const model of ["qwen2.5", "phi-3-mini"]) {
    const config = JSON.parse(readFileSync(new URL(`${model}/tokenizer_config.json`, dir), "utf8"));
    const { template, variables } = modelChatTemplate(config, model);
    for (const c of golden[`${model}:chat`])
      assert.equal(
        renderChat(c.messages, { template, variables, addGenerationPrompt: c.add_generation_prompt }),
        c.text,
        `${model}: ${c.messages.at(-1)?.content}`,
      );
  }
  // The layer-1 prompt with the model's template: Qwen2.5's default system turn, the question as the user.
  const qwen = modelChatTemplate(
    JSON.parse(readFileSync(new URL("qwen2.5/tokenizer_config.json", dir), "utf8")),
    "qwen2.5",
  );
  assert.equal(
    promptRenderer({ template: "model" }, qwen)({ id: "a", question: "What is 2+3?", gold: "5" }),
    golden["qwen2.5:chat"][0].text,
  );
  assert.throws(() => promptRenderer({ template: "model" }), /the model has no chat template/);
  assert.throws(() => modelChatTemplate({}, "cfg.json"), /cfg\.json: no "chat_template"/);
  // Qwen3's template (with its <think> handling) parses and renders.
  const qwen3 = modelChatTemplate(
    JSON.parse(readFileSync(new URL("qwen3/tokenizer_config.json", dir), "utf8")),
    "qwen3",
  );
  assert.match(
    renderChat([{ role: "user", content: "Hi" }], { ...qwen3, addGenerationPrompt: true }),
    /<\|im_start\|>user\nHi<\|im_end\|>\n<\|im_start\|>assistant\n$/,
  );
});

test("continueFinalMessage with a template that closes every turn: cut after the final content, as transformers does", () => {
  const closing = "{% for m in messages %}[{{ m.role }}]{{ m.content }}</s>{% endfor %}";
  const trimming = "{% for m in messages %}[{{ m.role }}]{{ m.content | trim }}</s>{% endfor %}";
  const turns: ChatMessage[] = [
    { role: "user", content: "q" },
    { role: "assistant", content: "a\nb\n" },
  ];
  assert.equal(
    renderChat(turns, { template: closing, continueFinalMessage: true }),
    "[user]q</s>[assistant]a\nb\n",
  );
  // a template that trims the content loses its trailing newline, as in transformers
  assert.equal(
    renderChat(turns, { template: trimming, continueFinalMessage: true }),
    "[user]q</s>[assistant]a\nb",
  );
  assert.throws(
    () =>
      renderChat(turns, {
        template: "{% for m in messages %}{{ m.role }}{% endfor %}",
        continueFinalMessage: true,
      }),
    /does not render the final assistant message's content/,
  );
});
