// The MGRPO layer-2 correction query q' = (system) + user: q + assistant: attempt + guide phrase
// (001 eq. 5), in the two renderings of the papers. With the default template and no system prompt:
//
// "continue-think" (default; 001's appendix example): the attempt's reasoning is continued inside
// the open reasoning block. The attempt's answer after `</think>` is dropped, as in the example; the
// guide phrase follows the reasoning on a new line and the prompt ends with a newline, so the model
// goes on thinking, closes `</think>`, answers and ends its turn:
//
//   <|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n<think>{thought}\n{guide}\n
//   → completion: {more reasoning}</think>{answer}<|im_end|>
//
// "new-turn": the attempt is closed as a finished assistant turn (its reasoning block closed even
// when the attempt was truncated), the guide phrase is a new user turn, and a new assistant turn is
// opened, in which the model writes a whole new answer:
//
//   <|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n<think>{thought}</think>{answer}<|im_end|>\n
//   <|im_start|>user\n{guide}<|im_end|>\n<|im_start|>assistant\n
//   → completion: <think>{reasoning}</think>{answer}<|im_end|>
//
// Parsing the attempt (a layer-1 completion): anything from the first `<|im_end|>` on is removed;
// an attempt starting with `<think>` has its reasoning up to the first `</think>` (to the end when
// unclosed) and its answer after it; an attempt without a reasoning block is all answer, which
// "continue-think" uses as the thought.
//
// With a model's own chat template (task.prompt.template "model") the attempt, cut at the model's
// end-of-turn, is the assistant turn's content as the model wrote it: "new-turn" closes it with the
// template's own end-of-turn; "continue-think" leaves it open after `{thought}\n{guide}\n` (transformers'
// continue_final_message), the thought being `<think>{reasoning}` when the attempt opened a reasoning
// block, else the attempt's text.
import { CHAT_END_OF_TURN, type ChatMessage, type ModelChatTemplate, renderChat } from "./chatTemplate.js";

import { CORRECTION_RENDERINGS, type CorrectionRendering } from "../core/choices.js";

export { CORRECTION_RENDERINGS, type CorrectionRendering };

/**
 * The correction instruction of the intrinsic self-correction baseline (Huang et al. 2023), as the
 * MGRPO paper (000 §4) quotes it. Use it as the guide phrase, with the "new-turn" rendering.
 */
export const INTRINSIC_CORRECTION_INSTRUCTION =
  "The solution above may contain errors due to a misunderstanding of the question. " +
  "Please identify and correct any mistakes, then rewrite the solution clearly and accurately.";

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";

export interface ParsedAttempt {
  /** The reasoning inside the attempt's `<think>` block; undefined when it has none. */
  reasoning?: string;
  /** The text after `</think>` (or the whole attempt when it has no reasoning block). */
  answer: string;
  /** False when the reasoning block was never closed (e.g. a truncated attempt). */
  closed: boolean;
}

export function parseAttempt(attempt: string, endOfTurn = CHAT_END_OF_TURN): ParsedAttempt {
  const endAt = attempt.indexOf(endOfTurn);
  const text = endAt >= 0 ? attempt.slice(0, endAt) : attempt;
  if (!text.startsWith(THINK_OPEN)) return { answer: text, closed: true };
  const close = text.indexOf(THINK_CLOSE);
  if (close < 0) return { reasoning: text.slice(THINK_OPEN.length), answer: "", closed: false };
  return {
    reasoning: text.slice(THINK_OPEN.length, close),
    answer: text.slice(close + THINK_CLOSE.length),
    closed: true,
  };
}

export interface CorrectionQueryOptions {
  rendering?: CorrectionRendering;
  /** The layer-2 system prompt (SystemPrompt_L2 of eq. 5); none by default. */
  system?: string;
  /** The model's own chat template and the texts that end its turns; the built-in template when absent. */
  model?: ModelChatFormat;
  /** Between the attempt's reasoning and the guide phrase, and after the phrase ("continue-think"). */
  separator?: string;
}

