// Chat prompt rendering with a Jinja chat template (the Hugging Face `chat_template` convention,
// rendered by @huggingface/jinja): system / user / assistant turns, and a reasoning block
// `<think>…</think>` in assistant turns.
//
// The default template is ChatML with a reasoning block, kept compact for a character-level model
// (no system turn unless one is given, no blank lines):
//
//   <|im_start|>system\n{system}<|im_end|>\n          (only when a system message is given)
//   <|im_start|>user\n{question}<|im_end|>\n
//   <|im_start|>assistant\n<think>{reasoning}</think>{answer}<|im_end|>\n
//
// Template variables: `messages` (role, content, optional reasoning), `add_generation_prompt`
// (append `<|im_start|>assistant\n`), `continue_final_message` (leave the last assistant turn open:
// no `<|im_end|>`, and when it has reasoning but no content, no `</think>` either, so the model
// continues thinking).
import { Template } from "@huggingface/jinja";
import type { ChatTemplateName } from "../core/choices.js";
import { promptSystem } from "./promptPresets.js";
import type { Problem, PromptSpec } from "./types.js";

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  /** The turn's text. For an assistant turn with `reasoning`, the part after `</think>`. */
  content?: string;
  /** Assistant turns: the reasoning, rendered inside `<think>…</think>`. */
  reasoning?: string;
}

export const CHATML_THINK_TEMPLATE = [
  "{%- for message in messages -%}",
  "{%- set open_end = loop.last and continue_final_message -%}",
  "<|im_start|>{{ message.role }}{{ '\\n' }}",
  "{%- if message.role == 'assistant' and message.reasoning is defined and message.reasoning is not none -%}",
  "<think>{{ message.reasoning }}",
  "{%- if not (open_end and (message.content is not defined or message.content is none)) -%}</think>{%- endif -%}",
  "{%- endif -%}",
  "{%- if message.content is defined and message.content is not none -%}{{ message.content }}{%- endif -%}",
  "{%- if not open_end -%}<|im_end|>{{ '\\n' }}{%- endif -%}",
  "{%- endfor -%}",
  "{%- if add_generation_prompt -%}<|im_start|>assistant{{ '\\n' }}{%- endif -%}",
].join("");

/** The end-of-turn marker of the default template (the EOS of a completion). */
export const CHAT_END_OF_TURN = "<|im_end|>";

export interface RenderChatOptions {
  addGenerationPrompt?: boolean;
  continueFinalMessage?: boolean;
  /** A Jinja chat template; default CHATML_THINK_TEMPLATE. */
  template?: string;
  /** Further template variables (a model's `bos_token`, `eos_token`). */
  variables?: Readonly<Record<string, unknown>>;
}

const compiled = new Map<string, Template>();

function compile(source: string): Template {
  let t = compiled.get(source);
  if (!t) {
    try {
      t = new Template(source);
    } catch (err) {
      throw new Error(`chat template: cannot parse: ${(err as Error).message}`);
    }
    compiled.set(source, t);
  }
  return t;
}

function validateMessages(messages: readonly ChatMessage[]): void {
  messages.forEach((m, i) => {
    if (m.role !== "system" && m.role !== "user" && m.role !== "assistant") {
      throw new Error(
        `chat: messages[${i}].role must be system, user or assistant, got ${JSON.stringify(m.role)}`,
      );
    }
    if (m.content !== undefined && typeof m.content !== "string") {
      throw new Error(`chat: messages[${i}].content must be a string`);
    }
    if (m.reasoning !== undefined && (typeof m.reasoning !== "string" || m.role !== "assistant")) {
      throw new Error(`chat: messages[${i}].reasoning must be a string on an assistant turn`);
    }
  });
}

export function renderChat(messages: readonly ChatMessage[], options: RenderChatOptions = {}): string {
  validateMessages(messages);
  const continueFinal = options.continueFinalMessage ?? false;
  if (continueFinal && messages[messages.length - 1]?.role !== "assistant") {
    throw new Error("chat: continueFinalMessage needs an assistant turn last");
  }
  if (continueFinal && options.addGenerationPrompt) {
    throw new Error("chat: addGenerationPrompt and continueFinalMessage exclude each other");
  }
  const rendered = compile(options.template ?? CHATML_THINK_TEMPLATE).render({
    ...options.variables,
    messages: messages.map((m) => ({ ...m })),
    add_generation_prompt: options.addGenerationPrompt ?? false,
    continue_final_message: continueFinal,
  });
  const finalContent = messages[messages.length - 1]?.content;
  return continueFinal && finalContent ? cutAfterFinalContent(rendered, finalContent) : rendered;
}

/**
 * continue_final_message for any template, as transformers' apply_chat_template does it: a model's template
 * does not know the variable and closes the last turn, so the rendering is cut after the final message's
 * content (its last occurrence; the trimmed content when the template trims it). The built-in template
 * already ends there.
 */