/** A model's chat template with the texts that end an assistant turn (its end-of-turn and eos tokens). */
export interface ModelChatFormat extends ModelChatTemplate {
  endOfTurn: readonly string[];
}

/** The attempt up to the first of the model's end-of-turn texts. */
function cutAtEndOfTurn(attempt: string, endOfTurn: readonly string[]): string {
  const ends = endOfTurn.map((e) => attempt.indexOf(e)).filter((i) => i >= 0);
  return ends.length > 0 ? attempt.slice(0, Math.min(...ends)) : attempt;
}

/** The correction query in a model's own chat template (see the header). */
function renderWithModelTemplate(
  head: ChatMessage[],
  attempt: string,
  guidePhrase: string,
  rendering: CorrectionRendering,
  sep: string,
  model: ModelChatFormat,
): string {
  const text = cutAtEndOfTurn(attempt, model.endOfTurn);
  const chat = { template: model.template, variables: model.variables };
  if (rendering === "new-turn") {
    return renderChat(
      [...head, { role: "assistant", content: text }, { role: "user", content: guidePhrase }],
      { addGenerationPrompt: true, ...chat },
    );
  }
  const parsed = parseAttempt(text);
  const thought = parsed.reasoning !== undefined ? `${THINK_OPEN}${parsed.reasoning}` : parsed.answer;
  return renderChat([...head, { role: "assistant", content: `${thought}${sep}${guidePhrase}${sep}` }], {
    continueFinalMessage: true,
    ...chat,
  });
}

/** Renders the layer-2 prompt for one attempt; the model's completion follows it directly. */
export function renderCorrectionQuery(
  question: string,
  attempt: string,
  guidePhrase: string,
  options: CorrectionQueryOptions = {},
): string {
  const rendering = options.rendering ?? "continue-think";
  if (!CORRECTION_RENDERINGS.includes(rendering)) {
    throw new Error(
      `correction query: rendering must be ${CORRECTION_RENDERINGS.join(" or ")}, got ${rendering}`,
    );
  }
  if (guidePhrase.trim() === "") throw new Error("correction query: the guide phrase is empty");
  const sep = options.separator ?? "\n";
  const head: ChatMessage[] = [
    ...(options.system !== undefined ? [{ role: "system" as const, content: options.system }] : []),
    { role: "user", content: question },
  ];
  if (options.model)
    return renderWithModelTemplate(head, attempt, guidePhrase, rendering, sep, options.model);
  const parsed = parseAttempt(attempt);
  if (rendering === "new-turn") {
    const turn: ChatMessage =
      parsed.reasoning === undefined
        ? { role: "assistant", content: parsed.answer }
        : { role: "assistant", reasoning: parsed.reasoning, content: parsed.answer };
    return renderChat([...head, turn, { role: "user", content: guidePhrase }], {
      addGenerationPrompt: true,
    });
  }
  const thought = parsed.reasoning ?? parsed.answer;
  return renderChat([...head, { role: "assistant", reasoning: `${thought}${sep}${guidePhrase}${sep}` }], {
    continueFinalMessage: true,
  });
}

/**
 * The completion a correction query expects, for a corrected reasoning and answer (used by the
 * SFT corpus): "continue-think" → `{reasoning}</think>{answer}<|im_end|>`; "new-turn" →
 * `<think>{reasoning}</think>{answer}<|im_end|>`. (Default template markers.)
 */
export function renderCorrectionCompletion(
  reasoning: string,
  answer: string,
  rendering: CorrectionRendering,
): string {
  return rendering === "continue-think"
    ? `${reasoning}${THINK_CLOSE}${answer}${CHAT_END_OF_TURN}`
    : `${THINK_OPEN}${reasoning}${THINK_CLOSE}${answer}${CHAT_END_OF_TURN}`;
}