function cutAfterFinalContent(rendered: string, content: string): string {
  const at = rendered.lastIndexOf(content.trim());
  if (content.trim() === "" || at < 0)
    throw new Error("chat: the template does not render the final assistant message's content verbatim");
  const lead = content.trimStart();
  const keep = rendered.startsWith(lead, at) ? lead.length : content.trim().length;
  return rendered.slice(0, at + keep);
}

export interface PromptOptions {
  /** A system prompt (e.g. promptPresets.ts PAPER_TABLE1_SYSTEM_PROMPT); none by default. */
  system?: string;
  template?: string;
}

/** The messages before the answer: optional system turn, then the user's question. */
export function promptMessages(question: string, options: PromptOptions = {}): ChatMessage[] {
  return [
    ...(options.system !== undefined ? [{ role: "system" as const, content: options.system }] : []),
    { role: "user", content: question },
  ];
}

/** The layer-1 prompt: the question, and the generation prompt that opens the assistant turn. */
export function renderPrompt(question: string, options: PromptOptions = {}): string {
  return renderChat(promptMessages(question, options), {
    addGenerationPrompt: true,
    template: options.template,
  });
}

/**
 * Splits a conversation whose last turn is the assistant's answer into the prompt (everything up to
 * and including the generation prompt) and the completion the model must produce (up to and
 * including `endOfTurn`). Throws when the template does not render the prompt as a prefix.
 */
export function splitPromptCompletion(
  messages: readonly ChatMessage[],
  options: { template?: string; endOfTurn?: string } = {},
): { prompt: string; completion: string } {
  const last = messages[messages.length - 1];
  if (last?.role !== "assistant") throw new Error("chat: the last turn must be the assistant's answer");
  const prompt = renderChat(messages.slice(0, -1), { addGenerationPrompt: true, template: options.template });
  const full = renderChat(messages, { template: options.template });
  if (!full.startsWith(prompt)) {
    throw new Error("chat: the template does not render the prompt as a prefix of the full conversation");
  }
  let completion = full.slice(prompt.length);
  const end = options.endOfTurn ?? CHAT_END_OF_TURN;
  const at = completion.lastIndexOf(end);
  if (at >= 0) completion = completion.slice(0, at + end.length);
  return { prompt, completion };
}

/** The assistant's completion text for a reasoning and an answer: `<think>r</think>a<|im_end|>`. */
export function renderCompletion(
  reasoning: string,
  answer: string,
  options: { template?: string } = {},
): string {
  return splitPromptCompletion(
    [
      { role: "user", content: "" },
      { role: "assistant", reasoning, content: answer },
    ],
    options,
  ).completion;
}

/** A model's own chat template and the special-token variables it may use. */
export interface ModelChatTemplate {
  template: string;
  variables: Record<string, string>;
}

/** An AddedToken of tokenizer_config.json is a string or `{ content: string, … }`. */
function tokenString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "object" && v !== null && typeof (v as { content?: unknown }).content === "string")
    return (v as { content: string }).content;
  return undefined;
}

/**
 * The chat template of a Hugging Face tokenizer_config.json (`chat_template`: a string, or a list of
 * `{name, template}` of which "default" is used), with its bos/eos/pad tokens as template variables.
 */
export function modelChatTemplate(tokenizerConfig: unknown, source: string): ModelChatTemplate {
  const c = (tokenizerConfig ?? {}) as Record<string, unknown>;
  let template = c.chat_template;
  if (Array.isArray(template))
    template = template.find((t) => (t as { name?: unknown })?.name === "default")?.template;
  if (typeof template !== "string" || template.trim() === "")
    throw new Error(
      `${source}: no "chat_template" (task.prompt.template "model" needs the model's own template)`,
    );
  const variables: Record<string, string> = {};
  for (const name of ["bos_token", "eos_token", "pad_token"]) {
    const t = tokenString(c[name]);
    if (t !== undefined) variables[name] = t;
  }
  return { template, variables };
}

/** The built-in template a config can name (core/choices.ts CHAT_TEMPLATES). */
export const CHAT_TEMPLATE_SOURCES: Readonly<Record<Exclude<ChatTemplateName, "model">, string>> = {
  "chatml-think": CHATML_THINK_TEMPLATE,
};

/**
 * The layer-1 prompt of a problem under a config's task.prompt: the built-in template, or (template
 * "model") the model's own, which must then be given; with the system turn (its own or its preset's)
 * when there is one.
 */
export function promptRenderer(
  spec: Pick<PromptSpec, "template" | "system" | "preset">,
  model?: ModelChatTemplate,
): (problem: Problem) => string {
  if (spec.template === "model" && !model)
    throw new Error('task.prompt.template "model": the model has no chat template');
  const options =
    spec.template === "model"
      ? { template: model!.template, variables: model!.variables }
      : { template: CHAT_TEMPLATE_SOURCES[spec.template] };
  const system = promptSystem(spec);
  return (problem) =>
    renderChat(promptMessages(problem.question, { system }), {
      addGenerationPrompt: true,
      ...options,
    });
}
